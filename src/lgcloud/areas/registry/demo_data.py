"""Demo residents for every member of the demo group, made through the registry services.

Each member gets about BASE_PER_MEMBER × scale residents, in proportion to its real population:
households of realistic composition (singles, couples, couples with children, single parents,
three generations with 父・母・子の妻・子の子), an age pyramid close to Japan's, about 2.5% foreign
residents (技能実習, 特定技能, 永住者, 特別永住者 …), addresses in the member's real 大字・町丁, and a
little history in the last two years: 出生, 死亡, 転出 (除票), 転居 and 世帯分離.

Households whose history is their 転入, their children's 出生 and at most a 転出 or 死亡 (about 97 in 100) are
recorded in bulk through the import path (demo_bulk: validated, one transaction, audited); the others (転居,
世帯分離, a head's death with the wife taking over) through the services (one 転入 per household, then the
household's later events in date order). Either way events, history, audit and
projection agree and engine.verify_projection() is empty. Names come from Faker (ja_JP) seeded with the municipality code: the same day gives the same
register. A member that already has residents is left alone.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.household import household_split
from lgcloud.areas.registry.actions.move_in import birth, move_in
from lgcloud.areas.registry.actions.removal import death, move_out
from lgcloud.areas.registry.demo_bulk import Removal, by_import, record_quiet, removal_of
from lgcloud.areas.registry.demo_plan import HouseholdPlan, PersonPlan, Planner, age_on
from lgcloud.areas.registry.models import Person, ResidentType, Sex, Status
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform import metering
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality

BASE_PER_MEMBER = 60  # residents of an average-sized member at scale 1
MIN_PER_MEMBER = 40
DEMO_ACTOR = Actor("demo", "system", "system")


# --- recording the plan through the services ------------------------------------------------------------


@dataclass
class Loaded:
    households: int = 0
    residents: int = 0
    removed: int = 0
    foreign: int = 0
    events: int = 0
    seconds: float = 0.0


class Recorder:
    def __init__(self, planner: Planner) -> None:
        self.p = planner
        self.today = planner.today
        self.events = 0

    def notified(self, on: dt.date) -> dt.date:
        return min(on + dt.timedelta(days=self.p.rng.randint(0, 7)), self.today)

    def items(self, m: PersonPlan, plan: HouseholdPlan, relationship: str | None = None) -> dict[str, Any]:
        items: dict[str, Any] = {"sex": m.sex, "relationship": relationship or m.relationship,
                                 "resident_code": f"{self.p.rng.randrange(10**11):011d}"}
        if not m.born_here:
            items["birth_date"] = m.birth.isoformat()
        if m.foreign is not None:
            items.update(resident_type=ResidentType.FOREIGN, **m.foreign)
            if m.foreign.get("stay_expires_on"):
                items["stay_expires_on"] = m.foreign["stay_expires_on"].isoformat()
            if self.p.chance(0.9):
                items["individual_number"] = self.p.individual_number()
            return items
        head = plan.head
        holder = head if head.foreign is None else m
        if m.relationship in ("父", "母", "妻の父", "妻の母"):
            holder = next((x for x in plan.members if x.relationship in ("父", "妻の父")), m)
        elif m.relationship in ("子の妻", "子の子"):
            holder = next((x for x in plan.members if x.relationship == "子" and x.sex == Sex.MALE), m)
        elif m.relationship in ("妻（未届）", "夫（未届）"):
            holder = m
        items.update(
            resident_type=ResidentType.JAPANESE, family_name=m.family, given_name=m.given,
            family_name_kana=m.family_kana, given_name_kana=m.given_kana, kana_certified=self.p.chance(0.8),
            registered_domicile=plan.domicile, domicile_head=holder.name() or m.name(),
            electoral_registered=age_on(m.birth, self.today) >= 18 and plan.since < self.today - dt.timedelta(days=92),
        )
        if self.p.chance(0.98):
            items["individual_number"] = self.p.individual_number()
        return items

    def record(self, plan: HouseholdPlan) -> None:
        first = [m for m in plan.members if not m.born_here]
        result = move_in(
            persons=[self.items(m, plan) for m in first], address=plan.address, effective_on=plan.since,
            notified_on=self.notified(plan.since), previous_address=plan.previous_address,
            from_abroad=plan.from_abroad,
        )
        self.events += 1
        for m, person in zip(first, sorted(result.persons, key=lambda p: p.person_no), strict=True):
            m.number = person.person_no
        household_no = result.households[0].household_no
        for when, _order, action in sorted(self.timeline(plan), key=lambda t: (t[0], t[1])):
            action(when, household_no)
            self.events += 1

    def removals(self, plan: HouseholdPlan) -> list[Removal | None]:
        """The 転出 and 死亡 of a household recorded through the import, with the 転出先 and 届出日 the services
        would have been given (a 転出 is notified up to ten days before it, a death up to a week after)."""
        out: list[Removal | None] = []
        household_notice = (plan.moves_out[0] - dt.timedelta(days=self.p.rng.randint(0, 10))
                            if plan.moves_out else None)
        for m in plan.members:
            removal = removal_of(plan, m)
            if removal is None:
                out.append(None)
            elif m.dies_on:
                out.append((*removal, "", self.notified(removal[1])))
            elif m.leaves_on:
                out.append((*removal, self.p.elsewhere(), removal[1] - dt.timedelta(days=self.p.rng.randint(0, 10))))
            else:
                assert plan.moves_out is not None and household_notice is not None
                out.append((*removal, plan.moves_out[1], household_notice))
        return out

    def timeline(self, plan: HouseholdPlan) -> Iterable[tuple[dt.date, int, Any]]:
        for m in plan.members:
            if m.born_here:
                yield m.birth, 0, self._birth(plan, m)
        if plan.moves_within:
            when, addr = plan.moves_within
            yield when, 1, lambda on, hh, addr=addr: move_within(
                household_no=hh, address=addr, effective_on=on, notified_on=self.notified(on))
        if plan.split:
            yield plan.split[0], 2, self._split(plan)
        for m in plan.members:
            if m.dies_on:
                yield m.dies_on, 3, self._death(plan, m)
            if m.leaves_on:
                yield m.leaves_on, 4, self._leave(m)
        if plan.moves_out:
            when, destination = plan.moves_out
            yield when, 5, lambda on, hh, destination=destination: move_out(
                person_nos=[m.number for m in plan.members if not m.gone], destination=destination,
                effective_on=on, notified_on=on - dt.timedelta(days=self.p.rng.randint(0, 10)))

    def _birth(self, plan: HouseholdPlan, child: PersonPlan) -> Any:
        mother_rel = "子の妻" if child.relationship == "子の子" else None

        def run(on: dt.date, household_no: int) -> None:
            mother = next((m for m in plan.members if m.sex == Sex.FEMALE and m.number and not m.gone
                           and (m.relationship == mother_rel if mother_rel else m.relationship in (HEAD, "妻", "妻（未届）"))),
                          None)
            result = birth(child=self.items(child, plan), household_no=household_no, effective_on=on,
                                    notified_on=self.notified(on),
                                    mother_person_no=mother.number if mother else None)
            child.number = result.persons[0].person_no

        return run

    def _split(self, plan: HouseholdPlan) -> Any:
        assert plan.split is not None
        _when, moving, addr = plan.split
        new_rel = {"子": HEAD, "子の妻": "妻", "子の子": "子"}

        def run(on: dt.date, _household_no: int) -> None:
            present = [m for m in moving if m.number and not m.gone]
            head = present[0]
            household_split(
                person_nos=[m.number for m in present], new_head_person_no=head.number, address=addr,
                relationships={m.number: new_rel[m.relationship] for m in present if m is not head},
                effective_on=on, notified_on=self.notified(on))
            for m in present:
                m.relationship = new_rel[m.relationship]
            plan.members = [m for m in plan.members if m not in present]

        return run

    def _death(self, plan: HouseholdPlan, m: PersonPlan) -> Any:
        def run(on: dt.date, _household_no: int) -> None:
            kwargs: dict[str, Any] = {}
            if m.relationship == HEAD:
                rest = [x for x in plan.members if x is not m and x.number and not x.gone]
                if rest:
                    wife = next(x for x in rest if x.relationship == "妻")
                    kwargs = {"new_head_person_no": wife.number, "relationships": {}}
                    wife.relationship = HEAD
            death(person_no=m.number, death_date=on, notified_on=self.notified(on), **kwargs)
            m.gone = True

        return run

    def _leave(self, m: PersonPlan) -> Any:
        def run(on: dt.date, _household_no: int) -> None:
            move_out(person_nos=[m.number], destination=self.p.elsewhere(), effective_on=on,
                              notified_on=on - dt.timedelta(days=self.p.rng.randint(0, 10)))
            m.gone = True

        return run


# --- the demo step --------------------------------------------------------------------------------------


def sizes(members: list[Municipality], scale: int) -> dict[str, int]:
    """Residents per member: BASE_PER_MEMBER × scale for an average member, in proportion to population."""
    populations = [m.population for m in members if m.population]
    mean = sum(populations) / len(populations) if populations else 0
    out = {}
    for m in members:
        base = BASE_PER_MEMBER * m.population / mean if (m.population and mean) else BASE_PER_MEMBER
        out[m.code] = max(MIN_PER_MEMBER, round(base)) * scale
    return out


def load_member(municipality: Municipality, size: int, today: dt.date | None = None) -> Loaded | None:
    """Plan and record one member's residents; None if it already has some."""
    with municipality_scope(municipality, DEMO_ACTOR):
        if Person.objects.exists():
            return None
        started = time.perf_counter()
        planner = Planner(municipality, size, today or timezone.localdate())
        recorder = Recorder(planner)
        plans = planner.plan()
        with transaction.atomic():
            # The quiet households (転入, 出生) in bulk through the import path, then the others event by event.
            quiet = [(plan, recorder.notified(plan.since), [recorder.items(m, plan) for m in plan.members],
                      [recorder.notified(m.birth) if m.born_here else None for m in plan.members],
                      recorder.removals(plan))
                     for plan in plans if by_import(plan)]
            imported = record_quiet(quiet) if quiet else 0
            for plan in plans:
                if not by_import(plan):
                    recorder.record(plan)
        loaded = Loaded(events=recorder.events + imported)
        loaded.households = sum(1 for _ in Person.objects.filter(status=Status.RESIDENT).values("household_id")
                                .distinct())
        loaded.residents = Person.objects.filter(status=Status.RESIDENT).count()
        loaded.foreign = Person.objects.filter(status=Status.RESIDENT, resident_type=ResidentType.FOREIGN).count()
        loaded.removed = Person.objects.filter(status=Status.REMOVED).count()
        loaded.seconds = time.perf_counter() - started
        return loaded


@demo_step(40)
def residents(ctx: DemoContext) -> None:
    """Residents for every member (ctx.scale × about BASE_PER_MEMBER each); scale 0 makes none."""
    if ctx.scale <= 0:
        ctx.say("  住民データは作成しません（規模 0）")
        return
    started = time.perf_counter()
    per_member = sizes(ctx.members, ctx.scale)
    total = 0
    for m in ctx.members:
        loaded = load_member(m, per_member[m.code])
        with municipality_scope(m, DEMO_ACTOR):
            held = Person.objects.filter(status=Status.RESIDENT).count()
        metering.set_gauge("residents_held", held, municipality=m)
        total += held
        if loaded is None:
            ctx.say(f"  {m.name}: 住民が既に登録されているため省略しました（住民 {held:,}人）")
            continue
        ctx.say(f"  {m.name}: 住民 {loaded.residents:,}人（うち外国人 {loaded.foreign}人）、世帯 {loaded.households:,}、"
                f"除票 {loaded.removed}人、異動 {loaded.events:,}件（{loaded.seconds:.1f}秒）")
    ctx.say(f"  住民の合計 {total:,}人（{time.perf_counter() - started:.1f}秒）")
