"""国保の画面 (/insurance/): the insured person (資格, 加入・喪失 at the counter), the household with its 国保税 and
breakdown, the 納税通知書. Every read of personal data is audited; only staff with Cap.INSURANCE enter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lgcloud.areas.insurance import services
from lgcloud.areas.insurance.models import (
    Assessment,
    AssessmentRun,
    Coverage,
    EndReason,
    NhiHousehold,
    StartReason,
)
from lgcloud.areas.insurance.rules.nhi_tax import PARTS, part_rows
from lgcloud.areas.registry import public
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of, parse_japanese_date
from lgcloud.platform.web.decorators import require_cap


def _date(raw: str, field: str) -> dt.date:
    try:
        return parse_japanese_date(raw)
    except (LgcloudError, ValueError):
        raise ValidationFailed("日付を入力してください（例: 2026-04-01、令和8年4月1日）。", field=field) from None


@require_safe
@require_cap(Cap.INSURANCE)
def index(request: HttpRequest) -> HttpResponse:
    """Figures only (no personal data) and a lookup by 宛名番号."""
    runs = list(AssessmentRun.objects.filter(kind="initial")[:5])
    context = {
        "insured": Coverage.objects.filter(coverage_end__isnull=True).count(),
        "households": NhiHousehold.objects.filter(coverages__coverage_end__isnull=True).distinct().count(),
        "runs": runs,
    }
    person_no = request.GET.get("person_no", "").strip()
    if person_no:
        if person_no.isdigit():
            return redirect("insurance:person", person_no=int(person_no))
        context["error"] = "宛名番号は数字で入力してください。"
    return render(request, "insurance/index.html", context)


@require_http_methods(["GET", "POST"])
@require_cap(Cap.INSURANCE)
def person(request: HttpRequest, person_no: int) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "enrol":
                services.enrol(person_no, _date(request.POST.get("date", ""), "date"), request.POST.get("reason", ""))
                messages.success(request, "国保に加入しました。")
            else:
                services.end_coverage(person_no, _date(request.POST.get("date", ""), "date"),
                                      request.POST.get("reason", ""))
                messages.success(request, "国保の資格を喪失させました。")
            return redirect("insurance:person", person_no=person_no)
        except LgcloudError as e:
            error = e.message
    with transaction.atomic():
        resident = public.person(person_no)
        if resident is None:
            raise Http404("この宛名番号の住民はいません。")
        coverages = list(Coverage.objects.filter(person_no=person_no).select_related("household"))
        audit.record("insurance.person_viewed", object_type="Person", object_id=person_no,
                     purpose="国保資格の照会")
    return render(request, "insurance/person.html", {
        "resident": resident, "coverages": coverages, "open": next((c for c in coverages if not c.coverage_end), None),
        "start_reasons": StartReason.choices, "end_reasons": EndReason.choices, "error": error,
    })


def _assessment_rows(a: Assessment) -> list[dict[str, Any]]:
    parts = part_rows(a.breakdown)
    return [parts[p] for p in PARTS if p in parts]


@require_safe
@require_cap(Cap.INSURANCE)
def household(request: HttpRequest, household_no: int) -> HttpResponse:
    h = NhiHousehold.objects.filter(household_no=household_no).first()
    if h is None:
        raise Http404("この世帯番号の国保世帯はありません。")
    with transaction.atomic():
        coverages = list(Coverage.objects.filter(household=h))
        names = {no: public.person(no) for no in {c.person_no for c in coverages} | {h.head_person_no}}
        assessments = list(Assessment.objects.filter(household=h).order_by("-fiscal_year", "-version"))
        audit.record("insurance.household_viewed", obj=h, purpose="国保世帯・国保税の照会",
                     detail={"household_no": household_no})
    current = [a for a in assessments if a.current]
    return render(request, "insurance/household.html", {
        "h": h, "head": names.get(h.head_person_no), "head_insured": any(
            c.person_no == h.head_person_no and not c.coverage_end for c in coverages),
        "coverages": [(c, names.get(c.person_no)) for c in coverages], "assessments": assessments,
        "current": [(a, _assessment_rows(a)) for a in current],
        "fiscal_year": fiscal_year_of(dt.date.today()),
    })


@require_POST
@require_cap(Cap.INSURANCE)
def notice(request: HttpRequest, household_no: int, fiscal_year: int) -> HttpResponse:
    """国民健康保険税 納税通知書 (PDF), issued through the platform's documents."""
    from lgcloud.areas.insurance import documents

    h = NhiHousehold.objects.filter(household_no=household_no).first()
    if h is None:
        raise Http404("この世帯番号の国保世帯はありません。")
    try:
        pdf, number = documents.tax_notice(h, fiscal_year)
    except LgcloudError as e:
        messages.error(request, e.message)
        return redirect("insurance:household", household_no=household_no)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="nhi-tax-notice-{number}.pdf"'
    return response


@require_POST
@require_cap(Cap.INSURANCE)
def eligibility(request: HttpRequest, person_no: int) -> HttpResponse:
    """資格確認書 or 資格情報のお知らせ (PDF) of an insured person."""
    from lgcloud.areas.insurance import documents

    which = "notice" if request.POST.get("which") == "notice" else "certificate"
    try:
        pdf, number = documents.eligibility_certificate(person_no, which)
    except LgcloudError as e:
        messages.error(request, e.message)
        return redirect("insurance:person", person_no=person_no)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="nhi-eligibility-{number}.pdf"'
    return response
