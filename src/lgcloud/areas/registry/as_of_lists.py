"""As-of lists: the residents (or removed persons) of the municipality or of one household as they stood on a
date, paged; and a search whose results are read as of a date.

Read from the events (the fold), never from a copy. A list of who lived where is a list of places: the persons
a 支援措置 protects are left out (before counting and paging) unless the reader has the lift permission, as the
search does. Every page read is audited with the persons it lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lgcloud.areas.registry import engine, engine_asof, search
from lgcloud.areas.registry.models import Household, Person, RegistryEvent, Status
from lgcloud.areas.registry.normalize import normalize
from lgcloud.areas.registry.restrictions import may_see_protected_locations, protected_person_ids
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed

MAX_LIMIT = 200
ROW_ITEMS = ("person_no", "status", "resident_type", "family_name", "given_name", "alphabet_name",
             "family_name_kana", "given_name_kana", "birth_date", "birth_date_precision", "sex", "relationship",
             "address", "address_extra",
             "removal_reason", "removed_on")


@dataclass
class AsOfPage:
    on: dt.date
    status: str
    household_no: int | None
    total: int
    offset: int
    limit: int
    rows: list[dict[str, Any]]


def _check_paging(offset: int, limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"表示件数（limit）は1〜{MAX_LIMIT}で指定してください。", field="limit")
    if offset < 0:
        raise ValidationFailed("開始位置（offset）は0以上で指定してください。", field="offset")


def _states_on(on: dt.date, status: str) -> Iterator[dict[str, Any]]:
    """Every person recorded by `on`, folded as of `on`, whose status that day is `status`."""
    events_by_person: dict[int, list[RegistryEvent]] = {}
    qs = engine._live_events(RegistryEvent.objects.filter(effective_on__lte=on)).prefetch_related("subjects")
    for ev in qs.iterator(chunk_size=2000):
        for s in ev.subjects.all():
            if s.person_id:
                events_by_person.setdefault(s.person_id, []).append(ev)
    numbers = dict(Person.objects.filter(pk__in=events_by_person).values_list("pk", "person_no"))
    for pk, events in events_by_person.items():
        state = engine.fold("person", pk, on, events)
        if state and state["status"] == status:
            yield {**state, "pk": pk, "person_no": numbers[pk]}


def _household_members_on(household: Household, on: dt.date, status: str) -> list[dict[str, Any]]:
    if status == Status.RESIDENT:
        _items, members = engine_asof.household_as_of(household, on)
        return members
    candidates = Person.objects.filter(snapshots__household_id_at=household.pk).distinct()
    out = []
    for p in candidates:
        state = engine_asof.person_as_of(p, on)
        if state and state["household_id"] == household.pk and state["status"] == status:
            out.append({**state, "pk": p.pk})
    return out


HIDDEN_ADDRESS = "（支援措置対象のため非表示）"


def _row(state: dict[str, Any], household_numbers: dict[int, int]) -> dict[str, Any]:
    row = {k: state.get(k) for k in ROW_ITEMS}
    hid = state.get("household_id")
    row["household_no"] = household_numbers.get(hid) if hid else None
    return row


def _page(states: list[dict[str, Any]], on: dt.date, status: str, household_no: int | None, offset: int,
          limit: int, purpose: str) -> AsOfPage:
    hidden = protected_person_ids()
    if not may_see_protected_locations():
        states = [s for s in states if s["pk"] not in hidden]
    states.sort(key=lambda s: s["person_no"])
    page = states[offset:offset + limit]
    hids = {s.get("household_id") for s in page if s.get("household_id")}
    numbers = dict(Household.objects.filter(pk__in=hids).values_list("pk", "household_no"))
    rows = [_row(s, numbers) for s in page]
    for s, row in zip(page, rows, strict=True):
        if s["pk"] in hidden:  # found by a reader who may lift, but a list never shows where they live
            row.update(address=HIDDEN_ADDRESS, address_extra="", household_no=None)
    with transaction.atomic():
        audit.record("registry.as_of_list", object_type="Person",
                     object_id=",".join(str(r["person_no"]) for r in rows[:50]), purpose=purpose,
                     detail={"as_of": on.isoformat(), "status": status, "household_no": household_no,
                             "offset": offset, "listed": len(rows), "total": len(states)})
    return AsOfPage(on, status, household_no, len(states), offset, limit, rows)


def list_as_of(on: dt.date, *, status: str = Status.RESIDENT, household_no: int | None = None, offset: int = 0,
               limit: int = 50, purpose: str = "基準日時点の住民一覧") -> AsOfPage:
    """The residents (status "resident") or removed persons ("removed") as of `on`, of the municipality or of
    one household, ordered by 宛名番号, one page."""
    if status not in (Status.RESIDENT, Status.REMOVED):
        raise ValidationFailed("状態は resident（住民）か removed（除票）を指定してください。", field="status")
    _check_paging(offset, limit)
    if household_no is not None:
        household = Household.objects.filter(household_no=household_no).first()
        if household is None:
            raise NotFound(f"世帯番号 {household_no} の世帯はありません。")
        states = _household_members_on(household, on, status)
    else:
        states = list(_states_on(on, status))
    return _page(states, on, status, household_no, offset, limit, purpose)


def search_as_of(query: search.SearchQuery, on: dt.date, *, limit: int = 50,
                 purpose: str = "住民記録の照会（基準日）") -> AsOfPage:
    """A search whose results are the persons as they stood on `on`: the conditions on name, kana and address are
    checked against that day's items (the index finds anyone who ever matched; the fold decides)."""
    _check_paging(0, limit)
    status = query.status or Status.RESIDENT
    candidates = list(search.build(query).values_list("pk", flat=True)[:5000])
    states = []
    for p in Person.objects.filter(pk__in=candidates):
        state = engine_asof.person_as_of(p, on)
        if not state or state["status"] != status:
            continue
        if query.name and normalize(query.name) not in normalize(
                f"{state.get('family_name', '')}{state.get('given_name', '')}{state.get('alphabet_name', '')}"):
            continue
        if query.kana and normalize(query.kana) not in normalize(
                f"{state.get('family_name_kana', '')}{state.get('given_name_kana', '')}"):
            continue
        if query.address and normalize(query.address) not in normalize(
                f"{state.get('address', '')}{state.get('address_extra', '')}"):
            continue
        states.append({**state, "pk": p.pk})
    return _page(states, on, status, None, 0, limit, purpose)
