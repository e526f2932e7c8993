"""児童手当 rules (RULES.md §3) and the calculator `child-allowance`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lgcloud.areas.welfare.calculators import child_allowance
from lgcloud.areas.welfare.rules.child_allowance import (
    AllowanceParameters,
    Child,
    first_month,
    march31_after,
    monthly_amounts,
    months_covered,
    payment_amount,
)
from lgcloud.platform.common.errors import ValidationFailed

P = AllowanceParameters()
D = dt.date


def amounts(children: list[Child], month: dt.date) -> list[tuple[int | None, int]]:
    return [(r.order, r.monthly_amount) for r in monthly_amounts(children, month, P)]


def test_bands_under3_from3_and_third_child() -> None:
    kids = [Child(D(2012, 5, 1)), Child(D(2020, 7, 7)), Child(D(2025, 1, 20))]
    assert amounts(kids, D(2026, 12, 1)) == [(1, 10_000), (2, 10_000), (3, 30_000)]
    assert amounts(kids[1:], D(2026, 12, 1)) == [(1, 10_000), (2, 15_000)]


def test_order_counts_supported_young_adults_up_to_22() -> None:
    student = Child(D(2005, 6, 1), supported=True)  # 21 in 2026, counted but not paid
    kids = [student, Child(D(2015, 3, 3)), Child(D(2024, 11, 11))]
    assert amounts(kids, D(2026, 12, 1)) == [(1, 0), (2, 10_000), (3, 30_000)]
    # not supported: not counted, so the youngest is the 第2子
    not_supported = [Child(D(2005, 6, 1), supported=False), *kids[1:]]
    assert amounts(not_supported, D(2026, 12, 1)) == [(None, 0), (1, 10_000), (2, 15_000)]
    # a young adult past 31 March after the 22nd birthday no longer counts
    old = [Child(D(2004, 3, 1)), *kids[1:]]
    assert amounts(old, D(2026, 12, 1)) == [(None, 0), (1, 10_000), (2, 15_000)]


def test_high_school_age_ends_31_march_after_18_with_the_1_april_birthday_a_year_earlier() -> None:
    assert march31_after(D(2008, 4, 2), 18) == D(2027, 3, 31)
    assert march31_after(D(2008, 4, 1), 18) == D(2026, 3, 31)
    assert amounts([Child(D(2008, 4, 1))], D(2026, 3, 1)) == [(1, 10_000)]
    assert amounts([Child(D(2008, 4, 1), supported=False)], D(2026, 4, 1)) == [(None, 0)]
    assert amounts([Child(D(2008, 4, 1), supported=True)], D(2026, 4, 1)) == [(1, 0)]


def test_under3_until_the_month_of_the_third_birthday() -> None:
    kid = [Child(D(2023, 6, 15))]
    assert amounts(kid, D(2026, 6, 1)) == [(1, 15_000)]
    assert amounts(kid, D(2026, 7, 1)) == [(1, 10_000)]


def test_start_month_with_the_15_day_rule() -> None:
    assert first_month(D(2026, 5, 10), D(2026, 4, 28), P) == D(2026, 5, 1)  # 12 days: counts as April
    assert first_month(D(2026, 5, 13), D(2026, 4, 28), P) == D(2026, 5, 1)  # 15 days
    assert first_month(D(2026, 5, 14), D(2026, 4, 28), P) == D(2026, 6, 1)  # 16 days
    assert first_month(D(2026, 5, 20), None, P) == D(2026, 6, 1)


def test_payment_months_cover_the_two_previous_months() -> None:
    assert months_covered(D(2024, 12, 10)) == (D(2024, 10, 1), D(2024, 11, 1))
    assert months_covered(D(2026, 2, 1)) == (D(2025, 12, 1), D(2026, 1, 1))
    with pytest.raises(ValueError):
        months_covered(D(2026, 3, 1))
    kids = [Child(D(2020, 1, 1)), Child(D(2025, 9, 1))]
    total, rows = payment_amount(kids, D(2026, 2, 1), P, entitled_from=D(2025, 10, 1))
    assert total == 2 * (10_000 + 15_000) and len(rows) == 2
    total, rows = payment_amount(kids, D(2026, 2, 1), P, entitled_from=D(2026, 1, 1))
    assert total == 25_000 and rows == [(D(2026, 1, 1), 25_000)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dates(D(2000, 1, 1), D(2026, 11, 30)), min_size=1, max_size=6))
def test_property_amounts_are_from_the_table_and_orders_are_consecutive(births: list[dt.date]) -> None:
    rows = monthly_amounts([Child(b) for b in births], D(2026, 11, 1), P)
    assert all(r.monthly_amount in (0, 10_000, 15_000, 30_000) for r in rows)
    orders = sorted(r.order for r in rows if r.order is not None)
    assert orders == list(range(1, len(orders) + 1))


def test_calculator() -> None:
    out = child_allowance({"as_of": "2026-12-01", "children": [
        {"birth_date": "2005-06-01", "supported": True}, {"birth_date": "2015-03-03"},
        {"birth_date": "2024-11-11", "supported": True}]})
    assert out["monthly_total"] == 40_000
    assert [(c["order"], c["monthly_amount"]) for c in out["children"]] == [(1, 0), (2, 10_000), (3, 30_000)]


@pytest.mark.parametrize(("data", "field"), [
    ({"children": [{"birth_date": "2020-01-01"}]}, "as_of"),
    ({"as_of": "2026-13-01", "children": [{"birth_date": "2020-01-01"}]}, "as_of"),
    ({"as_of": "2024-09-01", "children": [{"birth_date": "2020-01-01"}]}, "as_of"),
    ({"as_of": "2026-01-01"}, "children"),
    ({"as_of": "2026-01-01", "children": [{}]}, "children[0].birth_date"),
    ({"as_of": "2026-01-01", "children": [{"birth_date": "2027-01-01"}]}, "children[0].birth_date"),
    ({"as_of": "2026-01-01", "children": [{"birth_date": "2020-01-01", "supported": 1}]}, "children[0].supported"),
    ({"as_of": "2026-01-01", "children": [{"birth_date": "2020-01-01", "name": "x"}]}, "children[0].name"),
    ({"as_of": "2026-01-01", "children": [{"birth_date": "2020-01-01"}], "parameters": {"nhi_tax.x": 1}},
     "parameters.nhi_tax.x"),
])
def test_calculator_names_the_bad_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        child_allowance(data)
    assert e.value.field == field
