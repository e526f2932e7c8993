"""住民検索 and 照会 of a person (as of a date, with history, the 個人番号) and of a household."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import BaseModel, Field

from lgcloud.areas.registry import (
    as_of_lists,
    display,
    engine,
    reading,
    search,
)
from lgcloud.areas.registry.api.common import (
    ERRORS,
    alert,
    need,
)
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap

router = Router()


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
    as_of: str = Field("", description="基準日（西暦または和暦）: 指定するとその日の氏名・住所で照合し、その日の内容を返します")


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
    need(request, Cap.REGISTRY_VIEW)
    if payload.as_of:
        on = reading.parse_date(payload.as_of)
        page = as_of_lists.search_as_of(search.SearchQuery.from_mapping(payload.model_dump(exclude={"as_of"})),
                                        on or dt.date.today(), limit=payload.limit)
        listed = page.rows
        return {"total": len(listed), "truncated": page.total > len(listed), "persons": [{
            "person_no": r["person_no"], "status": r["status"], "name": display.name_text(r),
            "kana": display.kana_text(r), "birth_date": r["birth_date"],
            "birth_date_text": display.date_item(r, "birth_date"), "sex": r["sex"],
            "address": f"{r['address'] or ''}{r['address_extra'] or ''}", "address_hidden": False,
            "household_no": r["household_no"], "removal_reason": r["removal_reason"] or "",
            "removed_on": r["removed_on"]} for r in listed]}
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


def _who(q: InquiryIn) -> dict[str, Any]:
    return {"name": q.requester_name, "kana": q.requester_kana, "birth_date": q.requester_birth_date,
            "person_no": q.requester_person_no}


def _open(person_no: int, q: InquiryIn, *, history: bool) -> reading.PersonFile:
    return reading.access_person(person_no, capability=Cap.REGISTRY_VIEW, as_of=None if history else q.as_of or None,
                                 requester=_who(q),
                                 acknowledge_alerts=q.acknowledge_alerts, purpose=q.purpose, history=history)


@router.get("/persons/{person_no}", response={200: PersonOut, **ERRORS}, summary="住民票の照会（基準日指定可）")
def person(request: HttpRequest, person_no: int, q: Query[InquiryIn]) -> Any:
    """The person's items now or as of a date (as_of: 西暦 or 和暦); 個人番号 masked; audited as a read."""
    try:
        file = _open(person_no, q, history=False)
    except RestrictionAlert as e:
        return alert(e)
    return {"person_no": file.person.person_no, "version": file.person.version, "as_of": file.as_of,
            "found": file.state is not None, "alerts": file.alerts, "support_measure": bool(file.measures),
            "items": _items(file.state, file.households)}


@router.get("/persons/{person_no}/history", response={200: list[HistoryOut], **ERRORS}, summary="履歴")
def person_history(request: HttpRequest, person_no: int, q: Query[InquiryIn]) -> Any:
    try:
        file = _open(person_no, q, history=True)
    except RestrictionAlert as e:
        return alert(e)
    entries = display.history(file.snapshots, file.cancelled, file.households)
    return [{**{k: getattr(h, k) for k in ("history_no", "event_id", "kind", "kind_label", "effective_on",
                                             "notified_on", "processed_at", "clerk", "cancelled")},
             "changes": [list(c) for c in h.changes]} for h in entries]


class RevealIn(Schema):
    purpose: str = Field("", description="利用目的: 番号法で認められた事務のコード（resident_register, local_tax, "
                                         "national_health_insurance, national_pension, child_allowance, long_term_care, "
                                         "late_elderly_medical, public_assistance, disability_welfare, 条例で定めた独自利用事務）")
    acknowledge_alerts: bool = False


class RevealOut(Schema):
    person_no: int
    individual_number: str


@router.post("/persons/{person_no}/individual-number", response={200: RevealOut, **ERRORS},
             summary="個人番号の表示（利用目的が必要、記録される）")
def reveal(request: HttpRequest, person_no: int, payload: RevealIn) -> Any:
    try:
        file = reading.access_person(person_no, capability=Cap.REGISTRY_VIEW, acknowledge_alerts=payload.acknowledge_alerts,
                                     purpose=payload.purpose or reading.DEFAULT_PURPOSE, history=False)
    except RestrictionAlert as e:
        return alert(e)
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
    try:
        file = reading.access_household(household_no, capability=Cap.REGISTRY_VIEW, as_of=q.as_of or None,
                                        requester=_who(q), acknowledge_alerts=q.acknowledge_alerts, purpose=q.purpose)
    except RestrictionAlert as e:
        return alert(e)
    items = file.items or {}
    return {"household_no": household_no, "as_of": file.as_of, "found": file.items is not None,
            "status": items.get("status"), "address": items.get("address"), "address_extra": items.get("address_extra"),
            "alerts": file.alerts,
            "members": [{"person_no": m["person_no"], "name": display.name_text(m), "kana": display.kana_text(m),
                         "birth_date": m["birth_date"], "birth_date_text": display.birth_text(m), "sex": m["sex"],
                         "relationship": m["relationship"], "version": m.get("version")} for m in file.members]}
