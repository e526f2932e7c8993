"""住民記録 API under /api/v1/registry/: the same services, checks and audit as the screens.

Every route asks for a capability and reads only the caller's municipality (the scoped managers). Bad
input answers 400 with the service's Japanese message and the field it names; an alert of 抑止・支援措置
409 with the alerts until the call is repeated with acknowledge_alerts; a refusal 403. A counter
contractor's 異動 and certificate requests are stored for a clerk's approval (202).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel

from lgcloud.areas.registry import (
    approvals,
    certificates,
    display,
    engine,
    reading,
    restrictions,
    search,
    transfer,
)
from lgcloud.areas.registry.engine import EventResult
from lgcloud.areas.registry.event_views import SPECS, check_move_in_kind
from lgcloud.areas.registry.models import Certificate, EventKind, PreparedRequest
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import PermissionDenied, ValidationFailed

router = Router(tags=["住民記録"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class AlertOut(Schema):
    detail: str
    field: str | None = None
    alerts: list[str] = []


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: AlertOut}


def _need(request: HttpRequest, *caps: str) -> Any:
    staff = request.auth  # type: ignore[attr-defined]
    if not any(staff.has_cap(c) for c in caps):
        raise PermissionDenied("この操作を行う権限がありません。")
    return staff


def _alert(e: RestrictionAlert) -> Status[dict[str, Any]]:
    return Status(409, {"detail": e.message, "field": None, "alerts": e.alerts})


def _plain(items: Mapping[str, Any]) -> dict[str, Any]:
    """Item values as the services take them from a form: text, except flags and nested objects."""
    return {k: v if v is None or isinstance(v, bool | dict) else str(v) for k, v in items.items()}


# --- search --------------------------------------------------------------------------------------------


class SearchIn(Schema):
    """Every key of the screen's search; partial match, 「（空欄）」 for an empty item."""

    name: str = ""
    kana: str = ""
    birth_date: str = ""
    sex: str = ""
    relationship: str = ""
    address: str = ""
    address_extra: str = ""
    address_code: str = ""
    person_no: str = ""
    household_no: str = ""
    removal_reason: str = ""
    individual_number: str = ""
    resident_code: str = ""
    residence_card_number: str = ""
    status: str = ""
    limit: int = 50  # how many to list (1–200); `truncated` says there were more


class FoundOut(BaseModel):
    """One line of a result list. A plain pydantic model: validated in pydantic's core, which matters for a
    list of 200 (ninja's Schema wraps every nested dict in Python)."""

    person_no: int
    status: str
    name: str
    kana: str
    birth_date: dt.date | None
    birth_date_text: str
    sex: str
    address: str | None
    address_hidden: bool
    household_no: int | None
    removal_reason: str
    removed_on: dt.date | None


class SearchOut(Schema):
    total: int
    truncated: bool
    persons: list[FoundOut]


@router.post("/search", response={200: SearchOut, **ERRORS}, summary="住民検索（住民と除票）")
def search_persons(request: HttpRequest, payload: SearchIn) -> dict[str, Any]:
    """Search as on the screen; a 支援措置 person's address is never in the list (address_hidden)."""
    _need(request, Cap.REGISTRY_VIEW)
    result = search.search_rows(search.SearchQuery.from_mapping(payload.model_dump()), limit=payload.limit)
    hidden = search.by_status_and_restriction(result.rows)
    persons = []
    for r in result.rows:
        secret = hidden.get(r["pk"], False)
        persons.append({
            "person_no": r["person_no"], "status": r["status"], "name": display.name_text(r),
            "kana": display.kana_text(r), "birth_date": r["birth_date"],
            "birth_date_text": display.date_item(r, "birth_date"), "sex": r["sex"],
            "address": None if secret else f"{r['address']}{r['address_extra']}", "address_hidden": secret,
            "household_no": None if secret else r["household_no"],
            "removal_reason": r["removal_reason"], "removed_on": r["removed_on"],
        })
    return {"total": result.total, "truncated": result.truncated, "persons": persons}


