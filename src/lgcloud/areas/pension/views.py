"""国民年金の画面 (/pension/): 第1号被保険者の資格 (取得・喪失・種別変更 entered by hand). Cap.PENSION only; every
read of personal data audited."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from lgcloud.areas.pension import services
from lgcloud.areas.pension.models import ExemptionApplication, Qualification, QualificationReason
from lgcloud.areas.pension.rules.exemption import LABELS, IncomeTest
from lgcloud.areas.registry import public
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.web.decorators import require_cap


@require_safe
@require_cap(Cap.PENSION)
def index(request: HttpRequest) -> HttpResponse:
    person_no = request.GET.get("person_no", "").strip()
    if person_no.isdigit():
        return redirect("pension:person", person_no=int(person_no))
    return render(request, "pension/index.html", {
        "members": Qualification.objects.filter(qualification_end__isnull=True).count(),
        "error": "宛名番号は数字で入力してください。" if person_no else "",
    })


TESTED = (("self", "本人"), ("spouse", "配偶者"), ("head", "世帯主"))


def _amount(raw: str, field: str, label: str) -> int:
    raw = raw.strip().replace(",", "")
    if not raw:
        return 0
    if not raw.isdigit():
        raise ValidationFailed(f"{label}は0以上の整数（円・人）で入力してください。", field=field)
    return int(raw)


def _exemption_from_form(request: HttpRequest, person_no: int) -> str:
    """免除・納付猶予 申請 at the counter: the income test of the applicant, spouse and householder."""
    post = request.POST
    try:
        applied_on = parse_japanese_date(post.get("applied_on", ""))
    except ValueError as e:
        raise ValidationFailed(str(e), field="applied_on") from None
    fy_raw = post.get("fiscal_year", "").strip()
    if not fy_raw.isdigit() or not 2000 <= int(fy_raw) <= 2100:
        raise ValidationFailed("対象年度は西暦4桁で入力してください。", field="fiscal_year")
    tests = []
    for key, label in TESTED:
        income = post.get(f"{key}_income", "").strip()
        if not income and key != "self":
            continue  # no spouse / the applicant is the householder
        tests.append(IncomeTest(
            income=_amount(income, f"{key}_income", f"{label}の前年所得"),
            dependents=_amount(post.get(f"{key}_dependents", ""), f"{key}_dependents", f"{label}の扶養親族等の数"),
            dependent_deductions=_amount(post.get(f"{key}_dependent_deductions", ""),
                                         f"{key}_dependent_deductions", f"{label}の扶養親族等控除額"),
            social_insurance_deductions=_amount(post.get(f"{key}_social_insurance", ""),
                                                f"{key}_social_insurance", f"{label}の社会保険料控除額等"),
        ))
    app = services.apply_exemption(person_no, int(fy_raw), applied_on, tests, deferment=post.get("deferment") == "1")
    return LABELS.get(app.result or None, app.result)


@require_http_methods(["GET", "POST"])
@require_cap(Cap.PENSION)
def person(request: HttpRequest, person_no: int) -> HttpResponse:
    error = ""
    if request.method == "POST" and request.POST.get("action") == "exemption":
        try:
            label = _exemption_from_form(request, person_no)
            messages.success(request, f"免除・納付猶予の申請を審査しました: {label}")
            return redirect("pension:person", person_no=person_no)
        except LgcloudError as e:
            error = e.message
    elif request.method == "POST":
        try:
            try:
                on = parse_japanese_date(request.POST.get("date", ""))
            except ValueError as e:
                raise ValidationFailed(str(e), field="date") from None
            if request.POST.get("action") == "acquire":
                services.acquire(person_no, on, request.POST.get("reason", ""))
                messages.success(request, "第1号被保険者の資格を記録しました。")
            else:
                services.lose(person_no, on, request.POST.get("reason", ""))
                messages.success(request, "第1号被保険者の資格を喪失させました。")
            return redirect("pension:person", person_no=person_no)
        except LgcloudError as e:
            error = e.message
    with transaction.atomic():
        resident = public.person(person_no)
        if resident is None:
            raise Http404("この宛名番号の住民はいません。")
        rows = list(Qualification.objects.filter(person_no=person_no))
        applications = [(a, LABELS.get(a.result or None, a.result))
                        for a in ExemptionApplication.objects.filter(person_no=person_no)]
        audit.record("pension.person_viewed", object_type="Person", object_id=person_no, purpose="国民年金資格の照会")
    today = timezone.localdate()
    return render(request, "pension/person.html", {
        "resident": resident, "rows": rows, "open": next((q for q in rows if not q.qualification_end), None),
        "reasons": QualificationReason.choices, "error": error, "applications": applications,
        "tested": TESTED, "fiscal_year": today.year if today.month >= 4 else today.year - 1,
        "form": request.POST if request.POST.get("action") == "exemption" else {},
    })


@require_safe
@require_cap(Cap.PENSION)
def report(request: HttpRequest) -> HttpResponse:
    """The 届書 report file (CSV, layout defined as data) for a period."""
    try:
        start = parse_japanese_date(request.GET.get("start", ""))
        end = parse_japanese_date(request.GET.get("end", ""))
    except ValueError:
        return render(request, "pension/index.html", {
            "members": Qualification.objects.filter(qualification_end__isnull=True).count(),
            "error": "報告ファイルの期間（開始日・終了日）を日付で入力してください。"}, status=400)
    with transaction.atomic():
        data = services.report_file(start, end)
    response = HttpResponse(data, content_type="text/csv; charset=Shift_JIS")
    response["Content-Disposition"] = f'attachment; filename="pension-report-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    return response
