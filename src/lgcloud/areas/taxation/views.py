"""税務の画面 (Cap.TAXATION): find a taxpayer, the assessment with its breakdown and versions, income correction,
the unmatched income records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lgcloud.areas.registry import public
from lgcloud.areas.taxation import assessment, certificates, incomes, reading
from lgcloud.areas.taxation.models import Assessment, IncomeRecord
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of
from lgcloud.platform.web.decorators import require_cap, staff

CORRECTABLE = [("salary_revenue", "給与収入"), ("pension_revenue", "公的年金等の収入"), ("other_income", "その他の所得"),
               ("social_insurance_paid", "社会保険料"), ("life_insurance_deduction", "生命保険料控除額")]


def _fiscal_year(request: HttpRequest) -> int:
    raw = request.GET.get("fy", "")
    if raw.isdigit() and 2021 <= int(raw) <= 2100:
        return int(raw)
    return fiscal_year_of(dt.date.today())


@require_cap(Cap.TAXATION_VIEW)
def home(request: HttpRequest) -> HttpResponse:
    fy = _fiscal_year(request)
    q = request.GET.get("q", "")
    rows: list[Assessment] = []
    truncated, error = False, ""
    if q:
        try:
            rows, truncated = reading.find(fy, q)
        except LgcloudError as e:
            error = e.message
    return render(request, "taxation/home.html", {"fy": fy, "q": q, "rows": rows, "truncated": truncated,
                                                   "error": error, "unmatched": len(incomes.unmatched(fy)),
                                                   "can_change": staff(request).has_cap(Cap.TAXATION)})


@require_cap(Cap.TAXATION_VIEW)
def taxpayer(request: HttpRequest, fy: int, person_no: int, version: int | None = None) -> HttpResponse:
    return _taxpayer_page(request, fy, person_no, version)


def _taxpayer_page(request: HttpRequest, fy: int, person_no: int, version: int | None = None, *,
                   alerts: list[str] | None = None, status: int = 200) -> HttpResponse:
    file = reading.open_file(fy, person_no, version)
    return render(request, "taxation/taxpayer.html", {
        "file": file, "a": file.assessment, "fields": CORRECTABLE, "can_change": staff(request).has_cap(Cap.TAXATION),
        "alerts": alerts or [], "cert": request.POST if alerts else {},
        "relationships": certificates.RELATIONSHIPS}, status=status)


@require_POST
@require_cap(Cap.TAXATION)
def correct(request: HttpRequest, record_id: int) -> HttpResponse:
    record = IncomeRecord.objects.filter(pk=record_id, superseded=False, person_no__isnull=False).first()
    if record is None:
        raise NotFound("訂正できる所得データが見つかりません。")
    changes: dict[str, int] = {}
    try:
        for name, label in CORRECTABLE:
            raw = request.POST.get(name, "").replace(",", "").strip()
            if raw == "":
                continue
            if not raw.isdigit():
                raise ValidationFailed(f"{label}は 0 以上の整数で入力してください（入力値: {raw}）。", field=name)
            if int(raw) != getattr(record, name):
                changes[name] = int(raw)
        reason = request.POST.get("reason", "").strip()
        if not reason:
            raise ValidationFailed("更正の理由を入力してください。", field="reason")
        if not changes:
            raise ValidationFailed("変更された項目がありません。", field="salary_revenue")
        out = assessment.correct_income(record.pk, changes, reason)
    except ValidationFailed as e:
        messages.error(request, e.message)
        return redirect("taxation:taxpayer", fy=record.fiscal_year, person_no=record.person_no)
    messages.success(request, f"更正しました（第{out.assessment.version}版、年税額 {out.assessment.total:,}円）。")
    return redirect("taxation:taxpayer", fy=record.fiscal_year, person_no=record.person_no)


@require_cap(Cap.TAXATION)
def unmatched(request: HttpRequest, record_id: int) -> HttpResponse:
    record = IncomeRecord.objects.filter(pk=record_id, person_no__isnull=True).first()
    if record is None:
        raise NotFound("未照合の所得データが見つかりません。")
    if request.method == "POST":
        raw = request.POST.get("person_no", "").strip()
        try:
            if not raw.isdigit():
                raise ValidationFailed("宛名番号を数字で入力してください。", field="person_no")
            incomes.resolve_unmatched(record.pk, int(raw))
        except ValidationFailed as e:
            messages.error(request, e.message)
            return redirect("taxation:unmatched", record_id=record.pk)
        messages.success(request, f"宛名番号 {raw} と照合しました。")
        return redirect("taxation:home")
    return render(request, "taxation/unmatched.html", {"record": record})


def requester_of(request: HttpRequest) -> dict[str, Any]:
    """The requester fields of a counter certificate form (the 抑止・支援措置 check reads them)."""
    raw = request.POST.get("requester_birth_date", "").strip()
    try:
        birth = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise ValidationFailed(f"請求者の生年月日は YYYY-MM-DD で入力してください（入力値: {raw}）。",
                               field="requester_birth_date") from None
    return {"requester_name": request.POST.get("requester_name", ""),
            "requester_kana": request.POST.get("requester_kana", ""), "requester_birth_date": birth,
            "requester_relationship": request.POST.get("requester_relationship", ""),
            "purpose": request.POST.get("purpose", ""),
            "acknowledge_alerts": request.POST.get("acknowledge_alerts") == "1"}


def pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@require_POST
@require_cap(Cap.TAXATION)
def certificate(request: HttpRequest, fy: int, person_no: int) -> HttpResponse:
    back = HttpResponseRedirect(reverse("taxation:taxpayer", kwargs={"fy": fy, "person_no": person_no}))
    try:
        document, data = certificates.issue(fy, person_no, **requester_of(request))
    except public.RestrictionAlert as e:
        return _taxpayer_page(request, fy, person_no, alerts=e.alerts, status=409)
    except (ValidationFailed, PermissionDenied) as e:
        messages.error(request, e.message)
        return back
    return pdf_response(data, f"income-tax-certificate-{document.number}")