# --- person and household ------------------------------------------------------------------------------


class InquiryIn(Schema):
    as_of: str = ""
    purpose: str = ""
    acknowledge_alerts: bool = False
    requester_name: str = ""
    requester_kana: str = ""
    requester_birth_date: str = ""
    requester_person_no: str = ""


class PersonOut(Schema):
    person_no: int
    version: int
    as_of: dt.date | None
    found: bool
    alerts: list[str]
    support_measure: bool
    items: dict[str, Any]


class HistoryOut(Schema):
    history_no: int
    event_id: int
    kind: str
    kind_label: str
    effective_on: str
    notified_on: str
    processed_at: dt.datetime
    clerk: str
    cancelled: bool
    changes: list[list[str]]


def _items(state: Mapping[str, Any] | None, households: Mapping[int, int]) -> dict[str, Any]:
    if state is None:
        return {}
    out: dict[str, Any] = {}
    for k, v in state.items():
        if k in ("individual_number_enc", "individual_number_hash", "individual_number_last4", "pk", "version"):
            continue
        if k == "household_id":
            out["household_no"] = households.get(v) if v else None
            continue
        out[k] = engine.to_json(v)
    out["individual_number"] = display.masked_number(state)
    return out


def _open(person_no: int, q: InquiryIn, *, history: bool) -> reading.PersonFile:
    who = reading.requester(q.requester_name, q.requester_kana, q.requester_birth_date, q.requester_person_no)
    return reading.open_person(person_no, as_of=None if history else reading.parse_date(q.as_of), requester=who,
                               acknowledge_alerts=q.acknowledge_alerts, purpose=q.purpose, history=history)


@router.get("/persons/{person_no}", response={200: PersonOut, **ERRORS}, summary="住民票の照会（基準日指定可）")
def person(request: HttpRequest, person_no: int, q: Query[InquiryIn]) -> Any:
    """The person's items now or as of a date (as_of: 西暦 or 和暦); 個人番号 masked; audited as a read."""
    _need(request, Cap.REGISTRY_VIEW)
    try:
        file = _open(person_no, q, history=False)
    except RestrictionAlert as e:
        return _alert(e)
    return {"person_no": file.person.person_no, "version": file.person.version, "as_of": file.as_of,
            "found": file.state is not None, "alerts": file.alerts, "support_measure": bool(file.measures),
            "items": _items(file.state, file.households)}


@router.get("/persons/{person_no}/history", response={200: list[HistoryOut], **ERRORS}, summary="履歴")
def person_history(request: HttpRequest, person_no: int, q: Query[InquiryIn]) -> Any:
    _need(request, Cap.REGISTRY_VIEW)
    try:
        file = _open(person_no, q, history=True)
    except RestrictionAlert as e:
        return _alert(e)
    entries = display.history(file.snapshots, file.cancelled, file.households)
    return [{**{k: getattr(h, k) for k in ("history_no", "event_id", "kind", "kind_label", "effective_on",
                                             "notified_on", "processed_at", "clerk", "cancelled")},
             "changes": [list(c) for c in h.changes]} for h in entries]


class RevealIn(Schema):
    purpose: str = ""
    acknowledge_alerts: bool = False


class RevealOut(Schema):
    person_no: int
    individual_number: str


@router.post("/persons/{person_no}/individual-number", response={200: RevealOut, **ERRORS},
             summary="個人番号の表示（利用目的が必要、記録される）")
def reveal(request: HttpRequest, person_no: int, payload: RevealIn) -> Any:
    _need(request, Cap.REGISTRY_VIEW)
    try:
        file = reading.open_person(person_no, acknowledge_alerts=payload.acknowledge_alerts,
                                   purpose=payload.purpose or reading.DEFAULT_PURPOSE, history=False)
    except RestrictionAlert as e:
        return _alert(e)
    return {"person_no": person_no, "individual_number": engine.reveal_individual_number(file.person, payload.purpose)}


