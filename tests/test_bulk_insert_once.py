"""`bulk.insert_once` (INSERT … SELECT FROM unnest over binary arrays, pipelined): the rows `bulk.insert` writes,
written once; row-level security's WITH CHECK refuses a row of another municipality and nothing is written."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.db import DatabaseError, transaction

from lgcloud.areas.taxation.models import Assessment
from lgcloud.platform.interchange import bulk

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="PostgreSQL only (the unnest path)")

COLUMNS = ("id", "municipality_id", "fiscal_year", "person_no", "version", "reason", "assessed_on", "is_current",
           "full_name", "input_hash", "parameter_version", "facts", "result", "total", "collection_method",
           "installments")


def _rows(first: int, municipality_id: int, n: int, offset: int) -> list[tuple]:
    return [(first + k, municipality_id, 2026, offset + k, 1, "当初賦課", dt.date(2026, 6, 1), k % 2 == 0,
             f"試験　{k}", "h" * 64, "p" * 64, {"age": k, "spouse": None, "名": "𠮷"}, {"total": k * 100, "x": [1.5]},
             k * 100, "ordinary_collection", [{"installment": 1, "due_on": "2026-06-30", "amount": k * 100}])
            for k in range(n)]


@pytest.mark.django_db(transaction=True)
def test_insert_once_writes_what_insert_writes(muni_a, muni_b, as_municipality):
    with as_municipality(muni_a), transaction.atomic():
        first = bulk.allocate_ids(Assessment, 2_500)
        assert bulk.insert_once(Assessment, COLUMNS, _rows(first, muni_a.pk, 2_500, 0), chunk=1_000) == 2_500
        first = bulk.allocate_ids(Assessment, 30)
        bulk.insert(Assessment, COLUMNS, _rows(first, muni_a.pk, 30, 10_000))
    with as_municipality(muni_a):
        once = {a.person_no: a for a in Assessment.objects.filter(person_no__lt=10_000)}
        via_temp = {a.person_no - 10_000: a for a in Assessment.objects.filter(person_no__gte=10_000)}
        assert len(once) == 2_500
        for k, a in via_temp.items():
            b = once[k]
            for name in COLUMNS[2:]:
                if name != "person_no":
                    assert getattr(a, name) == getattr(b, name), name
        assert once[3].facts["名"] == "𠮷" and once[3].assessed_on == dt.date(2026, 6, 1) and not once[3].is_current
    # a row of another municipality: refused by the policy's WITH CHECK, and the whole call with it
    with as_municipality(muni_a):
        with pytest.raises(DatabaseError), transaction.atomic():
            first = bulk.allocate_ids(Assessment, 1_500)
            rows = _rows(first, muni_a.pk, 1_500, 20_000)
            rows[1_200] = _rows(first + 1_200, muni_b.pk, 1, 21_200)[0]
            bulk.insert_once(Assessment, COLUMNS, rows)
        assert not Assessment.objects.filter(person_no__gte=20_000).exists()
