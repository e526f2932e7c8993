"""国民年金の画面 (/pension/): 第1号被保険者の資格 (取得・喪失・種別変更 entered by hand). Cap.PENSION only; every
read of personal data audited."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from lgcloud.areas.pension import services
from lgcloud.areas.pension.models import Qualification, QualificationReason
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


@require_http_methods(["GET", "POST"])
@require_cap(Cap.PENSION)
def person(request: HttpRequest, person_no: int) -> HttpResponse:
    error = ""
    if request.method == "POST":
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
        audit.record("pension.person_viewed", object_type="Person", object_id=person_no, purpose="国民年金資格の照会")
    return render(request, "pension/person.html", {
        "resident": resident, "rows": rows, "open": next((q for q in rows if not q.qualification_end), None),
        "reasons": QualificationReason.choices, "error": error,
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
