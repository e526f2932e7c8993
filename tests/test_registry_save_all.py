"""engine.save_all writes every column as `save()` would: on PostgreSQL the rows go as one JSON array through
jsonb_populate_recordset, on SQLite as a UNION of bound rows. Each kind of column (text, dates and no date, booleans,
integers, the household's id, a JSON column with nested values and Japanese text) is read back as it was set."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from lgcloud.areas.registry import engine
from lgcloud.areas.registry.models import Household, Person, Status
from lgcloud.platform.tenancy.scoping import CrossTenantWrite

pytestmark = pytest.mark.django_db


def _items(p: Person) -> dict[str, object]:
    return {f.attname: getattr(p, f.attname) for f in Person._meta.concrete_fields}


def test_save_all_writes_every_column_and_reads_back_the_same(in_a, muni_b, as_municipality):
    h1 = Household.objects.create(household_no=901, address="伊奈町小室1")
    h2 = Household.objects.create(household_no=902, address="伊奈町小室2")
    people = [Person.objects.create(person_no=9000 + i, resident_type="japanese", sex="female", household=h1)
              for i in range(3)]
    people[0].family_name, people[0].given_name_kana = "髙橋", "ハナコ"
    people[0].birth_date, people[0].death_date = dt.date(1950, 2, 28), None
    people[0].benefits = {"国保": {"資格": True, "記号": "い-1", "番号": [1, 2, None]}, "note": "a\"b\\c"}
    people[0].electoral_registered = True
    people[1].household_id, people[1].household_order = h2.pk, 3
    people[1].notes = "改行\nと'引用符'"
    people[1].postal_code = 3620000  # not a str: stored as Django would, str(value)
    people[2].status, people[2].removed_on, people[2].household_id = Status.REMOVED, dt.date(2026, 11, 1), None
    for p in people:
        p.version += 1
    with transaction.atomic():
        engine.save_all(people)
    people[1].postal_code = "3620000"
    for p in people:
        assert _items(Person.objects.get(pk=p.pk)) == _items(p)
    h1.address, h1.head_id = "伊奈町小室3", people[0].pk
    with transaction.atomic():
        engine.save_all([h1])
    assert Household.objects.get(pk=h1.pk).address == "伊奈町小室3"
    assert Household.objects.get(pk=h1.pk).head_id == people[0].pk
    # Another municipality's scope refuses the rows before anything is sent.
    with as_municipality(muni_b), pytest.raises(CrossTenantWrite):
        engine.save_all(people)
