"""住民記録の画面: the registry home, search, the person and household pages.

Views parse input, call the service and render; the 異動 forms are in event_views, the inbox and approvals in
inbox_views, 抑止・支援措置 in restriction_views, certificates in certificate_views.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lgcloud.areas.registry import approvals, display, engine, offender, reading, restrictions, search, transfer
from lgcloud.areas.registry.catalogue import available, on_page
from lgcloud.areas.registry.forms import (
    AsOfForm,
    InquiryForm,
    RegistryForm,
    RevealForm,
    SearchForm,
)
from lgcloud.areas.registry.models import (
    Status,
    TransferKind,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap
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


def form_error(form: RegistryForm, e: LgcloudError) -> str:
    """The message for the top of the page when the form has no field of that name."""
    return "" if form.show_error(e.field, e.message) else e.message


def next_url(request: HttpRequest, default: str) -> str:
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
        "offender_reviews": offender.pending_count() if user.has_cap(Cap.RESTRICTION_LIFT) else None,
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
            error, status = form_error(form, e), e.status_code
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
        "person_events": available(user, on_page("person")) if person.status == Status.RESIDENT
        else available(user, [op for op in on_page("person") if op.on_removed]),
        "household_events": available(user, on_page("household")) if household_no and person.status == Status.RESIDENT
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
            file = reading.access_person(person_no, capability=Cap.REGISTRY_VIEW, requester=who, acknowledge_alerts=True, purpose=form.raw("purpose"))
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
        file = reading.access_person(person_no, capability=Cap.REGISTRY_VIEW, as_of=as_of, acknowledge_alerts=_acked(request, key))
    except RestrictionAlert as e:
        return _confirm(request, e.alerts, f"宛名番号 {person_no}", reverse("registry:person", args=[person_no]))
    return _person_page(request, file, as_of_form=as_of_form, status=status)


@require_any(Cap.REGISTRY_VIEW)
@require_POST
def reveal_number(request: HttpRequest, person_no: int) -> HttpResponse:
    form = RevealForm(request.POST)
    try:
        file = reading.access_person(person_no, capability=Cap.REGISTRY_VIEW, acknowledge_alerts=_acked(request, f"person:{person_no}"),
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
            file = reading.access_household(household_no, capability=Cap.REGISTRY_VIEW, requester=who, acknowledge_alerts=True,
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
            file = reading.access_household(household_no, capability=Cap.REGISTRY_VIEW, as_of=as_of, acknowledge_alerts=_acked(request, key))
        except RestrictionAlert as e:
            return _confirm(request, e.alerts, f"世帯番号 {household_no}", request.path)
    user = staff(request)
    items = file.items or {}
    head = next((m for m in file.members if m["relationship"] == HEAD), None)
    return render(request, "registry/household.html", {
        "file": file, "h": file.household, "items": items, "members": file.members, "head": head,
        "as_of_form": as_of_form, "as_of_text": display.wareki(file.as_of) if file.as_of else "",
        "events": available(user, on_page("household")) if file.household.status == "active" else [],
        "can_issue": user.has_cap(Cap.CERTIFICATE_ISSUE) or user.has_cap(Cap.REGISTRY_PREPARE),
        "can_lift": user.has_cap(Cap.RESTRICTION_LIFT), "can_temp_lift": user.has_cap(Cap.RESTRICTION_TEMP_LIFT),
        "can_set": user.has_cap(Cap.RESTRICTION_SET), "here": request.get_full_path(),
    }, status=status)
