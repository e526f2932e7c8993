"""住民記録の画面: the registry home, search, the person and household pages, the inbox of moves between
members, the approval queue of the counter contractor's entries, and 抑止・支援措置.

Views parse input, call the service and render; the 異動 forms are in event_views, certificates in
certificate_views.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lgcloud.areas.registry import approvals, crypto, display, engine, reading, restrictions, search, transfer
from lgcloud.areas.registry.event_views import HOUSEHOLD_EVENTS, PERSON_EVENTS, available
from lgcloud.areas.registry.forms import (
    AsOfForm,
    InquiryForm,
    RegistryForm,
    RejectForm,
    RestrictionForm,
    RevealForm,
    SearchForm,
    SupportMeasureForm,
)
from lgcloud.areas.registry.models import (
    Certificate,
    Restriction,
    Status,
    SupportMeasure,
    SupportStatus,
    TransferKind,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, PermissionDenied, ValidationFailed
from lgcloud.platform.web.decorators import staff

View = Callable[..., HttpResponse]
ACK_SESSION = "registry_inquiry_ack"
ACK_SECONDS = 15 * 60  # how long a confirmed 照会 with alerts stays confirmed for this clerk


def require_any(*caps: str) -> Callable[[View], View]:
    """Login required and at least one of the capabilities; otherwise a Japanese 403."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = staff(request)
            if not any(user.has_cap(c) for c in caps):
                raise PermissionDenied("この画面を利用する権限がありません。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def _acked(request: HttpRequest, key: str) -> bool:
    return float(request.session.get(ACK_SESSION, {}).get(key, 0)) > time.time()


def _remember_ack(request: HttpRequest, key: str) -> None:
    now = time.time()
    stamps = {k: v for k, v in request.session.get(ACK_SESSION, {}).items() if float(v) > now}
    stamps[key] = now + ACK_SECONDS
    request.session[ACK_SESSION] = stamps


def _error(form: RegistryForm, e: LgcloudError) -> str:
    """The message for the top of the page when the form has no field of that name."""
    return "" if form.show_error(e.field, e.message) else e.message


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- home and search -----------------------------------------------------------------------------


@require_any(Cap.REGISTRY_VIEW)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    can_move = user.has_cap(Cap.REGISTRY_CHANGE) or user.has_cap(Cap.REGISTRY_PREPARE)
    return render(request, "registry/home.html", {
        "search_form": SearchForm(),
        "support_alerts": restrictions.support_alerts() if user.has_cap(Cap.SUPPORT_MEASURE) else [],
        "inbox": len(transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE)) if can_move else None,
        "notices": len(transfer.pending(TransferKind.MOVE_IN_NOTICE)) if can_move else None,
        "pending": len(approvals.pending()) if user.has_cap(Cap.REGISTRY_APPROVE) else None,
        "can_move": can_move,
        "can_restrict": any(user.has_cap(c) for c in (Cap.RESTRICTION_SET, Cap.RESTRICTION_LIFT,
                                                      Cap.RESTRICTION_TEMP_LIFT)),
        "can_support": user.has_cap(Cap.SUPPORT_MEASURE),
        "can_issue": user.has_cap(Cap.CERTIFICATE_ISSUE),
    })


def _history_rows(form: SearchForm) -> list[dict[str, Any]]:
    rows = []
    for h in search.history(20):
        conditions = [(str(form.fields[k].label) if k in form.fields else k, v) for k, v in h.query.items()]
        again = "" if "individual_number" in h.query else "?" + urlencode(h.query)
        rows.append({"at": h.searched_at, "conditions": conditions, "count": h.result_count, "again": again})
    return rows