class MemberOut(Schema):
    person_no: int
    name: str
    kana: str
    birth_date: dt.date | None
    birth_date_text: str
    sex: str
    relationship: str
    version: int | None = None


class HouseholdOut(Schema):
    household_no: int
    as_of: dt.date | None
    found: bool
    status: str | None
    address: str | None
    address_extra: str | None
    alerts: list[str]
    members: list[MemberOut]


@router.get("/households/{household_no}", response={200: HouseholdOut, **ERRORS}, summary="世帯の照会（基準日指定可）")
def household(request: HttpRequest, household_no: int, q: Query[InquiryIn]) -> Any:
    _need(request, Cap.REGISTRY_VIEW)
    who = reading.requester(q.requester_name, q.requester_kana, q.requester_birth_date, q.requester_person_no)
    try:
        file = reading.open_household(household_no, as_of=reading.parse_date(q.as_of), requester=who,
                                      acknowledge_alerts=q.acknowledge_alerts, purpose=q.purpose)
    except RestrictionAlert as e:
        return _alert(e)
    items = file.items or {}
    return {"household_no": household_no, "as_of": file.as_of, "found": file.items is not None,
            "status": items.get("status"), "address": items.get("address"), "address_extra": items.get("address_extra"),
            "alerts": file.alerts,
            "members": [{"person_no": m["person_no"], "name": display.name_text(m), "kana": display.kana_text(m),
                         "birth_date": m["birth_date"], "birth_date_text": display.birth_text(m), "sex": m["sex"],
                         "relationship": m["relationship"], "version": m.get("version")} for m in file.members]}


# --- 異動 ---------------------------------------------------------------------------------------------


class EventOut(Schema):
    event_id: int
    kind: str
    kind_label: str
    effective_on: dt.date
    persons: list[int]
    households: list[int]


class PreparedOut(Schema):
    id: int
    operation: str
    operation_label: str
    status: str


EVENT_RESPONSES: dict[int, Any] = {201: EventOut, 202: PreparedOut, **ERRORS}


def _prepared(req: PreparedRequest) -> dict[str, Any]:
    return {"id": req.pk, "operation": req.operation, "operation_label": approvals.operation_label(req.operation),
            "status": req.status}


def _event_out(result: EventResult) -> dict[str, Any]:
    ev = result.event
    return {"event_id": ev.pk, "kind": ev.kind, "kind_label": EventKind(ev.kind).label, "effective_on": ev.effective_on,
            "persons": [p.person_no for p in result.persons], "households": [h.household_no for h in result.households]}


def _record(request: HttpRequest, slug: str, payload: Schema, **overrides: Any) -> Status[dict[str, Any]]:
    """One 異動: the clerk's call goes to the service, a contractor's into the approval queue."""
    spec = SPECS[slug]
    staff = request.auth  # type: ignore[attr-defined]
    kwargs = payload.model_dump(mode="json", exclude={"acknowledge_alerts"})
    kwargs.update(overrides)
    if staff.has_cap(Cap.REGISTRY_CHANGE):
        if "versions" in kwargs:
            kwargs["versions"] = reading.versions_by_pk(kwargs["versions"])
        ack = {"acknowledge_alerts": bool(getattr(payload, "acknowledge_alerts", False))} if spec.ack else {}
        try:
            result = spec.service(**kwargs, **ack)
        except RestrictionAlert as e:
            return _alert(e)
        return Status(201, _event_out(result))
    if staff.has_cap(Cap.REGISTRY_PREPARE) and spec.operation:
        kwargs.pop("versions", None)
        return Status(202, _prepared(approvals.prepare(spec.operation, kwargs)))
    raise PermissionDenied("この異動を記録する権限がありません。")


class AddressIn(Schema):
    address: str = ""
    address_extra: str = ""
    address_code: str = ""
    district: str = ""
    postal_code: str = ""


