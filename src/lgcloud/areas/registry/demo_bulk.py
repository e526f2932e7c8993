"""The demo register's quiet households — those whose only history is their 転入 — recorded in bulk through
the import path (`lgcloud.platform.interchange.importer.import_municipality` with a prepared batch): every row
checked like an imported file's (`staging.check_person`, references, the history folding into the rows), one
transaction, one audit record, the same bulk writes as a migration. Households with a later history (出生,
死亡, 転出, 転居, 世帯分離) are then recorded event by event through the registry services (demo_data)."""

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
    """A household whose only event is its 転入."""
    return not (plan.moves_within or plan.split or plan.moves_out
                or any(m.born_here or m.dies_on or m.leaves_on for m in plan.members))


def kind_of(plan: HouseholdPlan) -> str:
    return EventKind.MOVE_IN_FROM_ABROAD if plan.from_abroad else EventKind.MOVE_IN


def _person_row(no: int, items: dict[str, Any], plan: HouseholdPlan, notified_on: dt.date) -> dict[str, Any]:
    """A person as the import stages a row of the persons file: the service's input items, and what 転入 sets."""
    row = {k: v for k, v in items.items() if k != "relationship"}
    for k in _DATES:
        if isinstance(row.get(k), str):
            row[k] = dt.date.fromisoformat(row[k])
    since = plan.since
    row.update(plan.address)
    row.update(person_no=no, status=Status.RESIDENT, birth_date_precision=Precision.DAY,
               address_set_on=since, address_set_precision=Precision.DAY, became_resident_on=since,
               became_resident_precision=Precision.DAY, notified_on=notified_on,
               previous_address=str(plan.previous_address).strip()[:200], removal_reason="", removed_on=None,
               moved_to="", move_out_state="")
    row.setdefault("resident_type", ResidentType.JAPANESE)
    if row["resident_type"] == ResidentType.FOREIGN and not row.get("became_foreign_resident_on"):
        row["became_foreign_resident_on"] = since
    return row


def record_quiet(plans: list[tuple[HouseholdPlan, dt.date, list[dict[str, Any]]]]) -> int:
    """Import the quiet households (each with its 届出日 and its members' service input items) as one batch;
    returns the number of 転入 events. The register must be empty."""
    persons_file = ADAPTER.layout.file("persons")
    batch = staging.Batch()
    problems: list[Any] = []
    no = 0
    when: dict[int, tuple[HouseholdPlan, dt.date]] = {}
    for hno, (plan, notified_on, member_items) in enumerate(plans, start=1):
        head = None
        kind = kind_of(plan)
        for order, (m, items) in enumerate(zip(plan.members, member_items, strict=True), start=1):
            no += 1
            m.number = no
            row = staging.check_person(persons_file, no + 1, _person_row(no, items, plan, notified_on),
                                       Status.RESIDENT, problems)
            if row is None:
                continue
            row["_line"] = (persons_file.file, no + 1)
            batch.persons[no] = row
            batch.memberships[no] = {"person_no": no, "household_no": hno, "relationship": items["relationship"],
                                     "household_order": order, "_line": ("03_memberships.csv", no + 1)}
            batch.last_events[no] = {"kind": kind, "on": plan.since}
            if items["relationship"] == HEAD:
                head = no
        batch.households[hno] = {**plan.address, "household_no": hno, "status": "active", "head_person_no": head,
                                 "_line": ("02_households.csv", hno + 1)}
        when[hno] = (plan, notified_on)
    if problems:
        raise ValidationFailed(f"デモの住民データに誤りがあります: {problems[0].as_row()}")
    # The history the import gives files without one, from the rows' dates and 異動事由 (転入 on the day the
    # household moved in): one 転入 per household with its whole state; then its 届出日.
    dated_history.synthesize_history(batch)
    for event in batch.events:
        household = next(ch["no"] for ch in event["changes"] if ch["target"] == "household")
        plan, notified_on = when[household]
        assert event["kind"] == kind_of(plan) and event["effective_on"] == plan.since, event
        event.update(notified_on=notified_on, reason="", channel=current_actor().channel)
    result = import_municipality(Path("/nonexistent-demo"), layout=ADAPTER.key, batch=batch,
                                 purpose="デモデータの作成（転入のみの世帯）")
    if not result.written:
        raise ValidationFailed(f"デモの住民データを登録できません: {[p.as_row() for p in result.problems[:3]]}")
    return len(batch.events)
