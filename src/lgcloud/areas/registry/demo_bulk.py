"""The demo register's quiet households — those whose only history is their 転入 and the 出生 of their children
born since — recorded in bulk through the import path (`lgcloud.platform.interchange.importer.import_municipality` with a prepared batch): every row
checked like an imported file's (`staging.check_person`, references, the history folding into the rows), one
transaction, one audit record, the same bulk writes as a migration. A child born here is a row resident from its
birth date with the 異動事由 出生: the import's dated history records its 出生 on that day, into the household, as
the service would (the domain events of these old 異動 are not published: they were processed long ago).
Households with a later history (死亡, 転出, 転居, 世帯分離) are then recorded event by event through the registry
services (demo_data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lgcloud.areas.registry.dates import Precision
from lgcloud.areas.registry.demo_plan import HouseholdPlan
from lgcloud.areas.registry.interchange import ADAPTER, dated_history, staging
from lgcloud.areas.registry.models import EventKind, ResidentType, Status
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.interchange.importer import import_municipality
from lgcloud.platform.tenancy.context import current_actor

_DATES = ("birth_date", "stay_expires_on", "became_foreign_resident_on")


def is_quiet(plan: HouseholdPlan) -> bool:
    """A household whose only events are its 転入 and its children's 出生."""
    return not (plan.moves_within or plan.split or plan.moves_out
                or any(m.dies_on or m.leaves_on for m in plan.members))


def kind_of(plan: HouseholdPlan) -> str:
    return EventKind.MOVE_IN_FROM_ABROAD if plan.from_abroad else EventKind.MOVE_IN


def _person_row(no: int, items: dict[str, Any], plan: HouseholdPlan, notified_on: dt.date,
                born_on: dt.date | None = None) -> dict[str, Any]:
    """A person as the import stages a row of the persons file: the service's input items, and what 転入 (or, for
    a child born here, 出生) sets."""
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
    row.setdefault("resident_type", ResidentType.JAPANESE)
    if row["resident_type"] == ResidentType.FOREIGN and not row.get("became_foreign_resident_on"):
        row["became_foreign_resident_on"] = since
    return row


def record_quiet(plans: list[tuple[HouseholdPlan, dt.date, list[dict[str, Any]], list[dt.date | None]]]) -> int:
    """Import the quiet households (each with its 届出日, its members' service input items and, for a child born
    here, the 届出日 of its 出生) as one batch; returns the number of events. The register must be empty."""
    persons_file = ADAPTER.layout.file("persons")
    batch = staging.Batch()
    problems: list[Any] = []
    no = 0
    when: dict[int, tuple[HouseholdPlan, dt.date]] = {}
    born: dict[int, dt.date] = {}  # person → 届出日 of the 出生
    for hno, (plan, notified_on, member_items, birth_notified) in enumerate(plans, start=1):
        head = None
        kind = kind_of(plan)
        # those of the 転入 first, then the children born here in birth order (the household order 出生 gives)
        members = sorted(zip(plan.members, member_items, birth_notified, strict=True),
                         key=lambda t: (t[0].born_here, t[0].birth if t[0].born_here else dt.date.min))
        for order, (m, items, birth_notice) in enumerate(members, start=1):
            no += 1
            m.number = no
            born_on = m.birth if m.born_here else None
            row = staging.check_person(persons_file, no + 1,
                                       _person_row(no, items, plan, birth_notice or notified_on, born_on),
                                       Status.RESIDENT, problems)
            if row is None:
                continue
            row["_line"] = (persons_file.file, no + 1)
            batch.persons[no] = row
            batch.memberships[no] = {"person_no": no, "household_no": hno, "relationship": items["relationship"],
                                     "household_order": order, "_line": ("03_memberships.csv", no + 1)}
            if born_on is not None:
                assert birth_notice is not None
                batch.last_events[no] = {"kind": EventKind.BIRTH, "on": born_on}
                born[no] = birth_notice
            else:
                batch.last_events[no] = {"kind": kind, "on": plan.since}
            if items["relationship"] == HEAD:
                head = no
        batch.households[hno] = {**plan.address, "household_no": hno, "status": "active", "head_person_no": head,
                                 "_line": ("02_households.csv", hno + 1)}
        when[hno] = (plan, notified_on)
    if problems:
        raise ValidationFailed(f"デモの住民データに誤りがあります: {problems[0].as_row()}")
    # The history the import gives files without one, from the rows' dates and 異動事由 (転入 on the day the
    # household moved in, 出生 on a child's birth date): one 転入 per household with its whole state, one 出生 a
    # day and household; then their 届出日.
    dated_history.synthesize_history(batch)
    for event in batch.events:
        if event["kind"] == EventKind.BIRTH:
            children = [ch["no"] for ch in event["changes"] if ch["target"] == "person"]
            assert children and all(born.get(c) for c in children), event
            notified = max(born[c] for c in children)
        else:
            household = next(ch["no"] for ch in event["changes"] if ch["target"] == "household")
            plan, notified = when[household]
            assert event["kind"] == kind_of(plan) and event["effective_on"] == plan.since, event
        event.update(notified_on=notified, reason="", channel=current_actor().channel)
    result = import_municipality(Path("/nonexistent-demo"), layout=ADAPTER.key, batch=batch,
                                 purpose="デモデータの作成（転入・出生のみの世帯）")
    if not result.written:
        raise ValidationFailed(f"デモの住民データを登録できません: {[p.as_row() for p in result.problems[:3]]}")
    return len(batch.events)