class _Ack(Schema):
    acknowledge_alerts: bool = False
    reason: str = ""


class _Dated(_Ack):
    effective_on: str = ""
    notified_on: str = ""


class _Locked(_Dated):
    versions: dict[int, int] | None = None  # {宛名番号: 画面を開いたときの版}: a stale edit answers 409


class MoveInIn(_Dated):
    persons: list[dict[str, Any]] = []
    address: AddressIn = AddressIn()
    previous_address: str = ""
    household_no: int | None = None
    kind: str | None = None  # move_in (default) / move_in_from_abroad / re_move_in
    re_move_in: dict[int, dict[str, Any]] | None = None


def _move_in_args(payload: MoveInIn) -> dict[str, Any]:
    check_move_in_kind(payload.kind)
    return {"persons": [_plain(p) for p in payload.persons],
            "re_move_in": {k: _plain(v) for k, v in payload.re_move_in.items()} if payload.re_move_in else None}


@router.post("/events/move_in", response=EVENT_RESPONSES, summary="転入（国外からの転入・再転入を含む）")
def move_in(request: HttpRequest, payload: MoveInIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "move_in", payload, **_move_in_args(payload))


class ExOfficioEntryIn(_Dated):
    persons: list[dict[str, Any]] = []
    address: AddressIn = AddressIn()
    previous_address: str = ""
    household_no: int | None = None


