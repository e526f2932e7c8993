"""児童手当の画面 (/welfare/): recipients (認定), payment runs with their list, the 全銀協 file and 支払通知書.
Cap.WELFARE only; every read of personal data audited."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lgcloud.areas.registry import public
from lgcloud.areas.welfare import services
from lgcloud.areas.welfare.models import AllowanceClaim, ClaimStatus, PaymentRun
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.web.decorators import require_cap

PAGE = 100


def _claim_from_form(request: HttpRequest) -> AllowanceClaim:
    """認定請求 at the counter: the recipient and the children by 宛名番号 (birth dates read from the register)."""
    post = request.POST

    def number(name: str) -> int:
        raw = post.get(name, "").strip()
        if not raw.isdigit():
            raise ValidationFailed("宛名番号は数字で入力してください。", field=name)
        return int(raw)

    def date(name: str, required: bool = True) -> dt.date | None:
        raw = post.get(name, "").strip()
        if not raw and not required:
            return None
        try:
            return parse_japanese_date(raw)
        except ValueError as e:
            raise ValidationFailed(str(e), field=name) from None

    recipient = number("recipient")
    children = []
    for raw in post.get("children", "").replace("、", ",").split(","):
        if not raw.strip():
            continue
        if not raw.strip().isdigit():
            raise ValidationFailed("児童の宛名番号はカンマ区切りの数字で入力してください。", field="children")
        child = public.person(int(raw))
        if child is None or child.birth_date is None:
            raise ValidationFailed(f"宛名番号 {raw.strip()} の児童は登録されていません。", field="children")
        children.append(services.ChildInput(child.birth_date, child.person_no))
    claimed_on = date("claimed_on")
    if claimed_on is None:
        raise ValidationFailed("請求日を入力してください。", field="claimed_on")
    account = services.Account(post.get("bank_code", "").strip(), post.get("branch_code", "").strip(),
                               post.get("account_number", "").strip(), post.get("account_holder_kana", "").strip(),
                               account_type=post.get("account_type", "1"))
    return services.claim(recipient, claimed_on, children, account, event_on=date("event_on", required=False))


@require_http_methods(["GET", "POST"])
@require_cap(Cap.WELFARE)
def index(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            created = _claim_from_form(request)
            messages.success(request, f"認定しました（{created.first_month.year}年{created.first_month.month}月分から）。")
            return redirect("welfare:claim", claim_id=created.pk)
        except LgcloudError as e:
            error = e.message
    with transaction.atomic():
        claims = list(AllowanceClaim.objects.filter(status=ClaimStatus.ACTIVE).order_by("recipient_person_no")[:PAGE])
        names = {c.recipient_person_no: public.person(c.recipient_person_no) for c in claims}
        if claims:
            audit.record("welfare.claims_listed", object_type="AllowanceClaim",
                         object_id=",".join(str(c.pk) for c in claims), purpose="児童手当受給者の一覧")
    month = timezone.localdate().replace(day=1)
    return render(request, "welfare/index.html", {
        "claims": [(c, names.get(c.recipient_person_no)) for c in claims],
        "total": AllowanceClaim.objects.filter(status=ClaimStatus.ACTIVE).count(),
        "runs": PaymentRun.objects.all()[:12], "month": month, "error": error, "form": request.POST,
    })


def _date(request: HttpRequest, name: str, required: bool = True) -> dt.date | None:
    raw = request.POST.get(name, "").strip()
    if not raw and not required:
        return None
    try:
        return parse_japanese_date(raw)
    except ValueError as e:
        raise ValidationFailed(str(e), field=name) from None


def _revise(request: HttpRequest, c: AllowanceClaim) -> str:
    """額改定 at the counter: 増額 (a child added after a birth, claimed) or 減額 (a child no longer counted)."""
    post = request.POST
    if post.get("action") == "increase":
        raw = post.get("child", "").strip()
        if not raw.isdigit():
            raise ValidationFailed("追加する児童の宛名番号を数字で入力してください。", field="child")
        child = public.person(int(raw))
        if child is None or child.birth_date is None:
            raise ValidationFailed(f"宛名番号 {raw} の児童は登録されていません。", field="child")
        claimed_on = _date(request, "claimed_on")
        assert claimed_on is not None
        row = services.add_child(c.pk, services.ChildInput(child.birth_date, child.person_no), claimed_on,
                                 event_on=_date(request, "event_on", required=False))
        return f"児童を追加し、{row.from_month.year}年{row.from_month.month}月分から額を改定しました。"
    raw = post.get("child_id", "").strip()
    if not raw.isdigit():
        raise ValidationFailed("減額する児童を選んでください。", field="child_id")
    on = _date(request, "on")
    assert on is not None
    row = services.remove_child(c.pk, int(raw), on, post.get("reason", ""))
    assert row.until_month is not None
    return f"{row.until_month.year}年{row.until_month.month}月分までで児童を外し、翌月分から額を改定しました。"


@require_http_methods(["GET", "POST"])
@require_cap(Cap.WELFARE)
def claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    c = AllowanceClaim.objects.filter(pk=claim_id).first()
    if c is None:
        raise Http404("この認定はありません。")
    error = ""
    if request.method == "POST":
        try:
            messages.success(request, _revise(request, c))
            return redirect("welfare:claim", claim_id=c.pk)
        except LgcloudError as e:
            error = e.message
    today = timezone.localdate()
    with transaction.atomic():
        recipient = public.person(c.recipient_person_no)
        kids = list(c.children.all())
        amount = services.month_amount(c, kids, today.replace(day=1), services.allowance_parameters(today))
        audit.record("welfare.claim_viewed", obj=c, purpose="児童手当の照会")
    return render(request, "welfare/claim.html", {
        "c": c, "recipient": recipient, "kids": kids, "amount": amount, "error": error, "form": request.POST,
        "payments": c.payments.select_related("run"), "revisions": c.revisions.all(),
        "active": c.status == ClaimStatus.ACTIVE, "current_kids": [k for k in kids if k.until_month is None],
    })


@require_safe
@require_cap(Cap.WELFARE)
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    r = PaymentRun.objects.filter(pk=run_id).first()
    if r is None:
        raise Http404("この支払処理はありません。")
    with transaction.atomic():
        rows = services.payment_list(r)
    return render(request, "welfare/run.html", {"r": r, "rows": rows})


@require_safe
@require_cap(Cap.WELFARE)
def transfer_file(request: HttpRequest, run_id: int) -> HttpResponse:
    r = PaymentRun.objects.filter(pk=run_id).first()
    if r is None:
        raise Http404("この支払処理はありません。")
    with transaction.atomic():
        audit.record("welfare.transfer_file_read", obj=r, purpose="総合振込ファイルの出力")
    response = HttpResponse(bytes(r.transfer_file), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="zengin-{r.payment_month:%Y%m}.txt"'
    return response


@require_POST
@require_cap(Cap.WELFARE)
def payment_notice(request: HttpRequest, run_id: int, claim_id: int) -> HttpResponse:
    from lgcloud.areas.welfare import documents

    try:
        data, number = documents.payment_notice(run_id, claim_id)
    except LgcloudError as e:
        messages.error(request, e.message)
        return redirect("welfare:index")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="child-allowance-notice-{number}.pdf"'
    return response
