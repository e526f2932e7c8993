"""異動届の画面: one form per 異動, each posting to its service.

A view parses the form into the service's keyword arguments, calls the service (or, for a counter
contractor, approvals.prepare so that a clerk approves it later) and redirects to the person or the
household. Errors come back as the service's Japanese message next to the field it names (400), an
alert of 抑止・支援措置 as a confirmation step (409), a stale edit as the conflict message (409).
"""


from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lgcloud.areas.registry import approvals, display, reading, transfer
from lgcloud.areas.registry.actions.common import get_person, person_items
from lgcloud.areas.registry.catalogue import OPERATIONS, Operation, available, mode_for, on_page
from lgcloud.areas.registry.codes import RESIDENCE_STATUSES
from lgcloud.areas.registry.engine import EventResult
from lgcloud.areas.registry.event_forms import MAX_ROWS, Context, Ctx, Member, build_move_in, row_items
from lgcloud.areas.registry.forms import (
    FOREIGN_ITEMS,
    PERSON_ROW,
    RELATIONSHIP_TERMS,
    PersonRowForm,
    RegistryForm,
)
from lgcloud.areas.registry.models import EventKind, Sex, TransferKind
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError, PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.context import require_municipality
from lgcloud.platform.web.decorators import staff

# --- loading the context -------------------------------------------------------------------------------


def _number(request: HttpRequest, name: str) -> int | None:
    raw = (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name) or ""
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        label = {"household_no": "世帯番号", "person_no": "宛名番号", "message_id": "転出証明書情報"}.get(name, name)
        raise ValidationFailed(f"{label}は数字で入力してください。", field=f"ctx_{name}")
    return int(raw)


def _member(state: Mapping[str, Any], version: Any) -> Member:
    return Member(person_no=state["person_no"], name=display.name_text(state), kana=display.kana_text(state),
                  birth=display.birth_text(state), sex=display.value_text("sex", state),
                  relationship=state.get("relationship") or "", version=str(version))


def load_context(request: HttpRequest, spec: Operation) -> Context:
    purpose = f"{spec.label}の入力"
    ctx = Context()
    if spec.needs == "message":
        number = _number(request, "message_id")
        if number is None:
            raise ValidationFailed("受信箱から転出証明書情報を選んでください。", field="ctx_message_id")
        ctx.message = next((m for m in transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE) if m.pk == number), None)
        if ctx.message is None:
            raise ValidationFailed("この転出証明書情報はありません（処理済みの可能性があります）。", field="ctx_message_id")
        for item in ctx.message.payload.get("persons", []):
            ctx.members.append(_member({**item, "person_no": item["sender_person_no"]}, ""))
        return ctx
    if spec.needs == "person":
        number = _number(request, "person_no")
        if number is None:
            raise ValidationFailed("宛名番号を入力してください。", field="ctx_person_no")
        ctx.person = reading.access_person(number, capability=spec.capabilities, acknowledge_alerts=True,
                                           purpose=purpose)
        ctx.alerts = ctx.person.alerts
        person = ctx.person.person
        if person.household_id and spec.head_choices:
            ctx.household = reading.access_household(person.household.household_no,  # type: ignore[union-attr]
                                                     capability=spec.capabilities, acknowledge_alerts=True,
                                                     purpose=purpose)
            ctx.members = [_member(s, s["version"]) for s in ctx.household.members]
        else:
            ctx.members = [_member(reading.current_state(person), person.version)]
        for m in ctx.members:
            m.subject = m.person_no == person.person_no
        return ctx
    if spec.needs == "household":
        number = _number(request, "household_no")
        if number is None and _number(request, "person_no") is not None:
            person = get_person(_number(request, "person_no") or 0)
            number = person.household.household_no if person.household else None
        if number is None:
            raise ValidationFailed("世帯番号か宛名番号を入力してください。", field="ctx_household_no")
        ctx.household = reading.access_household(number, capability=spec.capabilities, acknowledge_alerts=True,
                                                purpose=purpose)
        ctx.alerts = ctx.household.alerts
        ctx.members = [_member(s, s["version"]) for s in ctx.household.members]
    return ctx


# --- the view ---------------------------------------------------------------------------------------------