@require_any(Cap.REGISTRY_VIEW)
@require_safe
def search_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    result, hidden, error, status = None, {}, "", 200
    if (form.is_bound and any(form.raw(k) for k in form.fields)) or "search" in request.GET:
        try:
            result = search.search(search.SearchQuery.from_mapping({k: form.raw(k) for k in form.fields}))
            hidden = search.by_status_and_restriction(result.persons)
        except LgcloudError as e:
            error, status = _error(form, e), e.status_code
    rows = [{"p": p, "hidden": hidden.get(p.pk, False)} for p in (result.persons if result else [])]
    return render(request, "registry/search.html", {
        "form": form, "result": result, "rows": rows, "error": error, "history": _history_rows(form),
        "status_removed": Status.REMOVED,
    }, status=status)


# --- person ----------------------------------------------------------------------------------------


def _confirm(request: HttpRequest, alerts: list[str], target: str, action: str, form: InquiryForm | None = None,
             status: int = 409) -> HttpResponse:
    return render(request, "registry/inquiry_confirm.html", {
        "alerts": alerts, "target": target, "action": action,
        "form": form or InquiryForm(initial={"purpose": reading.DEFAULT_PURPOSE}),
    }, status=status)


def _person_page(request: HttpRequest, file: reading.PersonFile, *, as_of_form: AsOfForm | None = None,
                 reveal_form: RevealForm | None = None, revealed: str = "", status: int = 200) -> HttpResponse:
    user = staff(request)
    person = file.person
    household_no = file.households.get(person.household_id or 0)
    return render(request, "registry/person.html", {
        "file": file, "p": person,
        "sections": display.person_sections(file.state, households=file.households, head_name=file.head_name)
        if file.state else None,
        "history": display.history(file.snapshots, file.cancelled, file.households),
        "as_of_form": as_of_form or AsOfForm(), "as_of_text": display.wareki(file.as_of) if file.as_of else "",
        "reveal_form": reveal_form or RevealForm(), "revealed": revealed,
        "has_number": bool(person.individual_number_last4),
        "household_no": household_no,
        "person_events": available(user, PERSON_EVENTS) if person.status == Status.RESIDENT
        else available(user, ("correction", "cancellation")),
        "household_events": available(user, HOUSEHOLD_EVENTS) if household_no and person.status == Status.RESIDENT
        else [],
        "can_issue": user.has_cap(Cap.CERTIFICATE_ISSUE) or user.has_cap(Cap.REGISTRY_PREPARE),
        "can_set": user.has_cap(Cap.RESTRICTION_SET), "can_lift": user.has_cap(Cap.RESTRICTION_LIFT),
        "can_temp_lift": user.has_cap(Cap.RESTRICTION_TEMP_LIFT), "can_support": user.has_cap(Cap.SUPPORT_MEASURE),
        "here": request.get_full_path(),
    }, status=status)


@require_any(Cap.REGISTRY_VIEW)
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, person_no: int) -> HttpResponse:
    key = f"person:{person_no}"
    if request.method == "POST":  # the confirmation step of a 照会 with alerts
        form = InquiryForm(request.POST)
        try:
            who = reading.requester(form.raw("requester_name"), form.raw("requester_kana"),
                                    form.raw("requester_birth_date"), form.raw("requester_person_no"))
            if not form.raw("purpose"):
                raise ValidationFailed("照会の目的を入力してください。", field="purpose")
            file = reading.open_person(person_no, requester=who, acknowledge_alerts=True, purpose=form.raw("purpose"))
        except ValidationFailed as e:
            form.show_error(e.field, e.message)
            return _confirm(request, [], f"宛名番号 {person_no}", request.path, form, status=400)
        _remember_ack(request, key)
        return _person_page(request, file)
    as_of_form = AsOfForm(request.GET or None)
    status = 200
    try:
        as_of = reading.parse_date(as_of_form.raw("as_of"))
    except ValidationFailed as e:
        as_of_form.show_error("as_of", e.message)
        as_of, status = None, 400
    try:
        file = reading.open_person(person_no, as_of=as_of, acknowledge_alerts=_acked(request, key))
    except RestrictionAlert as e:
        return _confirm(request, e.alerts, f"宛名番号 {person_no}", reverse("registry:person", args=[person_no]))
    return _person_page(request, file, as_of_form=as_of_form, status=status)


