"""The history of files that carry none (another system's, or the standard layout without 異動履歴),
standing on the files' own dates: a person is resident from their 住民となった年月日 and a 除票 removed on
its 消除日, so as-of reads answer for the past as the old system would have. The kind of each 異動 is the
row's 異動事由 where the vendor file has one (mapped to an EventKind), else 「データ移行による記載」.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from lgcloud.areas.registry.interchange.history import file_state, stored
from lgcloud.areas.registry.interchange.staging import Batch
from lgcloud.areas.registry.models import EventKind, Status
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.tenancy.context import current_actor

# 異動事由 that make a person resident, that end the residence, and those that neither (they need a 異動日).
ENTRY_KINDS = frozenset({EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN, EventKind.BIRTH,
                         EventKind.EX_OFFICIO_ENTRY})
REMOVAL_KINDS = frozenset({EventKind.MOVE_OUT, EventKind.MOVE_OUT_CONFIRMED, EventKind.DEATH, EventKind.DISAPPEARANCE,
                           EventKind.EX_OFFICIO_REMOVAL})
# A 除票 without a 異動事由: its kind from its 消除事由.
REMOVAL_BY_REASON = {"転出": EventKind.MOVE_OUT, "死亡": EventKind.DEATH, "失踪": EventKind.DISAPPEARANCE,
                     "失踪宣告": EventKind.DISAPPEARANCE, "職権消除": EventKind.EX_OFFICIO_REMOVAL}


def check_last_event(kind: str, on: dt.date | None, rec: dict[str, Any]) -> str | None:
    """Why a row's 異動事由 (its last 異動) cannot stand, or None."""
    if kind not in EventKind.values:
        return f"異動事由「{kind}」は lgcloud の異動の種類にありません（対応定義の対応表で変換してください）"
    if kind == EventKind.CANCELLATION:
        return "異動の取消しは移行する異動事由にできません"
    removed = rec.get("status") == Status.REMOVED
    label = EventKind(kind).label
    if kind in REMOVAL_KINDS and not removed:
        return f"住民の異動事由が消除の異動（{label}）です"
    if kind in ENTRY_KINDS and removed:
        return f"除票の異動事由が記載の異動（{label}）です"
    if kind not in ENTRY_KINDS | REMOVAL_KINDS | {EventKind.MIGRATION}:
        if on is None:
            return f"異動事由「{label}」には異動日が必要です"
        began = rec.get("became_resident_on")
        began = began[0] if isinstance(began, tuple) else began
        if isinstance(began, dt.date) and on < began:
            return f"異動日（{on:%Y-%m-%d}）が住民となった年月日より前です"
        removed_on = rec.get("removed_on")
        if removed and isinstance(removed_on, dt.date) and on > removed_on:
            return f"異動日（{on:%Y-%m-%d}）が消除日より後です"
    return None


# --- the synthesised history ---------------------------------------------------------------------------------

_END = dt.date.max
_CLEARED_WHILE_RESIDENT = ("removal_reason", "removed_on", "moved_to", "move_out_state", "death_date")
_ENTRY, _HOUSEHOLD, _OTHER, _REMOVAL = range(4)  # the order of one person's changes on one day


@dataclass(frozen=True)
class _Life:
    no: int
    start: dt.date
    end: dt.date  # the 消除日, or _END
    household: int | None
    head: bool  # 世帯主 in the files
    relationship: str
    last: dict[str, Any] | None


@dataclass(frozen=True)
class _Period:
    """One person heads the household from `start` until `end`."""

    start: dt.date
    end: dt.date
    head: int


def _life(b: Batch, no: int, today: dt.date) -> _Life:
    p, m = b.persons[no], b.memberships.get(no)
    last = b.last_events.get(no)
    start = p.get("became_resident_on")
    if start is None and last and last["kind"] in ENTRY_KINDS:
        start = last["on"] or (p.get("birth_date") if last["kind"] == EventKind.BIRTH else None)
    if start is None:  # nothing says since when: resident from the day of the import, as before
        start = today
    if last and last["on"] and last["kind"] not in ENTRY_KINDS | REMOVAL_KINDS:
        start = min(start, last["on"])
    removed = p["status"] == Status.REMOVED
    end = p["removed_on"] if removed else _END
    start = min(start, end)
    relationship = (m or {}).get("relationship") or ""
    return _Life(no, start, end, m["household_no"] if m else None, relationship == HEAD, relationship, last)


def _periods(members: list[_Life]) -> list[_Period]:
    """Who heads the household when: one head at a time, the one whose residence ends first heading first
    (a 除票 世帯主 before the 世帯主 of today)."""
    out: list[_Period] = []
    for life in sorted((m for m in members if m.head), key=lambda m: (m.end, m.start, m.no)):
        start = life.start if not out else max(life.start, out[-1].end)
        if start < life.end:
            out.append(_Period(start, life.end, life.no))
    return out


def _membership(life: _Life, periods: list[_Period]) -> list[tuple[dt.date, int | None, str]]:
    """(since, household, 続柄) over the residence: in the household only while someone heads it."""
    days = sorted({life.start} | {d for p in periods for d in (p.start, p.end) if life.start < d < life.end})
    out: list[tuple[dt.date, int | None, str]] = []
    for day in days:
        period = next((p for p in periods if p.start <= day < p.end), None)
        if period is None:
            where: tuple[int | None, str] = (None, "")
        elif period.head == life.no:
            where = (life.household, HEAD)
        else:
            where = (life.household, "" if life.head else life.relationship)
        if not out or out[-1][1:] != where:
            out.append((day, *where))
    return out