def _form(request: HttpRequest, spec: Operation, ctx: Context) -> Ctx:
    data = request.POST if request.method == "POST" else None
    initial: dict[str, Any] = {"notified_on": timezone.localdate().isoformat(), "resident_type": "japanese",
                               "birth_date_precision": "day"}
    form = RegistryForm(data, names=spec.names, labels=spec.labels, optional=spec.optional, initial=initial)
    others = [m for m in ctx.members if not m.subject]
    choices = [(str(m.person_no), f"{m.name}（宛名番号 {m.person_no}・{m.relationship}）") for m in others]
    for name in spec.head_choices:
        if name == "mother_person_no":
            women = [c for c, m in zip(choices, others, strict=True) if m.sex == Sex.FEMALE.label]
            form.fields[name].widget.choices = [form.fields[name].widget.choices[0], *women]
        else:
            form.fields[name].widget.choices = [("", "選んでください"), *choices]
    if "destination_code" in form.fields:
        form.fields["destination_code"].widget.choices = [form.fields["destination_code"].widget.choices[0],
                                                          *_group_members()]
    if "corrects_event_id" in form.fields or "event_id" in form.fields:
        events = _events_of(ctx)
        for name in ("corrects_event_id", "event_id"):
            if name in form.fields:
                form.fields[name].widget.choices = [form.fields[name].widget.choices[0], *events]
    picked = set(form.raw_list("person_nos")) if form.is_bound else set()
    for m in ctx.members:
        if form.is_bound:
            m.picked = str(m.person_no) in picked
            m.rel_value = form.raw(f"rel_{m.person_no}")
            m.version = form.raw(f"version_{m.person_no}") or m.version
        elif spec.prefill_rel:
            m.rel_value = m.relationship
    rows: list[PersonRowForm] = []
    if spec.build is build_move_in:
        count = 1
        if data is not None and str(data.get("rows", "")).isdigit():
            count = max(1, min(int(data["rows"]), MAX_ROWS))
        if data is not None and "add_row" in data:
            count = min(count + 1, MAX_ROWS)
        rows = [PersonRowForm(data, prefix=f"p{i}", initial=initial) for i in range(count)]
    return Ctx(form, ctx, rows)


def _group_members() -> list[tuple[str, str]]:
    me = require_municipality()
    membership = me.current_membership()
    if membership is None:
        return []
    return [(m.code, f"{m.prefecture}{m.name}") for m in membership.group.members_on().exclude(pk=me.pk)
            .order_by("code")]


def _events_of(ctx: Context) -> list[tuple[str, str]]:
    if ctx.person is None:
        return []
    out = []
    for s in reversed(ctx.person.snapshots):
        ev = s.event
        if ev.kind == EventKind.CANCELLATION or ev.pk in ctx.person.cancelled:
            continue
        out.append((str(ev.pk), f"履歴{s.history_no} {EventKind(ev.kind).label}（異動日 "
                                f"{display.wareki(ev.effective_on)}）"))
    return out


def _place_error(c: Ctx, spec: Operation, e: LgcloudError) -> tuple[str | None, str]:
    """Put the message next to its field; returns where it went (None: the top of the form)."""
    name = spec.aliases.get(e.field or "", e.field or "")
    name = {"new_head": "new_head_person_no", "from_household_no": "household_no", "kind": "move_in_kind"}.get(
        name, name)
    if c.rows and name in PERSON_ROW:
        index = _row_of(c, name, e.message)
        if index is not None:
            c.rows[index].show_error(name, e.message)
            return f"p{index}-{name}", e.message
    if c.form.show_error(name, e.message):
        return name, e.message
    return None, e.message


def _row_of(c: Ctx, name: str, message: str) -> int | None:
    """Which person row an item error belongs to: 「2人目」 in the message, else the first row that fails on it."""
    filled = [i for i, r in enumerate(c.rows) if not r.blank()]
    m = re.search(r"(\d+)人目", message)
    if m and int(m.group(1)) - 1 < len(filled):
        return filled[int(m.group(1)) - 1]
    for i in filled:
        row = c.rows[i]
        if name in ("relationship", "re_person_no") and not row.raw(name):
            return i
        try:
            person_items(row_items(row), new=True)
        except LgcloudError as err:
            if err.field == name:
                return i
    return filled[0] if filled else None


def _after(spec: Operation, ctx: Context, kwargs: Mapping[str, Any], result: EventResult) -> str:
    if spec.after != "person":
        active = [h for h in result.households if h.status == "active"]
        current = ctx.household.household.pk if ctx.household else None
        chosen = None
        if spec.after == "new_household":
            chosen = next((h for h in active if h.pk != current), None)
        chosen = chosen or next((h for h in active if h.pk == current), None) or (active[0] if active else None)
        if chosen is not None:
            return reverse("registry:household", args=[chosen.household_no])
    number = kwargs.get("person_no") or (kwargs.get("person_nos") or [None])[0]
    if number is None and result.persons:
        number = result.persons[0].person_no
    if number is None and ctx.person is not None:
        number = ctx.person.person.person_no
    return reverse("registry:person", args=[number]) if number else reverse("registry:index")


