"""The demo register's households whose history the files' own dates can say — their 転入, the 出生 of their
children born since, and then at most the whole household's 転出, a member's 死亡 or 転出 alone — recorded in bulk
through the import path (`lgcloud.platform.interchange.importer.import_municipality` with a prepared batch): every
row checked like an imported file's (`staging.check_person`, references, the history folding into the rows), one
transaction, one audit record, the same bulk writes as a migration. A child born here is a row resident from its
birth date with the 異動事由 出生: the import's dated history records its 出生 on that day, into the household, as
the service would. A member removed since is a 除票 row (消除事由 転出 or 死亡, 消除日, 転出先, 死亡日) of the same
household: the dated history records the 転出 or 死亡 on the 消除日, and the household dissolved by the same event
when nobody is left, as `actions.removal` does. The domain events of these old 異動 are not published: they were
processed long ago. Households with a 転居, a 世帯分離 or a head's death with the wife taking over are then
recorded event by event through the registry services (demo_data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lgcloud.areas.registry.dates import Precision
from lgcloud.areas.registry.demo_plan import HouseholdPlan, PersonPlan
from lgcloud.areas.registry.interchange import ADAPTER, dated_history, staging
from lgcloud.areas.registry.models import EventKind, MoveOutState, ResidentType, Status
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.interchange.importer import import_municipality
from lgcloud.platform.tenancy.context import current_actor

_DATES = ("birth_date", "stay_expires_on", "became_foreign_resident_on")


def is_quiet(plan: HouseholdPlan) -> bool:
    """A household whose only events are its 転入 and its children's 出生."""
    return not (plan.moves_within or plan.split or plan.moves_out
                or any(m.dies_on or m.leaves_on for m in plan.members))


def by_import(plan: HouseholdPlan) -> bool:
    """A household the import records: its 転入, its children's 出生 and then at most removals the files' dates
    say entirely — the whole household's 転出, a member's 死亡 or 転出 alone, the death of a head who lived alone.
    The 転居, the 世帯分離 and a head's death with the wife taking over (her 続柄 changes) go through the services."""
    if plan.moves_within or plan.split:
        return False
    head = plan.head
    return not ((head.dies_on or head.leaves_on) and len(plan.members) > 1)


def removal_of(plan: HouseholdPlan, m: PersonPlan) -> tuple[str, dt.date] | None:
    """(消除事由, 消除日) of a member the plan removes, or None."""
    if m.dies_on:
        return "死亡", m.dies_on
    if m.leaves_on:
        return "転出", m.leaves_on
    if plan.moves_out:
        return "転出", plan.moves_out[0]
    return None


def kind_of(plan: HouseholdPlan) -> str:
    return EventKind.MOVE_IN_FROM_ABROAD if plan.from_abroad else EventKind.MOVE_IN


def _person_row(no: int, items: dict[str, Any], plan: HouseholdPlan, notified_on: dt.date,
                born_on: dt.date | None = None, removal: tuple[str, dt.date, str, dt.date] | None = None,
                ) -> dict[str, Any]:
    """A person as the import stages a row of the persons file (or of the 除票 file): the service's input items, and
    what 転入 (or, for a child born here, 出生) sets — and then what the 転出 or 死亡 set (`removal`: 消除事由,
    消除日, 転出先, 届出日), as `actions.removal` sets it."""
    row = {k: v for k, v in items.items() if k != "relationship"}
    for k in _DATES:
        if isinstance(row.get(k), str):
            row[k] = dt.date.fromisoformat(row[k])
    since = born_on or plan.since
    if born_on is not None:
        row["birth_date"] = born_on
    row.update(plan.address)
    row.update(person_no=no, status=Status.RESIDENT, birth_date_precision=Precision.DAY,
               address_set_on=since, address_set_precision=Precision.DAY, became_resident_on=since,
               became_resident_precision=Precision.DAY, notified_on=notified_on,
               previous_address="" if born_on else str(plan.previous_address).strip()[:200], removal_reason="",
               removed_on=None, moved_to="", move_out_state="")
    if removal is not None:
        reason, on, moved_to, removal_notice = removal
        row.update(status=Status.REMOVED, removal_reason=reason, removed_on=on, moved_to=moved_to[:200],
                   notified_on=removal_notice,
                   move_out_state=MoveOutState.PLANNED if reason == "転出" else "")
        if reason == "死亡":
            row.update(death_date=on, death_date_precision=Precision.DAY)
    row.setdefault("resident_type", ResidentType.JAPANESE)
    if row["resident_type"] == ResidentType.FOREIGN and not row.get("became_foreign_resident_on"):
        row["became_foreign_resident_on"] = since
    return row