@require_any(Cap.REGISTRY_VIEW)
@require_POST
def reveal_number(request: HttpRequest, person_no: int) -> HttpResponse:
    form = RevealForm(request.POST)
    try:
        file = reading.open_person(person_no, acknowledge_alerts=_acked(request, f"person:{person_no}"),
                                   purpose=form.raw("purpose") or reading.DEFAULT_PURPOSE)
    except RestrictionAlert as e:
        return _confirm(request, e.alerts, f"宛名番号 {person_no}", reverse("registry:person", args=[person_no]))
    try:
        number = engine.reveal_individual_number(file.person, form.raw("purpose"))
    except ValidationFailed as e:
        form.show_error("purpose", e.message)
        return _person_page(request, file, reveal_form=form, status=400)
    return _person_page(request, file, revealed=number)


# --- household --------------------------------------------------------------------------------------


@require_any(Cap.REGISTRY_VIEW)
@require_http_methods(["GET", "POST"])
def household(request: HttpRequest, household_no: int) -> HttpResponse:
    key = f"household:{household_no}"
    as_of_form = AsOfForm(request.GET or None)
    status = 200
    if request.method == "POST":
        form = InquiryForm(request.POST)
        try:
            who = reading.requester(form.raw("requester_name"), form.raw("requester_kana"),
                                    form.raw("requester_birth_date"), form.raw("requester_person_no"))
            if not form.raw("purpose"):
                raise ValidationFailed("照会の目的を入力してください。", field="purpose")
            file = reading.open_household(household_no, requester=who, acknowledge_alerts=True,
                                          purpose=form.raw("purpose"))
        except ValidationFailed as e:
            form.show_error(e.field, e.message)
            return _confirm(request, [], f"世帯番号 {household_no}", request.path, form, status=400)
        _remember_ack(request, key)
    else:
        try:
            as_of = reading.parse_date(as_of_form.raw("as_of"))
        except ValidationFailed as e:
            as_of_form.show_error("as_of", e.message)
            as_of, status = None, 400
        try:
            file = reading.open_household(household_no, as_of=as_of, acknowledge_alerts=_acked(request, key))
        except RestrictionAlert as e:
            return _confirm(request, e.alerts, f"世帯番号 {household_no}", request.path)
    user = staff(request)
    items = file.items or {}
    head = next((m for m in file.members if m["relationship"] == HEAD), None)
    return render(request, "registry/household.html", {
        "file": file, "h": file.household, "items": items, "members": file.members, "head": head,
        "as_of_form": as_of_form, "as_of_text": display.wareki(file.as_of) if file.as_of else "",
        "events": available(user, HOUSEHOLD_EVENTS) if file.household.status == "active" else [],
        "can_issue": user.has_cap(Cap.CERTIFICATE_ISSUE) or user.has_cap(Cap.REGISTRY_PREPARE),
        "can_lift": user.has_cap(Cap.RESTRICTION_LIFT), "can_temp_lift": user.has_cap(Cap.RESTRICTION_TEMP_LIFT),
        "can_set": user.has_cap(Cap.RESTRICTION_SET), "here": request.get_full_path(),
    }, status=status)


# --- inbox: moves between members --------------------------------------------------------------------


@require_any(Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    certificates, notices = transfer.inbox()
    rows = []
    for m in certificates:
        persons = [{"name": display.name_text(p), "kana": display.kana_text(p), "birth": display.birth_text(p),
                    "sex": display.value_text("sex", p), "relationship": p.get("relationship", "")}
                   for p in m.payload.get("persons", [])]
        rows.append({"m": m, "persons": persons, "planned_on": display.wareki(reading.parse_date(
            m.payload.get("planned_on"))), "destination": m.payload.get("destination", "")})
    return render(request, "registry/inbox.html", {
        "rows": rows, "notices": notices, "can_process": staff(request).has_cap(Cap.REGISTRY_CHANGE),
    })


@require_any(Cap.REGISTRY_CHANGE)
@require_POST
def process_notices(request: HttpRequest) -> HttpResponse:
    try:
        count = transfer.process_move_in_notices()
    except LgcloudError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"転入通知を処理し、{count}人の転出を確定しました。" if count
                         else "処理する転入通知はありませんでした。")
    return redirect("registry:inbox")