def _prepare_payload(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """What a contractor's entry stores for approval: JSON values, no versions (the clerk approves later)."""
    return {k: v for k, v in kwargs.items() if k != "versions"}


@login_required
@require_http_methods(["GET", "POST"])
def event_form(request: HttpRequest, slug: str) -> HttpResponse:
    spec = OPERATIONS.get(slug)
    if spec is None:
        raise Http404
    user = staff(request)
    mode = mode_for(user, spec)
    if mode is None:
        raise PermissionDenied("この異動を入力する権限がありません。")
    try:
        ctx = load_context(request, spec)
    except ValidationFailed as e:
        quiet = request.method == "GET" and not request.GET  # first visit: just ask for the number
        return render(request, "registry/event_lookup.html", {
            "spec": spec, "error": "" if quiet else e.message, "value": request.GET.dict(),
        }, status=200 if quiet else 400)
    c = _form(request, spec, ctx)
    status, alerts, errors = 200, [], []
    if request.method == "POST" and "add_row" not in request.POST:
        acknowledged = request.POST.get("acknowledge_alerts") == "1"
        try:
            kwargs = spec.build(c)
            if mode == "change":
                ack = {"acknowledge_alerts": acknowledged} if spec.ack else {}
                result = spec.service(**kwargs, **ack)
            else:
                prepared = approvals.prepare(spec.operation or "", _prepare_payload(kwargs))
        except RestrictionAlert as e:
            status, alerts = 409, e.alerts
        except LgcloudError as e:
            status = e.status_code
            errors.append(_place_error(c, spec, e))
        else:
            if mode == "prepare":
                messages.success(request, f"{spec.label}を受付しました（受付番号 {prepared.pk}）。職員の承認で確定します。")
                return redirect("registry:approvals")
            messages.success(request, f"{spec.label}を記録しました。")
            return redirect(_after(spec, ctx, kwargs, result))
    return render(request, "registry/event_form.html", {
        "spec": spec, "form": c.form, "ctx": ctx, "mode": mode, "alerts": alerts,
        "top_errors": [m for f, m in errors if f is None], "field_errors": _field_errors(c),
        "groups": [(legend, [c.form[n] for n in names]) for legend, names in spec.groups],
        "rows": [_row_context(i, row) for i, row in enumerate(c.rows)], "row_count": len(c.rows),
        "relationship_terms": RELATIONSHIP_TERMS, "residence_statuses": RESIDENCE_STATUSES,
        "member_columns": bool(spec.pick or spec.rel), "shown_members": [m for m in ctx.members if not m.subject],
    }, status=status)


def _field_errors(c: Ctx) -> list[tuple[str, str, str]]:
    """(input id, label, message) of every field error, for the summary at the top of the form."""
    out = []
    for i, form in [(None, c.form), *enumerate(c.rows)]:
        for bound in form:
            for message in bound.errors:
                label = f"{i + 1}人目の{bound.label}" if i is not None else str(bound.label)
                out.append((str(bound.auto_id), label, str(message)))
    return out


ROW_BASIC = tuple(n for n in PERSON_ROW if n not in FOREIGN_ITEMS and n != "re_person_no")


def _row_context(i: int, row: PersonRowForm) -> dict[str, Any]:
    foreign = [row[n] for n in FOREIGN_ITEMS]
    return {"n": i + 1, "basic": [row[n] for n in ROW_BASIC], "foreign": foreign, "re": row["re_person_no"],
            "open": any(b.errors or row.raw(b.name) for b in foreign) or row.raw("resident_type") == "foreign"}


@login_required
def event_menu(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not (user.has_cap(Cap.REGISTRY_CHANGE) or user.has_cap(Cap.REGISTRY_PREPARE)):
        raise PermissionDenied("異動を入力する権限がありません。")
    groups = [
        ("届出（新しく住民になる）", available(user, on_page("entry"))),
        ("世帯の異動（世帯番号か宛名番号を指定）", available(user, on_page("household"))),
        ("個人の異動（宛名番号を指定）", available(user, on_page("person"))),
    ]
    return render(request, "registry/event_menu.html", {"groups": [(t, items) for t, items in groups if items],
                                                        "specs": OPERATIONS})


