"""The register's invariants over the whole history, not only the current row.

Checked for every 異動 on its effective date and every later date it affects (`check_event`, called by
`engine.apply_event` in its transaction) and over the whole register by `registry verify`
(`verify_history`):

- one person is never resident twice at once (a 転入 dated inside an earlier residence is refused);
- nothing happens to a person after their death except corrections and cancellations;
- a household with residents has exactly one head (世帯主) on every day.

Works on the events' raw item changes (only status, household, 続柄 and 死亡日 matter here), so it needs
nothing of the engine.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lgcloud.areas.registry import engine_reads
from lgcloud.areas.registry.models import EventKind, EventSubject, Person, RegistryEvent, Status
from lgcloud.areas.registry.relationships import HEAD

ENTRY_KINDS = frozenset({EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN, EventKind.BIRTH,
                         EventKind.EX_OFFICIO_ENTRY})
AFTER_DEATH_ALLOWED = frozenset({EventKind.CANCELLATION, EventKind.EX_OFFICIO_CORRECTION, EventKind.MINOR_CORRECTION,
                                 EventKind.CLERICAL_CORRECTION, EventKind.INDIVIDUAL_NUMBER_CHANGE,
                                 EventKind.RESIDENT_CODE_CHANGE, EventKind.MIGRATION})
_TRACKED = ("status", "household_id", "relationship", "death_date")


@dataclass(frozen=True)
class Segment:
    """From `since` on (until the next segment) the person stood so."""

    since: dt.date
    resident: bool
    household_id: int | None
    head: bool


@dataclass(frozen=True)
class Violation:
    person_no: int | None
    household_no: int | None
    on: dt.date
    message: str


def _label(kind: str) -> str:
    try:
        return str(EventKind(kind).label)
    except ValueError:
        return kind


def person_timeline(pk: int, events: Sequence[RegistryEvent]) -> tuple[list[Segment], list[tuple[dt.date, str]]]:
    """The person's residence segments and the person-level violations, folding `events` (fold order)."""
    state: dict[str, object] | None = None
    segments: list[Segment] = []
    problems: list[tuple[dt.date, str]] = []
    for ev in events:
        sets = [ch["set"] for ch in ev.changes if ch["target"] == "person" and ch["id"] == pk]
        if not sets:
            continue
        before = dict(state) if state is not None else None
        state = dict(state or {"status": Status.REMOVED, "household_id": None, "relationship": "", "death_date": None})
        for s in sets:
            state.update({k: v for k, v in s.items() if k in _TRACKED})
        if ev.kind in ENTRY_KINDS and before is not None and before["status"] == Status.RESIDENT:
            problems.append((ev.effective_on, f"{ev.effective_on:%Y-%m-%d}の{_label(ev.kind)}の時点で既に住民です"
                                              "（住民である期間が重なります）。"))
        if before is not None and before.get("death_date") and ev.kind not in AFTER_DEATH_ALLOWED:
            problems.append((ev.effective_on, f"死亡日（{before['death_date']}）の後に{_label(ev.kind)}"
                                              f"（{ev.effective_on:%Y-%m-%d}）は記録できません。"))
        seg = Segment(ev.effective_on, state["status"] == Status.RESIDENT,
                      state["household_id"] if isinstance(state["household_id"], int) else None,
                      state["relationship"] == HEAD)
        if segments and segments[-1].since == seg.since:
            segments[-1] = seg
        else:
            segments.append(seg)
    return segments, problems


def _events_by_person(pks: Iterable[int]) -> dict[int, list[RegistryEvent]]:
    out: dict[int, list[RegistryEvent]] = {pk: [] for pk in pks}
    seen: set[tuple[int, int]] = set()
    links = (EventSubject.objects.filter(person_id__in=list(out), event__cancellations__isnull=True)
             .select_related("event").order_by("event__effective_on", "event_id"))
    for link in links:
        if link.person_id is None or (link.person_id, link.event_id) in seen:
            continue
        seen.add((link.person_id, link.event_id))
        out[link.person_id].append(link.event)
    return out


def _household_violations(timelines: dict[int, list[Segment]], household_ids: set[int], since: dt.date | None,
                          household_numbers: dict[int, int]) -> list[Violation]:
    members_of: dict[int, set[int]] = defaultdict(set)
    dates: dict[int, set[dt.date]] = defaultdict(set)
    for pk, segments in timelines.items():
        prev: Segment | None = None
        for seg in segments:
            for hid in {seg.household_id, prev.household_id if prev else None}:
                if hid in household_ids and hid is not None and (since is None or seg.since >= since):
                    dates[hid].add(seg.since)
            if seg.household_id in household_ids and seg.household_id is not None:
                members_of[seg.household_id].add(pk)
            prev = seg
    out = []
    for hid, days in dates.items():
        for day in sorted(days):
            heads = members = 0
            for pk in members_of[hid]:
                current = next((s for s in reversed(timelines[pk]) if s.since <= day), None)
                if current and current.resident and current.household_id == hid:
                    members += 1
                    heads += current.head
            if members and heads != 1:
                what = "世帯主がいません" if heads == 0 else f"世帯主が{heads}人います"
                number = household_numbers.get(hid, hid)
                out.append(Violation(None, number, day, f"世帯 {number} は{day:%Y-%m-%d}に{what}。"))
                break
    return out


def _members_ever(household_ids: set[int]) -> set[int]:
    return engine_reads.members_ever(household_ids)


def check_event(event: RegistryEvent, persons: Sequence[Person], person_events: dict[int, list[RegistryEvent]],
                household_ids: set[int], household_numbers: dict[int, int]) -> list[Violation]:
    """The violations an event brings into the touched persons' and households' history from its date on."""
    timelines: dict[int, list[Segment]] = {}
    out: list[Violation] = []
    for p in persons:
        segments, problems = person_timeline(p.pk, person_events.get(p.pk, []))
        timelines[p.pk] = segments
        out += [Violation(p.person_no, None, on, msg) for on, msg in problems if on >= event.effective_on]
    others = _members_ever(household_ids) - set(timelines)
    if others:
        for pk, events in _events_by_person(others).items():
            timelines[pk] = person_timeline(pk, events)[0]
    return out + _household_violations(timelines, household_ids, event.effective_on, household_numbers)


def verify_history(chunk: int = 2000) -> list[Violation]:
    """Every invariant over the whole history of the current municipality's register."""
    from lgcloud.areas.registry.models import Household

    numbers = dict(Person.objects.values_list("pk", "person_no"))
    household_numbers = dict(Household.objects.values_list("pk", "household_no"))
    timelines: dict[int, list[Segment]] = {}
    out: list[Violation] = []
    pks = sorted(numbers)
    for i in range(0, len(pks), chunk):
        for pk, events in _events_by_person(pks[i:i + chunk]).items():
            segments, problems = person_timeline(pk, events)
            timelines[pk] = segments
            out += [Violation(numbers[pk], None, on, msg) for on, msg in problems]
    return out + _household_violations(timelines, set(household_numbers), None, household_numbers)