Removal = tuple[str, dt.date, str, dt.date]  # 消除事由, 消除日, 転出先, 届出日


def record_quiet(plans: list[tuple[HouseholdPlan, dt.date, list[dict[str, Any]], list[dt.date | None],
                                   list[Removal | None]]]) -> int:
    """Import the households `by_import` (each with its 届出日, its members' service input items, for a child born
    here the 届出日 of its 出生, and for a member removed since its `Removal`) as one batch; returns the number of
    events. The register must be empty."""
    persons_file, removed_file = ADAPTER.layout.file("persons"), ADAPTER.layout.file("removed")
    batch = staging.Batch()
    problems: list[Any] = []
    no = 0
    when: dict[int, tuple[HouseholdPlan, dt.date]] = {}
    born: dict[int, dt.date] = {}  # person → 届出日 of the 出生
    removed: dict[int, dt.date] = {}  # person → 届出日 of the 転出 or 死亡
    for hno, (plan, notified_on, member_items, birth_notified, removals) in enumerate(plans, start=1):
        head = None
        kind = kind_of(plan)
        # those of the 転入 first, then the children born here in birth order (the household order 出生 gives)
        members = sorted(zip(plan.members, member_items, birth_notified, removals, strict=True),
                         key=lambda t: (t[0].born_here, t[0].birth if t[0].born_here else dt.date.min))
        for order, (m, items, birth_notice, removal) in enumerate(members, start=1):
            no += 1
            m.number = no
            born_on = m.birth if m.born_here else None
            fdef = persons_file if removal is None else removed_file
            row = staging.check_person(fdef, no + 1,
                                       _person_row(no, items, plan, birth_notice or notified_on, born_on, removal),
                                       Status.RESIDENT if removal is None else Status.REMOVED, problems)
            if row is None:
                continue
            row["_line"] = (fdef.file, no + 1)
            batch.persons[no] = row
            batch.memberships[no] = {"person_no": no, "household_no": hno, "relationship": items["relationship"],
                                     "household_order": order, "_line": ("03_memberships.csv", no + 1)}
            # the 異動事由 of the entry (転入, 出生); the removal's kind follows from the 消除事由
            if born_on is not None:
                assert birth_notice is not None
                batch.last_events[no] = {"kind": EventKind.BIRTH, "on": born_on}
                born[no] = birth_notice
            else:
                batch.last_events[no] = {"kind": kind, "on": plan.since}
            if removal is not None:
                removed[no] = removal[3]
            if items["relationship"] == HEAD:
                head = no
        gone = all(r is not None for r in removals)  # the household was dissolved by its last removal
        batch.households[hno] = {**plan.address, "household_no": hno, "status": "dissolved" if gone else "active",
                                 "head_person_no": None if gone else head, "_line": ("02_households.csv", hno + 1)}
        when[hno] = (plan, notified_on)
    if problems:
        raise ValidationFailed(f"デモの住民データに誤りがあります: {problems[0].as_row()}")
    # The history the import gives files without one, from the rows' dates and 異動事由 (転入 on the day the
    # household moved in, 出生 on a child's birth date, 転出 and 死亡 on the 消除日): one 転入 per household with its
    # whole state, one 出生 a day and household, one removal a day, household and kind; then their 届出日.
    dated_history.synthesize_history(batch)
    for event in batch.events:
        persons = [ch["no"] for ch in event["changes"] if ch["target"] == "person"]
        if event["kind"] == EventKind.BIRTH:
            assert persons and all(born.get(c) for c in persons), event
            notified = max(born[c] for c in persons)
        elif event["kind"] in (EventKind.MOVE_OUT, EventKind.DEATH):
            assert persons and all(removed.get(c) for c in persons), event
            notified = max(removed[c] for c in persons)
        else:
            household = next(ch["no"] for ch in event["changes"] if ch["target"] == "household")
            plan, notified = when[household]
            assert event["kind"] == kind_of(plan) and event["effective_on"] == plan.since, event
        event.update(notified_on=notified, reason="", channel=current_actor().channel)
    result = import_municipality(Path("/nonexistent-demo"), layout=ADAPTER.key, batch=batch,
                                 purpose="デモデータの作成（転入・出生・転出・死亡の世帯）")
    if not result.written:
        raise ValidationFailed(f"デモの住民データを登録できません: {[p.as_row() for p in result.problems[:3]]}")
    return len(batch.events)
