"""住民記録の画面: 抑止 and 支援措置."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from lgcloud.areas.registry import display, reading, restrictions
from lgcloud.areas.registry.forms import (
    RegistryForm,
    RestrictionForm,
    SupportMeasureForm,
)
from lgcloud.areas.registry.models import (
    Restriction,
    SupportMeasure,
    SupportStatus,
)
from lgcloud.areas.registry.views import form_error, next_url, require_any
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed
from lgcloud.platform.web.decorators import staff

RESTRICTION_CAPS = (Cap.RESTRICTION_SET, Cap.RESTRICTION_LIFT, Cap.RESTRICTION_TEMP_LIFT)


def _restrictions_page(request: HttpRequest, form: RestrictionForm | None = None, *, status: int = 200,
                       error: str = "") -> HttpResponse:
    user = staff(request)
    with transaction.atomic():
        blocks = list(Restriction.objects.filter(removed=False).select_related("person", "household")
                      .order_by("-starts_on", "-pk")[:200])
        if blocks:
            audit.record("registry.restrictions_viewed", object_type="Restriction",
                         object_id=",".join(str(r.pk) for r in blocks[:50]), purpose="抑止の管理")
    initial = {k: request.GET.get(k, "") for k in ("person_no", "household_no")}
    return render(request, "registry/restrictions.html", {
        "blocks": blocks, "form": form or RestrictionForm(initial=initial), "error": error,
        "can_set": user.has_cap(Cap.RESTRICTION_SET), "can_lift": user.has_cap(Cap.RESTRICTION_LIFT),
        "can_temp_lift": user.has_cap(Cap.RESTRICTION_TEMP_LIFT), "here": request.get_full_path(),
    }, status=status)


def _optional_int(form: RegistryForm, name: str, label: str) -> int | None:
    raw = form.raw(name)
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(f"{label}は数字で入力してください。", field=name)
    return int(raw)


@require_any(*RESTRICTION_CAPS)
@require_http_methods(["GET", "POST"])
def restriction_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _restrictions_page(request)
    form = RestrictionForm(request.POST)
    try:
        starts_on = reading.parse_date(form.raw("starts_on"), "starts_on", "開始日")
        if starts_on is None:
            raise ValidationFailed("開始日を入力してください。", field="starts_on")
        r = restrictions.set_restriction(
            action=form.raw("action"), mode=form.raw("mode"), starts_on=starts_on, reason=form.raw("reason"),
            person_no=_optional_int(form, "person_no", "宛名番号"),
            household_no=_optional_int(form, "household_no", "世帯番号"),
            ends_on=reading.parse_date(form.raw("ends_on"), "ends_on", "終了予定日"))
    except LgcloudError as e:
        return _restrictions_page(request, form, status=e.status_code, error=form_error(form, e))
    messages.success(request, f"抑止（{r.get_action_display()}・{r.get_mode_display()}）を設定しました。")
    return redirect("registry:restrictions")


def _act(request: HttpRequest, action: Callable[[int], object], pk: int, done: str, back: str) -> HttpResponse:
    """One POST button on a list (remove, lift, confirm, extend, end): the service, its message, back to the list."""
    try:
        action(pk)
    except LgcloudError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)
    return redirect(next_url(request, reverse(back)))


def _restriction_action(request: HttpRequest, action: Callable[[int], Restriction], pk: int, done: str) -> HttpResponse:
    return _act(request, action, pk, done, "registry:restrictions")


@require_any(Cap.RESTRICTION_LIFT)
@require_POST
def restriction_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _restriction_action(request, restrictions.remove_restriction, pk, "抑止を解除しました。")


@require_any(Cap.RESTRICTION_TEMP_LIFT)
@require_POST
def restriction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    return _restriction_action(request, restrictions.lift_temporarily, pk,
                               "抑止を一時解除しました。一定時間後に自動で元に戻ります。")


def _support_page(request: HttpRequest, form: SupportMeasureForm | None = None, *, status: int = 200,
                  error: str = "") -> HttpResponse:
    with transaction.atomic():
        measures = list(SupportMeasure.objects.select_related("applicant").order_by("status", "ends_on", "pk")[:200])
        if measures:
            audit.record("registry.support_measures_viewed", object_type="SupportMeasure",
                         object_id=",".join(str(m.pk) for m in measures[:50]), purpose="支援措置の管理")
    alerts = {m.pk: text for m, text in restrictions.support_alerts()}
    initial = {"applicant_person_no": request.GET.get("person_no", "")}
    return render(request, "registry/support_measures.html", {
        "measures": [{"m": m, "alert": alerts.get(m.pk, "")} for m in measures], "ended": SupportStatus.ENDED,
        "provisional": SupportStatus.PROVISIONAL, "form": form or SupportMeasureForm(initial=initial), "error": error,
    }, status=status)


@require_any(Cap.SUPPORT_MEASURE)
@require_http_methods(["GET", "POST"])
def support_measures(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _support_page(request)
    form = SupportMeasureForm(request.POST)
    try:
        starts_on = reading.parse_date(form.raw("starts_on"), "starts_on", "開始日")
        if starts_on is None:
            raise ValidationFailed("開始日を入力してください。", field="starts_on")
        applicant = _optional_int(form, "applicant_person_no", "申出者の宛名番号")
        if applicant is None:
            raise ValidationFailed("申出者の宛名番号を入力してください。", field="applicant_person_no")
        accompanying = [n.strip() for n in form.raw("accompanying").replace("、", ",").split(",") if n.strip()]
        if any(not n.isdigit() for n in accompanying):
            raise ValidationFailed("併せて支援を求める者の宛名番号は数字を「,」で区切って入力してください。", field="accompanying")
        m = restrictions.register_support_measure(
            applicant_person_no=applicant, starts_on=starts_on, provisional=form.flag("provisional"),
            accompanying=[int(n) for n in accompanying],
            offender_person_no=_optional_int(form, "offender_person_no", "加害者とされる者の宛名番号"),
            offender_name=form.raw("offender_name"), offender_kana=form.raw("offender_kana"),
            offender_birth_date=reading.parse_date(form.raw("offender_birth_date"), "offender_birth_date",
                                                   "加害者とされる者の生年月日"),
            offender_address=form.raw("offender_address"), addresses=form.raw("addresses"), note=form.raw("note"))
    except LgcloudError as e:
        return _support_page(request, form, status=e.status_code, error=form_error(form, e))
    messages.success(request, f"{m.get_status_display()}を登録しました（{display.wareki(m.ends_on)}まで）。")
    return redirect("registry:support_measures")


def _support_action(request: HttpRequest, action: Callable[[int], SupportMeasure], pk: int, done: str) -> HttpResponse:
    return _act(request, action, pk, done, "registry:support_measures")


@require_any(Cap.SUPPORT_MEASURE)
@require_POST
def support_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _support_action(request, restrictions.confirm_support_measure, pk, "仮支援措置を支援措置に確定しました。")


@require_any(Cap.SUPPORT_MEASURE)
@require_POST
def support_extend(request: HttpRequest, pk: int) -> HttpResponse:
    return _support_action(request, restrictions.extend_support_measure, pk, "支援措置の期間を延長しました。")


@require_any(Cap.SUPPORT_MEASURE)
@require_POST
def support_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _support_action(request, restrictions.end_support_measure, pk, "支援措置を終了しました。")


