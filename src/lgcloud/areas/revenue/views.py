"""収納・滞納の画面 for a collection clerk: the taxpayer's whole account (名寄せ), posting a payment, 分納誓約,
contacts, the arrears list, 督促状 (batch and PDF), unmatched payments and payments files."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lgcloud.areas.registry import public
from lgcloud.areas.revenue import collection, figures, forms, imports, ledger, payments, reading
from lgcloud.areas.revenue.models import (
    ArrearsContact,
    Bill,
    ImportBatch,
    Payment,
    PaymentChannel,
    PaymentPlan,
    PaymentStatus,
    Refund,
    ReminderBatch,
    ReminderNotice,
)
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, NotFound, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of
from lgcloud.platform.tenancy.context import require_municipality
from lgcloud.platform.web.decorators import require_cap, staff


def _today() -> dt.date:
    return timezone.localdate()


def _name(person_no: int) -> str:
    view = public.person(person_no)
    return f"{view.family_name}　{view.given_name}" if view else ""


def _fail(request: HttpRequest, e: LgcloudError) -> None:
    if e.status_code in (403, 404):
        raise e
    messages.error(request, e.message)


@require_cap(Cap.REVENUE_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    person = request.GET.get("person_no", "").strip()
    if person:
        if person.isdigit():
            return redirect("revenue:account", person_no=int(person))
        messages.error(request, "宛名番号は数字で入力してください。")
    unmatched = Payment.objects.filter(status=PaymentStatus.UNMATCHED).count()
    return render(request, "revenue/home.html", {"unmatched": unmatched,
                                                 "can_change": staff(request).has_cap(Cap.REVENUE_CHANGE)})


@require_cap(Cap.REVENUE_VIEW)
def account(request: HttpRequest, person_no: int) -> HttpResponse:
    as_of = None
    try:
        as_of = forms.date(request.GET.get("as_of"), "as_of", "基準日", default=_today()) if request.GET.get(
            "as_of") else None
    except LgcloudError as e:
        _fail(request, e)
    acct = reading.account(person_no, as_of)
    plans = list(PaymentPlan.objects.filter(person_no=person_no).prefetch_related("schedule").order_by("-pk"))
    contacts = list(ArrearsContact.objects.filter(person_no=person_no).order_by("-contacted_on", "-pk")[:50])
    reminders = list(ReminderNotice.objects.filter(person_no=person_no).select_related("bill").order_by("-pk"))
    return render(request, "revenue/account.html", {
        "acct": acct, "name": _name(person_no) if acct.lines else "", "plans": plans, "contacts": contacts,
        "reminders": reminders, "today": _today(), "as_of": as_of,
        "can_change": staff(request).has_cap(Cap.REVENUE_CHANGE),
    })


@require_POST
@require_cap(Cap.REVENUE_CHANGE)
def post_payment(request: HttpRequest, person_no: int) -> HttpResponse:
    try:
        amount = forms.yen(request.POST.get("amount"), "amount", "金額")
        paid_on = forms.date(request.POST.get("paid_on"), "paid_on", "納付日", default=_today())
        ref = request.POST.get("reference", "").strip()
        with transaction.atomic():
            if not Bill.objects.filter(person_no=person_no).exists():
                raise NotFound(f"宛名番号 {person_no} の収納の記録はありません。")
            p = payments.receive_payment(payments.Incoming(
                paid_on, amount, PaymentChannel.COUNTER, reference=ref, person_no=person_no if not ref else None,
                dedupe_key=f"counter:{person_no}:{timezone.now().isoformat()}", identified=not ref))
        if p.status == PaymentStatus.UNMATCHED:
            messages.error(request, f"収納 {amount:,}円 を未消込として受け付けました（{p.reason}）。")
        else:
            messages.success(request, f"収納 {amount:,}円（{paid_on:%Y-%m-%d}）を消し込みました。")
    except LgcloudError as e:
        _fail(request, e)
    return redirect("revenue:account", person_no=person_no)


@require_POST
@require_cap(Cap.REVENUE_CHANGE)
def create_plan(request: HttpRequest, person_no: int) -> HttpResponse:
    try:
        agreed_on = forms.date(request.POST.get("agreed_on"), "agreed_on", "誓約日", default=_today())
        first = forms.date(request.POST.get("first_due"), "first_due", "初回の納付予定日")
        count = forms.integer(request.POST.get("count"), "count", "回数", 1, 60)
        amount = forms.yen(request.POST.get("amount"), "amount", "毎回の金額")
        schedule = []
        for i in range(count):
            month = first.month - 1 + i
            year, month = first.year + month // 12, month % 12 + 1
            schedule.append((dt.date(year, month, min(first.day, 28)), amount))
        collection.create_plan(person_no, agreed_on, schedule, request.POST.get("note", ""))
        messages.success(request, f"分納誓約（{count}回、毎回 {amount:,}円）を登録しました。")
    except LgcloudError as e:
        _fail(request, e)
    return redirect("revenue:account", person_no=person_no)


@require_POST
@require_cap(Cap.REVENUE_CHANGE)
def record_contact(request: HttpRequest, person_no: int) -> HttpResponse:
    try:
        on = forms.date(request.POST.get("contacted_on"), "contacted_on", "日付", default=_today())
        collection.record_contact(person_no, on, request.POST.get("method", ""), request.POST.get("note", ""))
        messages.success(request, "接触の記録を登録しました。")
    except LgcloudError as e:
        _fail(request, e)
    return redirect("revenue:account", person_no=person_no)


@require_POST
@require_cap(Cap.REVENUE_CHANGE)
def decide_refund(request: HttpRequest, pk: int) -> HttpResponse:
    refund = Refund.objects.filter(pk=pk).first()
    if refund is None:
        raise NotFound("指定の還付はありません。")
    try:
        on = forms.date(request.POST.get("decided_on"), "decided_on", "還付決定日", default=_today())
        done = ledger.decide_refund(pk, on)
        messages.success(request, f"還付 {done.amount:,}円（還付加算金 {done.interest:,}円）を決定しました。")
    except LgcloudError as e:
        _fail(request, e)
    return redirect("revenue:account", person_no=refund.person_no)


@require_cap(Cap.REVENUE_VIEW)
def payment_slip(request: HttpRequest, pk: int) -> HttpResponse:
    from lgcloud.areas.revenue import pdf

    bill = Bill.objects.filter(pk=pk).first()
    if bill is None:
        raise NotFound("指定の期別はありません。")
    owed = ledger.balances([bill.pk]).get(bill.pk, 0)
    if owed <= 0:
        messages.error(request, f"{bill} に未納はありません。納付書は作成しません。")
        return redirect("revenue:account", person_no=bill.person_no)
    content = pdf.payment_slip_pdf(require_municipality(), bill, owed, _name(bill.person_no))
    audit.record("revenue.payment_slip_printed", obj=bill, detail={"amount": owed, "person_no": bill.person_no})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="nofusho_{bill.payment_ref}.pdf"'
    return response


@require_POST
@require_cap(Cap.REVENUE_CHANGE)
def reduce_bill(request: HttpRequest, pk: int) -> HttpResponse:
    bill = Bill.objects.filter(pk=pk).first()
    if bill is None:
        raise NotFound("指定の期別はありません。")
    try:
        kind = request.POST.get("kind", "")
        amount = forms.yen(request.POST.get("amount"), "amount", "金額")
        on = forms.date(request.POST.get("on"), "on", "計上日", default=_today())
        reason = request.POST.get("reason", "")
        if kind == "write_off":
            ledger.write_off(pk, amount, on, reason)
        elif kind == "remission":
            ledger.remit(pk, amount, on, reason)
        else:
            raise ValidationFailed("減免か不納欠損を選んでください。", field="kind")
        messages.success(request, f"{bill} に{'不納欠損' if kind == 'write_off' else '減免'} {amount:,}円を計上しました。")
    except LgcloudError as e:
        _fail(request, e)
    return redirect("revenue:account", person_no=bill.person_no)


def _fiscal_year(request: HttpRequest) -> tuple[int, dt.date]:
    on = _today()
    fy = fiscal_year_of(on)
    try:
        fy = forms.integer(request.GET.get("fy") or fy, "fy", "年度", 2000, 2100)
        on = forms.date(request.GET.get("on"), "on", "基準日", default=min(on, dt.date(fy + 1, 5, 31)))
    except LgcloudError as e:
        _fail(request, e)
    return fy, on


def _rates_csv(name: str, rows: list[tuple[str, list[figures.RateRow]]]) -> HttpResponse:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["団体", "税目", "区分", "調定額", "収入済額", "未納額", "収納率（%）"])
    for member, member_rows in rows:
        for r in member_rows:
            w.writerow([member, r.label, r.part, r.charged, r.received, r.outstanding, r.rate if r.rate else ""])
    response = HttpResponse(buf.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_cap(Cap.REVENUE_VIEW)
def rates(request: HttpRequest) -> HttpResponse:
    fy, on = _fiscal_year(request)
    rows = figures.collection_rates(fy, on)
    if request.GET.get("format") == "csv":
        return _rates_csv(f"shuno_ritsu_{fy}", [(require_municipality().name, rows)])
    return render(request, "revenue/rates.html", {"members": [("", rows)], "fy": fy, "on": on, "group": False})


@require_cap(Cap.GROUP_REPORTS)
def group_rates(request: HttpRequest) -> HttpResponse:
    group = staff(request).group
    if group is None:
        raise NotFound("協議会が設定されていません。")
    fy, on = _fiscal_year(request)
    members = figures.group_rates(group, fy, on)
    if request.GET.get("format") == "csv":
        return _rates_csv(f"shuno_ritsu_group_{fy}", members)
    return render(request, "revenue/rates.html", {"members": members, "fy": fy, "on": on, "group": True})


@require_cap(Cap.REVENUE_VIEW)
def arrears(request: HttpRequest) -> HttpResponse:
    on = _today()
    try:
        on = forms.date(request.GET.get("on"), "on", "基準日", default=_today())
    except LgcloudError as e:
        _fail(request, e)
    rows = collection.arrears(on)
    return render(request, "revenue/arrears.html", {"rows": rows, "on": on})


@require_cap(Cap.REVENUE_VIEW)
def reminders(request: HttpRequest) -> HttpResponse:
    batches = list(ReminderBatch.objects.order_by("-issued_on", "-pk")[:30])
    return render(request, "revenue/reminders.html", {"batches": batches, "today": _today(),
                                                      "can_change": staff(request).has_cap(Cap.REVENUE_CHANGE)})


@require_POST
@require_cap(Cap.REVENUE_CHANGE)
def issue_reminders(request: HttpRequest) -> HttpResponse:
    try:
        on = forms.date(request.POST.get("on"), "on", "発付日", default=_today())
        issued = collection.issue_reminders(on)
        messages.success(request, f"督促状 {len(issued)}件を発付しました（{on:%Y-%m-%d}）。")
    except LgcloudError as e:
        _fail(request, e)
    return redirect("revenue:reminders")


@require_cap(Cap.REVENUE_VIEW)
def reminders_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    batch = ReminderBatch.objects.filter(pk=pk).first()
    if batch is None:
        raise NotFound("指定の督促状はありません。")
    audit.record("revenue.reminders_printed", obj=batch,
                 detail={"count": batch.count, "document_number": batch.document_number})
    response = HttpResponse(bytes(batch.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="tokusoku_{batch.issued_on:%Y%m%d}_{batch.pk}.pdf"'
    return response


@require_cap(Cap.REVENUE_VIEW)
def unmatched(request: HttpRequest) -> HttpResponse:
    rows = list(Payment.objects.filter(status=PaymentStatus.UNMATCHED).order_by("-paid_on", "-pk")[:200])
    audit.record("revenue.unmatched_read", object_type="Payment", object_id=",".join(str(p.pk) for p in rows[:50]))
    return render(request, "revenue/unmatched.html", {"rows": rows})


@require_cap(Cap.REVENUE_VIEW)
def payment(request: HttpRequest, pk: int) -> HttpResponse:
    p = Payment.objects.filter(pk=pk).first()
    if p is None:
        raise NotFound("指定の収納はありません。")
    if request.method == "POST":
        if not staff(request).has_cap(Cap.REVENUE_CHANGE):
            raise NotFound("指定の収納はありません。")
        try:
            person_no = forms.integer(request.POST.get("person_no"), "person_no", "宛名番号", 1, 10**15)
            payments.resolve_unmatched(pk, person_no, request.POST.get("reference", "").strip())
            messages.success(request, f"収納を宛名番号 {person_no} に消し込みました。")
            return redirect("revenue:account", person_no=person_no)
        except LgcloudError as e:
            _fail(request, e)
    audit.record("revenue.payment_read", obj=p)
    return render(request, "revenue/payment.html", {"p": p,
                                                    "can_change": staff(request).has_cap(Cap.REVENUE_CHANGE)})


@require_cap(Cap.REVENUE_CHANGE)
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        f = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        try:
            if f is None:
                raise imports.ValidationFailed("ファイルを選択してください。", field="file")
            content = f.read()
            if kind == "cvs":
                result = imports.import_cvs(content, f.name or "cvs.csv")
            elif kind == "zengin":
                year = forms.integer(request.POST.get("year") or _today().year, "year", "引落年", 2000, 2100)
                result = imports.import_debit_results(content, f.name or "zengin.txt", year)
            else:
                raise imports.ValidationFailed("ファイルの種類を選んでください。", field="kind")
            messages.success(request, f"{result.batch.filename}: {result.batch.lines}件（消込 {result.batch.matched}件、"
                                      f"未消込 {result.batch.unmatched}件、合計 {result.batch.total:,}円）を取り込みました。")
            return redirect(reverse("revenue:upload"))
        except imports.ImportRefused as e:
            return render(request, "revenue/upload.html", {"refused": e, "batches": _batches()}, status=400)
        except LgcloudError as e:
            _fail(request, e)
    return render(request, "revenue/upload.html", {"batches": _batches()})


def _batches() -> list[ImportBatch]:
    return list(ImportBatch.objects.order_by("-pk")[:30])
