"""Demo residents: the demo step at a small scale, for two members, through the registry services."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from lgcloud.areas.registry import demo_bulk, demo_data, demo_names, demo_plan, engine_asof, statistics
from lgcloud.areas.registry.models import EventKind, Household, Person, RegistryEvent, ResidentType, Status
from lgcloud.areas.registry.relationships import HEAD, validate_relationship
from lgcloud.platform import metering
from lgcloud.platform.demo.loader import DemoContext
from lgcloud.platform.tenancy.context import Actor, municipality_scope

ALLOWED_HERE = {HEAD, "妻", "夫", "妻（未届）", "夫（未届）", "子", "子の妻", "子の子", "父", "母", "妻の父", "妻の母",
                "弟", "妹"}


@pytest.fixture
def loaded(group, muni_a, muni_b, monkeypatch):
    monkeypatch.setattr(demo_data, "BASE_PER_MEMBER", 90)
    ctx = DemoContext(group=group, members=[muni_a, muni_b], scale=1)
    demo_data.residents(ctx)
    return ctx


def _scope(m):
    return municipality_scope(m, Actor("test", "system", "system"))


def test_demo_residents_for_two_members(loaded):
    sizes = demo_data.sizes(loaded.members, 1)
    assert sizes[loaded.members[0].code] > sizes[loaded.members[1].code]  # 伊奈町 is larger than 越生町
    for m in loaded.members:
        with _scope(m):
            residents = Person.objects.filter(status=Status.RESIDENT)
            n = residents.count()
            foreign = residents.filter(resident_type=ResidentType.FOREIGN).count()
            assert sizes[m.code] <= n <= sizes[m.code] + 12
            # About 2.5% foreign residents (one person either way at this small size).
            expected = round(sizes[m.code] * demo_plan.FOREIGN_SHARE)
            assert abs(foreign - expected) <= 1 and 0.015 <= foreign / n <= 0.035
            for p in residents.filter(resident_type=ResidentType.FOREIGN):
                assert p.alphabet_name and p.nationality and p.foreign_category and p.residence_card_number
            # Only the 続柄 the standard allows; one head per active household.
            relationships = set(Person.objects.values_list("relationship", flat=True))
            assert relationships <= ALLOWED_HERE
            assert all(validate_relationship(r) == r for r in relationships)
            for h in Household.objects.filter(status="active"):
                assert h.members.filter(status=Status.RESIDENT, relationship=HEAD).count() == 1
            # Names with katakana readings, addresses in the member, a 地区 for everyone.
            for p in residents.filter(resident_type=ResidentType.JAPANESE)[:50]:
                assert p.family_name and p.given_name and p.family_name_kana and p.given_name_kana
                assert all("ァ" <= c <= "ヶ" or c == "ー" for c in p.family_name_kana + p.given_name_kana)
            assert all(a.startswith(f"埼玉県{demo_names.GUN[m.code]}{m.name}")
                       for a in residents.values_list("address", flat=True))
            assert not residents.filter(district="").exists()
            # Consistent: the projection is what the events fold into, and the register agrees with it.
            assert engine_asof.verify_projection() == []
            today = timezone.localdate()
            assert len(list(engine_asof.register_as_of(today))) == n
            kinds = Counter(RegistryEvent.objects.values_list("kind", flat=True))
            assert kinds[EventKind.MOVE_IN] + kinds[EventKind.MOVE_IN_FROM_ABROAD] == Household.objects.count() - kinds[
                EventKind.HOUSEHOLD_SPLIT]
            # The age pyramid leans old: more people 45–74 than under 15.
            bands = Counter(statistics.band_of(statistics.age_on(b, today))
                            for b in residents.values_list("birth_date", flat=True) if b is not None)
            assert sum(bands[i] for i in range(9, 15)) > 2 * sum(bands[i] for i in range(3))
        month = today.replace(day=1)
        assert metering.usage([m.pk], "residents_held", [month])[m.pk][month] == n


def test_demo_is_reproducible_and_idempotent(loaded, muni_a):
    with _scope(muni_a):
        before = list(Person.objects.order_by("person_no").values_list("family_name", "given_name", "alphabet_name",
                                                                        "birth_date", "address"))
        events = RegistryEvent.objects.count()
    demo_data.residents(loaded)  # second run: the members already have residents
    with _scope(muni_a):
        assert RegistryEvent.objects.count() == events
    # The same seed plans the same register.
    day = timezone.localdate()

    def plan() -> list[tuple]:
        return [(p.relationship, p.family, p.given, p.birth, str(p.foreign)) for h in
                demo_plan.Planner(muni_a, 100, day).plan() for p in h.members]

    assert plan() == plan()
    # …and the register holds it: the first person recorded is the first one of the first household planned
    # the import records (its 転入, 出生, 転出 or 死亡: those are recorded first, in bulk through the import path).
    first = next(p for h in demo_plan.Planner(muni_a, 100, day).plan() if demo_bulk.by_import(h) for p in h.members)
    assert before[0][:4] == (first.family, first.given, (first.foreign or {}).get("alphabet_name", ""), first.birth)


def test_plan_has_households_of_every_kind_and_history():
    from lgcloud.platform.tenancy.models import Municipality

    m = Municipality(code="113018", prefecture="埼玉県", name="伊奈町", population=44000)
    plans = demo_plan.Planner(m, 3000, dt.date(2026, 11, 27)).plan()
    rels = Counter(p.relationship for h in plans for p in h.members)
    for rel in ("妻", "子", "父", "母", "子の妻", "子の子"):
        assert rels[rel] > 0, rel
    sizes = Counter(len(h.members) for h in plans)
    assert sizes[1] > 0 and sizes[2] > 0 and max(sizes) >= 5
    assert any(h.moves_out for h in plans) and any(p.dies_on for h in plans for p in h.members)
    assert any(h.split for h in plans) and any(h.moves_within for h in plans)
    assert any(p.born_here for h in plans for p in h.members)
    statuses = Counter(p.foreign["residence_status"] for h in plans for p in h.members if p.foreign)
    assert statuses["技能実習"] > 0 and statuses["永住者"] > 0


def test_scale_zero_makes_no_residents(group, muni_a):
    demo_data.residents(DemoContext(group=group, members=[muni_a], scale=0))
    with _scope(muni_a):
        assert not Person.objects.exists()