def synthesize_history(b: Batch) -> None:
    """Files without a history: each person's residence from their dates, households headed one head at a time,
    the 異動事由 as the kinds of the 異動 (see the module's docstring)."""
    today = timezone.localdate()
    lives = {no: _life(b, no, today) for no in sorted(b.persons)}
    members: dict[int, list[_Life]] = defaultdict(list)
    for life in lives.values():
        if life.household is not None:
            members[life.household].append(life)
    # (day, group) → the person changes of one event; a group is a household and a kind
    person_changes: dict[int, dict[dt.date, list[tuple[int, str, dict[str, Any]]]]] = defaultdict(lambda: defaultdict(list))
    household_changes: dict[int, dict[dt.date, dict[str, Any]]] = defaultdict(dict)
    periods = {hno: _periods(members.get(hno, [])) for hno in b.households}
    for life in lives.values():
        _person_changes(b, life, periods.get(life.household, []) if life.household else [], person_changes[life.no])
    for hno in sorted(b.households):
        _household_changes(b, hno, periods[hno], members.get(hno, []), today, household_changes[hno])
    _as_events(b, lives, person_changes, household_changes)


@functools.cache
def _cleared() -> dict[str, Any]:
    return stored("person", dict.fromkeys(_CLEARED_WHILE_RESIDENT))


def _person_changes(b: Batch, life: _Life, periods: list[_Period],
                    out: dict[dt.date, list[tuple[int, str, dict[str, Any]]]]) -> None:
    full = stored("person", file_state(b, "person", life.no))
    if life.end == _END:
        resident = full  # a resident's last state is the file's, as it stands
    else:  # a 除票 while resident: nothing of the removal yet
        resident = {**full, **_cleared(), "status": str(Status.RESIDENT)}
    last = life.last
    timeline = _membership(life, periods) if life.household is not None else [(life.start, None, "")]
    for n, (day, household, relationship) in enumerate(timeline):
        where = {"household_no": household, "relationship": relationship}  # as `stored` holds them
        if n == 0:
            kind = last["kind"] if last and last["kind"] in ENTRY_KINDS else EventKind.MIGRATION
            out[day].append((_ENTRY, kind, {**resident, **where}))
        else:
            out[day].append((_HOUSEHOLD, EventKind.MIGRATION, where))
    if last and last["on"] and last["kind"] not in ENTRY_KINDS | REMOVAL_KINDS | {EventKind.MIGRATION}:
        day, household, relationship = next(t for t in reversed(timeline) if t[0] <= last["on"])
        out[last["on"]].append((_OTHER, last["kind"], {**resident, "household_no": household,
                                                       "relationship": relationship}))
    if life.end != _END:
        kind = (last["kind"] if last and last["kind"] in REMOVAL_KINDS
                else REMOVAL_BY_REASON.get(str(full.get("removal_reason") or ""), EventKind.MIGRATION))
        out[life.end].append((_REMOVAL, kind, full))


def _household_changes(b: Batch, hno: int, periods: list[_Period], members: list[_Life], today: dt.date,
                       out: dict[dt.date, dict[str, Any]]) -> None:
    full = stored("household", file_state(b, "household", hno))
    if not periods:  # never headed while anyone lived in it: as the files say, from the first removal
        out[min((m.end for m in members), default=today)] = full
        return
    out[periods[0].start] = {**full, **stored("household", {"status": "active", "head_person_no": periods[0].head})}
    for before, period in itertools.pairwise(periods):
        if before.end < period.start:
            out.setdefault(before.end, {})["head_person_no"] = None
        out.setdefault(period.start, {})["head_person_no"] = period.head
    if periods[-1].end != _END:
        out.setdefault(periods[-1].end, {}).update(full)


def _as_events(b: Batch, lives: dict[int, _Life],
               person_changes: dict[int, dict[dt.date, list[tuple[int, str, dict[str, Any]]]]],
               household_changes: dict[int, dict[dt.date, dict[str, Any]]]) -> None:
    """One event per day, household and kind, in (day, household, kind) order; a household's own change
    goes with an event of its persons that day, else in an event of its own."""
    groups: dict[tuple[dt.date, int, str], list[dict[str, Any]]] = defaultdict(list)
    for no, days in person_changes.items():
        hno = lives[no].household or 0
        for day, parts in days.items():
            if len(parts) == 1:
                values = parts[0][2]
            else:
                parts.sort(key=lambda part: part[0])
                values = {}
                for _rank, _kind, s in parts:
                    values.update(s)
            kinds = [kind for _rank, kind, _s in parts if kind != EventKind.MIGRATION]
            groups[(day, hno, kinds[-1] if kinds else EventKind.MIGRATION)].append(
                {"target": "person", "no": no, "set": values})
    first_of: dict[tuple[dt.date, int], tuple[dt.date, int, str]] = {}
    for key in sorted(groups):
        first_of.setdefault(key[:2], key)
    for hno, changes in household_changes.items():
        for on, household_values in changes.items():
            key = first_of.get((on, hno), (on, hno, EventKind.MIGRATION))
            groups[key].insert(0, {"target": "household", "no": hno, "set": household_values})
    now = timezone.now().replace(microsecond=0)
    actor = current_actor()
    for n, key in enumerate(sorted(groups), start=1):
        b.events.append({"event_no": n, "kind": key[2], "effective_on": key[0], "notified_on": None,
                         "processed_at": now, "clerk": actor.username, "role": actor.role, "channel": "import",
                         "reason": "データ移行", "corrects": None, "cancels": None, "changes": groups[key], "_line": 0})