@router.post("/events/ex_officio_entry", response=EVENT_RESPONSES, summary="職権記載")
def ex_officio_entry(request: HttpRequest, payload: ExOfficioEntryIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    overrides: dict[str, Any] = {"persons": [_plain(p) for p in payload.persons]}
    if not payload.previous_address:
        overrides["previous_address"] = "職権記載"
    return _record(request, "ex_officio_entry", payload, **overrides)


class MoveInFromCertificateIn(Schema):
    acknowledge_alerts: bool = False
    message_id: int = 0
    address: AddressIn = AddressIn()
    effective_on: str = ""
    notified_on: str = ""
    household_no: int | None = None
    relationships: dict[int, str] | None = None  # {転出元の宛名番号: 転入後の続柄}


@router.post("/events/move_in_from_certificate", response=EVENT_RESPONSES, summary="転入（転出証明書情報から）")
def move_in_from_certificate(request: HttpRequest, payload: MoveInFromCertificateIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "move_in_from_certificate", payload)


class MoveWithinIn(_Locked):
    household_no: int = 0
    address: AddressIn = AddressIn()


@router.post("/events/move_within", response=EVENT_RESPONSES, summary="転居")
def move_within(request: HttpRequest, payload: MoveWithinIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "move_within", payload)


@router.post("/events/address_setting", response=EVENT_RESPONSES, summary="住所設定")
def address_setting(request: HttpRequest, payload: MoveWithinIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "address_setting", payload)


class MoveOutIn(_Locked):
    person_nos: list[int] = []
    destination: str = ""
    destination_code: str | None = None  # a member of the group: the 転出証明書情報 is sent to it
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None


@router.post("/events/move_out", response=EVENT_RESPONSES, summary="転出")
def move_out(request: HttpRequest, payload: MoveOutIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "move_out", payload)


class HouseholdSplitIn(_Locked):
    person_nos: list[int] = []
    new_head_person_no: int | None = None
    address: AddressIn | None = None
    relationships: dict[int, str] | None = None
    remaining_head_person_no: int | None = None
    remaining_relationships: dict[int, str] | None = None


@router.post("/events/household_split", response=EVENT_RESPONSES, summary="世帯分離")
def household_split(request: HttpRequest, payload: HouseholdSplitIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "household_split", payload)


class HouseholdMergeIn(_Locked):
    from_household_no: int = 0
    into_household_no: int = 0
    relationships: dict[int, str] = {}


@router.post("/events/household_merge", response=EVENT_RESPONSES, summary="世帯合併")
def household_merge(request: HttpRequest, payload: HouseholdMergeIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "household_merge", payload)


class HeadChangeIn(_Locked):
    household_no: int = 0
    new_head_person_no: int = 0
    relationships: dict[int, str] = {}


@router.post("/events/head_change", response=EVENT_RESPONSES, summary="世帯主変更")
def head_change(request: HttpRequest, payload: HeadChangeIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "head_change", payload)


class CompositionChangeIn(_Locked):
    household_no: int = 0
    relationships: dict[int, str] = {}


@router.post("/events/composition_change", response=EVENT_RESPONSES, summary="世帯構成変更")
def composition_change(request: HttpRequest, payload: CompositionChangeIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "composition_change", payload)


class BirthIn(_Dated):
    child: dict[str, Any] = {}
    household_no: int = 0
    mother_person_no: int | None = None


@router.post("/events/birth", response=EVENT_RESPONSES, summary="出生（effective_on は出生日）")
def birth(request: HttpRequest, payload: BirthIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "birth", payload, child=_plain(payload.child))


class DeathIn(_Ack):
    person_no: int = 0
    death_date: str = ""
    death_date_precision: str = "day"
    notified_on: str = ""
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None
    versions: dict[int, int] | None = None


@router.post("/events/death", response=EVENT_RESPONSES, summary="死亡")
def death(request: HttpRequest, payload: DeathIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return _record(request, "death", payload)


class DisappearanceIn(_Ack):
    person_no: int = 0
    declared_on: str = ""
    notified_on: str = ""
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None


@router.post("/events/disappearance", response=EVENT_RESPONSES, summary="失踪")
def disappearance(request: HttpRequest, payload: DisappearanceIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "disappearance", payload)


class ExOfficioRemovalIn(_Ack):
    person_nos: list[int] = []
    effective_on: str = ""
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None


@router.post("/events/ex_officio_removal", response=EVENT_RESPONSES, summary="職権消除")
def ex_officio_removal(request: HttpRequest, payload: ExOfficioRemovalIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "ex_officio_removal", payload)


class CorrectionIn(_Ack):
    kind: str = ""  # ex_officio_correction / minor_correction / clerical_correction
    person_no: int = 0
    items: dict[str, Any] = {}
    corrects_event_id: int | None = None
    effective_on: str | None = None
    versions: dict[int, int] | None = None


@router.post("/events/correction", response=EVENT_RESPONSES, summary="職権修正・軽微な修正・誤記修正")
def correction(request: HttpRequest, payload: CorrectionIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "correction", payload, items=_plain(payload.items))


class IndividualNumberIn(_Ack):
    person_no: int = 0
    individual_number: str = ""
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/individual_number", response=EVENT_RESPONSES, summary="個人番号の記載・変更")
def individual_number(request: HttpRequest, payload: IndividualNumberIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "individual_number", payload)


class ResidentCodeIn(_Ack):
    person_no: int = 0
    resident_code: str = ""
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/resident_code", response=EVENT_RESPONSES, summary="住民票コードの記載・変更")
def resident_code(request: HttpRequest, payload: ResidentCodeIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "resident_code", payload)


class ResidenceStatusIn(_Ack):
    person_no: int = 0
    residence_status: str = ""
    period_of_stay: str = ""
    stay_expires_on: str = ""
    residence_card_number: str = ""
    renewal: bool = False  # 在留期間更新
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/residence_status", response=EVENT_RESPONSES, summary="在留資格変更・在留期間更新")
def residence_status(request: HttpRequest, payload: ResidenceStatusIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "residence_status", payload)


class NaturalizationIn(_Ack):
    person_no: int = 0
    japanese: dict[str, Any] = {}
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/naturalization", response=EVENT_RESPONSES, summary="帰化")
def naturalization(request: HttpRequest, payload: NaturalizationIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "naturalization", payload, japanese=_plain(payload.japanese))


class NationalityLossIn(_Ack):
    person_no: int = 0
    foreign: dict[str, Any] = {}
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/nationality_loss", response=EVENT_RESPONSES, summary="国籍喪失")
def nationality_loss(request: HttpRequest, payload: NationalityLossIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "nationality_loss", payload, foreign=_plain(payload.foreign))


class CancellationIn(Schema):
    event_id: int = 0
    reason: str = ""


@router.post("/events/cancellation", response=EVENT_RESPONSES, summary="異動の取消し")
def cancellation(request: HttpRequest, payload: CancellationIn) -> Status[dict[str, Any]]:
    _need(request, Cap.REGISTRY_CHANGE)
    return _record(request, "cancellation", payload)


# --- inbox -------------------------------------------------------------------------------------------


class IncomingOut(Schema):
    message_id: int
    sender_code: str
    sender_name: str
    planned_on: str
    destination: str
    persons: list[dict[str, Any]]


class InboxOut(Schema):
    move_out_certificates: list[IncomingOut]
    move_in_notices: int


@router.get("/inbox", response={200: InboxOut, **ERRORS}, summary="受信箱（転出証明書情報・転入通知）")
def inbox(request: HttpRequest) -> dict[str, Any]:
    _need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    keep = ("sender_person_no", "family_name", "given_name", "family_name_kana", "given_name_kana", "alphabet_name",
            "birth_date", "sex", "relationship", "resident_type")
    certificates_, notices = transfer.inbox()
    return {
        "move_out_certificates": [
            {"message_id": m.pk, "sender_code": m.sender.code, "sender_name": str(m.sender),
             "planned_on": m.payload.get("planned_on", ""), "destination": m.payload.get("destination", ""),
             "persons": [{k: p.get(k) for k in keep} for p in m.payload.get("persons", [])]}
            for m in certificates_],
        "move_in_notices": len(notices),
    }


class ProcessedOut(Schema):
    confirmed: int


@router.post("/inbox/move-in-notices", response={200: ProcessedOut, **ERRORS}, summary="転入通知の処理（転出確定）")
def process_notices(request: HttpRequest) -> dict[str, Any]:
    _need(request, Cap.REGISTRY_CHANGE)
    return {"confirmed": transfer.process_move_in_notices()}


# --- approvals ----------------------------------------------------------------------------------------


class ApprovalOut(Schema):
    id: int
    operation: str
    operation_label: str
    status: str
    prepared_by: str
    prepared_at: dt.datetime
    payload: dict[str, Any]


@router.get("/approvals", response={200: list[ApprovalOut], **ERRORS}, summary="承認待ちの受付")
def approval_list(request: HttpRequest) -> list[dict[str, Any]]:
    _need(request, Cap.REGISTRY_APPROVE, Cap.REGISTRY_PREPARE)
    return [{**_prepared(r), "prepared_by": r.prepared_by, "prepared_at": r.prepared_at, "payload": r.payload}
            for r in approvals.pending_shown()]


class ApproveIn(Schema):
    acknowledge_alerts: bool = False


class ApprovedOut(Schema):
    id: int
    status: str
    event: EventOut | None = None
    certificate: dict[str, Any] | None = None


def _certificate_out(c: Certificate) -> dict[str, Any]:
    return {"issue_no": c.issue_no, "kind": c.kind, "kind_label": c.get_kind_display(),
            "verification_code": c.verification_code, "verification_url": certificates.verification_url(
                c.verification_code), "fee": c.fee, "pages": c.page_count,
            "pdf_url": reverse("api-v1:registry_certificate_pdf", args=[c.issue_no]) + "?purpose=交付時の出力"}


@router.post("/approvals/{request_id}/approve", response={200: ApprovedOut, **ERRORS}, summary="受付の承認")
def approve(request: HttpRequest, request_id: int, payload: ApproveIn) -> Any:
    _need(request, Cap.REGISTRY_APPROVE)
    try:
        result = approvals.approve(request_id, acknowledge_alerts=payload.acknowledge_alerts)
    except RestrictionAlert as e:
        return _alert(e)
    out: dict[str, Any] = {"id": request_id, "status": "approved"}
    if isinstance(result, EventResult):
        out["event"] = _event_out(result)
    elif isinstance(result, tuple) and result and isinstance(result[0], Certificate):
        out["certificate"] = _certificate_out(result[0])
    return out


class RejectIn(Schema):
    reason: str = ""


@router.post("/approvals/{request_id}/reject", response={200: PreparedOut, **ERRORS}, summary="受付の却下")
def reject(request: HttpRequest, request_id: int, payload: RejectIn) -> dict[str, Any]:
    _need(request, Cap.REGISTRY_APPROVE)
    return _prepared(approvals.reject(request_id, payload.reason))


# --- certificates ---------------------------------------------------------------------------------------


class PrincipalIn(Schema):
    name: str = ""
    kana: str = ""
    birth_date: str | None = None
    person_no: int | None = None


class RequesterIn(PrincipalIn):
    relationship: str = ""  # 本人・同一世帯の者・代理人・第三者 (or self, same_household, agent, third_party)
    principal: PrincipalIn | None = None


class CertificateIn(Schema):
    kind: str = ""  # residence_certificate / removed_record_certificate / entry_certificate / removed_entry_certificate
    person_nos: list[int] | None = None
    household_no: int | None = None
    members: list[int] | None = None
    layout: str = "household"
    options: dict[str, bool | str] | None = None
    requester: RequesterIn = RequesterIn()
    purpose: str = ""
    as_of: str | None = None
    acknowledge_alerts: bool = False


class CertificateOut(Schema):
    issue_no: int
    kind: str
    kind_label: str
    verification_code: str
    verification_url: str
    fee: int
    pages: int
    pdf_url: str


def _certificate_args(payload: CertificateIn) -> dict[str, Any]:
    return payload.model_dump(mode="json", exclude={"acknowledge_alerts"})


@router.post("/certificates", response={201: CertificateOut, 202: PreparedOut, **ERRORS}, summary="証明書の交付")
def issue_certificate(request: HttpRequest, payload: CertificateIn) -> Status[dict[str, Any]]:
    """Issues the certificate and returns its verification code and where to download the PDF. A request by
    the person a 支援措置 protects from is refused (403)."""
    staff = _need(request, Cap.CERTIFICATE_ISSUE, Cap.REGISTRY_PREPARE)
    if not staff.has_cap(Cap.CERTIFICATE_ISSUE):
        return Status(202, _prepared(approvals.prepare("issue_certificate", _certificate_args(payload))))
    try:
        certificate, _pdf = certificates.issue_certificate(**_certificate_args(payload),
                                                           acknowledge_alerts=payload.acknowledge_alerts)
    except RestrictionAlert as e:
        return _alert(e)
    return Status(201, _certificate_out(certificate))


@router.post("/certificates/preview", response={200: None, **ERRORS}, summary="証明書のプレビュー（見本のPDF）")
def preview_certificate(request: HttpRequest, payload: CertificateIn) -> Any:
    _need(request, Cap.CERTIFICATE_ISSUE)
    try:
        pdf = certificates.preview_certificate(**_certificate_args(payload),
                                               acknowledge_alerts=payload.acknowledge_alerts)
    except RestrictionAlert as e:
        return _alert(e)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    return response


@router.get("/certificates/{issue_no}/pdf", response={200: None, **ERRORS}, url_name="registry_certificate_pdf",
            summary="交付した証明書のPDF（理由が必要、記録される）")
def certificate_pdf(request: HttpRequest, issue_no: int, purpose: str = "") -> Any:
    _need(request, Cap.CERTIFICATE_ISSUE)
    certificate, pdf = certificates.certificate_pdf(issue_no, purpose=purpose)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.issue_no}.pdf"'
    return response


# --- 抑止 and 支援措置 -------------------------------------------------------------------------------------


class RestrictionIn(Schema):
    person_no: int | None = None
    household_no: int | None = None
    action: str = ""  # change / issue / inquiry
    mode: str = ""  # refuse / alert
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    reason: str = ""


class RestrictionOut(Schema):
    id: int
    action: str
    mode: str
    starts_on: dt.date
    ends_on: dt.date | None
    lifted_until: dt.datetime | None
    removed: bool


def _restriction_out(r: Any) -> dict[str, Any]:
    return {"id": r.pk, "action": r.action, "mode": r.mode, "starts_on": r.starts_on, "ends_on": r.ends_on,
            "lifted_until": r.lifted_until, "removed": r.removed}


@router.post("/restrictions", response={201: RestrictionOut, **ERRORS}, summary="抑止の設定")
def set_restriction(request: HttpRequest, payload: RestrictionIn) -> Status[dict[str, Any]]:
    _need(request, Cap.RESTRICTION_SET)
    if payload.starts_on is None:
        raise ValidationFailed("開始日を入力してください。", field="starts_on")
    r = restrictions.set_restriction(action=payload.action, mode=payload.mode, starts_on=payload.starts_on,
                                     reason=payload.reason, person_no=payload.person_no,
                                     household_no=payload.household_no, ends_on=payload.ends_on)
    return Status(201, _restriction_out(r))


@router.post("/restrictions/{restriction_id}/remove", response={200: RestrictionOut, **ERRORS}, summary="抑止の解除")
def remove_restriction(request: HttpRequest, restriction_id: int) -> dict[str, Any]:
    _need(request, Cap.RESTRICTION_LIFT)
    return _restriction_out(restrictions.remove_restriction(restriction_id))


@router.post("/restrictions/{restriction_id}/lift", response={200: RestrictionOut, **ERRORS}, summary="抑止の一時解除")
def lift_restriction(request: HttpRequest, restriction_id: int) -> dict[str, Any]:
    _need(request, Cap.RESTRICTION_TEMP_LIFT)
    return _restriction_out(restrictions.lift_temporarily(restriction_id))


class SupportMeasureIn(Schema):
    applicant_person_no: int = 0
    starts_on: dt.date | None = None
    provisional: bool = False
    accompanying: list[int] = []
    offender_person_no: int | None = None
    offender_name: str = ""
    offender_kana: str = ""
    offender_birth_date: dt.date | None = None
    offender_address: str = ""
    addresses: str = ""
    note: str = ""


class SupportMeasureOut(Schema):
    id: int
    applicant_person_no: int
    status: str
    starts_on: dt.date
    ends_on: dt.date
    extensions: int


def _measure_out(m: Any) -> dict[str, Any]:
    return {"id": m.pk, "applicant_person_no": m.applicant.person_no, "status": m.status, "starts_on": m.starts_on,
            "ends_on": m.ends_on, "extensions": m.extensions}


@router.post("/support-measures", response={201: SupportMeasureOut, **ERRORS}, summary="支援措置の登録")
def register_support_measure(request: HttpRequest, payload: SupportMeasureIn) -> Status[dict[str, Any]]:
    _need(request, Cap.SUPPORT_MEASURE)
    if payload.starts_on is None:
        raise ValidationFailed("開始日を入力してください。", field="starts_on")
    m = restrictions.register_support_measure(**payload.model_dump())
    return Status(201, _measure_out(m))


@router.post("/support-measures/{measure_id}/{action}", response={200: SupportMeasureOut, **ERRORS},
             summary="支援措置の確定（confirm）・延長（extend）・終了（end）")
def support_measure_action(request: HttpRequest, measure_id: int, action: str) -> dict[str, Any]:
    _need(request, Cap.SUPPORT_MEASURE)
    actions = {"confirm": restrictions.confirm_support_measure, "extend": restrictions.extend_support_measure,
               "end": restrictions.end_support_measure}
    if action not in actions:
        raise ValidationFailed("操作は confirm・extend・end のいずれかです。", field="action")
    return _measure_out(actions[action](measure_id))