# --- approvals: the counter contractor's entries ---------------------------------------------------------

PAYLOAD_LABELS = {
    "persons": "転入する人", "address": "住所", "effective_on": "異動日", "notified_on": "届出日",
    "previous_address": "転入前住所", "household_no": "世帯番号", "kind": "種別", "reason": "事由・備考",
    "person_nos": "対象者（宛名番号）", "person_no": "宛名番号", "destination": "転出先", "destination_code": "転出先団体コード",
    "new_head_person_no": "新しい世帯主", "relationships": "続柄", "remaining_head_person_no": "残る世帯の世帯主",
    "remaining_relationships": "残る世帯員の続柄", "from_household_no": "合併元の世帯番号",
    "into_household_no": "合併先の世帯番号", "child": "出生した子", "mother_person_no": "母", "death_date": "死亡日",
    "death_date_precision": "死亡日の精度", "message_id": "転出証明書情報", "re_move_in": "再転入する人",
    "family_name": "氏", "given_name": "名", "family_name_kana": "氏（フリガナ）", "given_name_kana": "名（フリガナ）",
    "birth_date": "生年月日", "sex": "性別", "relationship": "続柄", "address_extra": "方書", "members": "世帯員",
    "layout": "様式", "options": "記載事項", "requester": "請求者", "purpose": "使用目的", "name": "氏名",
    "as_of": "基準日", "individual_number": "個人番号", "registered_domicile": "本籍", "domicile_head": "筆頭者",
}


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A prepared entry's payload as (item, value) lines for the approving clerk."""
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            label = PAYLOAD_LABELS.get(str(k), str(k))
            out += _flatten(v, f"{prefix} {label}".strip())
        return out
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [(prefix, "、".join(str(v) for v in value))]
        out = []
        for i, v in enumerate(value, start=1):
            out += _flatten(v, f"{prefix} {i}人目".strip())
        return out
    if value in (None, "", {}):
        return []
    if str(prefix).endswith("個人番号"):
        value = crypto.mask(str(value))
    return [(prefix, str(value))]


def _approvals_page(request: HttpRequest, *, status: int = 200, focus: int | None = None, alerts: list[str] | None = None,
                    error: str = "", reject_form: RejectForm | None = None) -> HttpResponse:
    user = staff(request)
    pending = approvals.pending_shown()
    rows = [{"r": r, "label": approvals.operation_label(r.operation), "lines": _flatten(r.payload),
             "alerts": alerts if r.pk == focus else None, "error": error if r.pk == focus else "",
             "reject_form": reject_form if (reject_form is not None and r.pk == focus) else RejectForm(prefix=f"r{r.pk}")}
            for r in pending]
    shown = any(r.pk == focus for r in pending)
    return render(request, "registry/approvals.html", {
        "rows": rows, "can_approve": user.has_cap(Cap.REGISTRY_APPROVE), "error": "" if shown else error,
    }, status=status)


@require_any(Cap.REGISTRY_APPROVE, Cap.REGISTRY_PREPARE)
@require_safe
def approval_list(request: HttpRequest) -> HttpResponse:
    return _approvals_page(request)


@require_any(Cap.REGISTRY_APPROVE)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        result = approvals.approve(pk, acknowledge_alerts=request.POST.get("acknowledge_alerts") == "1")
    except RestrictionAlert as e:
        return _approvals_page(request, status=409, focus=pk, alerts=e.alerts)
    except LgcloudError as e:
        return _approvals_page(request, status=e.status_code, focus=pk, error=e.message)
    if isinstance(result, tuple) and result and isinstance(result[0], Certificate):
        certificate = result[0]
        request.session.setdefault("registry_just_issued", [])
        request.session["registry_just_issued"] = [*request.session["registry_just_issued"][-9:], certificate.issue_no]
        messages.success(request, f"受付番号 {pk} を承認し、証明書を交付しました（発行番号 {certificate.issue_no}）。")
        return redirect("registry:certificate", issue_no=certificate.issue_no)
    numbers = "、".join(str(p.person_no) for p in getattr(result, "persons", []))
    messages.success(request, f"受付番号 {pk} を承認し、記録しました（宛名番号 {numbers}）。")
    return redirect("registry:approvals")


@require_any(Cap.REGISTRY_APPROVE)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST, prefix=f"r{pk}")
    try:
        approvals.reject(pk, form.raw("reason"))
    except LgcloudError as e:
        if e.field == "reason":
            form.show_error("reason", e.message)
            return _approvals_page(request, status=e.status_code, focus=pk, reject_form=form)
        return _approvals_page(request, status=e.status_code, focus=pk, error=e.message, reject_form=form)
    messages.success(request, f"受付番号 {pk} を却下しました。")
    return redirect("registry:approvals")


# --- 抑止 ---------------------------------------------------------------------------------------------

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
        return _restrictions_page(request, form, status=e.status_code, error=_error(form, e))
    messages.success(request, f"抑止（{r.get_action_display()}・{r.get_mode_display()}）を設定しました。")
    return redirect("registry:restrictions")


def _restriction_action(request: HttpRequest, action: Callable[[int], Restriction], pk: int, done: str) -> HttpResponse:
    try:
        action(pk)
    except LgcloudError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)
    return redirect(_next(request, reverse("registry:restrictions")))


@require_any(Cap.RESTRICTION_LIFT)
@require_POST
def restriction_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _restriction_action(request, restrictions.remove_restriction, pk, "抑止を解除しました。")


@require_any(Cap.RESTRICTION_TEMP_LIFT)
@require_POST
def restriction_lift(request: HttpRequest, pk: int) -> HttpResponse:
    return _restriction_action(request, restrictions.lift_temporarily, pk,
                               "抑止を一時解除しました。一定時間後に自動で元に戻ります。")


# --- 支援措置 -------------------------------------------------------------------------------------------


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
        return _support_page(request, form, status=e.status_code, error=_error(form, e))
    messages.success(request, f"{m.get_status_display()}を登録しました（{display.wareki(m.ends_on)}まで）。")
    return redirect("registry:support_measures")


def _support_action(request: HttpRequest, action: Callable[[int], SupportMeasure], pk: int, done: str) -> HttpResponse:
    try:
        action(pk)
    except LgcloudError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)
    return redirect(_next(request, reverse("registry:support_measures")))


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


@require_any(Cap.REGISTRY_CHANGE)
@require_http_methods(["GET", "POST"])
def move_in_csv(request: HttpRequest) -> HttpResponse:
    """転入 from outside the group with the 転出証明書 data from a CSV file."""
    error = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None or (upload.size or 0) > 1024 * 1024:
                raise ValidationFailed("転出証明書のCSVファイル（1MBまで）を選択してください。", field="file")
            result = transfer.move_in_from_certificate_csv(
                content=upload.read(),
                address={"address": request.POST.get("address", ""), "address_extra": request.POST.get("address_extra", "")},
                effective_on=request.POST.get("effective_on", ""), notified_on=request.POST.get("notified_on", ""),
                previous_address=request.POST.get("previous_address", ""),
                acknowledge_alerts=bool(request.POST.get("acknowledge_alerts")))
        except LgcloudError as e:
            error = e.message
        else:
            return redirect("registry:household", household_no=result.households[0].household_no)
    columns = "、".join(transfer.CSV_COLUMNS)
    return render(request, "registry/move_in_csv.html", {"error": error, "columns": columns},
                  status=400 if error else 200)
