"""The annual 国保税 batch's own evaluation path equals the reference one: facts built by `batch.facts_of` are those of
`services.household_facts` (and so are the rule's results and the run's input digest), over generated households
(one or several coverage periods per person, a householder without coverage, 特定世帯, missing incomes and births)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from lgcloud.areas.insurance import batch, services
from lgcloud.areas.insurance.rules.nhi_tax import NhiParameters, PartRates, assess


class Cov(NamedTuple):
    person_no: int
    coverage_start: dt.date
    coverage_end: dt.date | None
    former_insured: bool


class Inc(NamedTuple):
    person_no: int
    aggregate_income: int
    salary_revenue: int
    pension_revenue: int
    declared: bool


class Hh(NamedTuple):
    pk: int
    household_no: int
    head_person_no: int
    specified_since: dt.date | None


FY = 2026
dates = st.dates(dt.date(FY - 2, 1, 1), dt.date(FY + 2, 6, 30))
births = st.one_of(st.none(), st.dates(dt.date(1940, 1, 1), dt.date(FY, 12, 31)))
incomes = st.one_of(st.none(), st.builds(Inc, st.just(0), st.integers(0, 9_000_000), st.integers(0, 9_000_000),
                                         st.integers(0, 4_000_000), st.booleans()))


@st.composite
def households(draw: st.DrawFn) -> tuple[Hh, list[Cov], dict[int, Inc], dict[int, dt.date | None]]:
    persons = draw(st.lists(st.integers(1, 40), min_size=1, max_size=5, unique=True))
    head = draw(st.sampled_from(persons)) if draw(st.booleans()) else draw(st.integers(1, 40))
    rows: list[Cov] = []
    for no in persons:
        for _ in range(draw(st.integers(0, 3) if draw(st.integers(0, 9)) == 0 else st.just(1))):
            start = draw(dates)
            end = draw(st.one_of(st.none(), dates.filter(lambda d, s=start: d >= s)))
            rows.append(Cov(no, start, end, draw(st.booleans())))
    rows = draw(st.permutations(rows))
    everyone = {*persons, head}
    found_incomes = {no: i._replace(person_no=no) for no in everyone if (i := draw(incomes)) is not None}
    found_births = {no: draw(births) for no in everyone if draw(st.integers(0, 9))}
    since = draw(st.one_of(st.none(), st.dates(dt.date(FY - 10, 1, 1), dt.date(FY, 3, 31))))
    return Hh(1, 7, head, since), rows, found_incomes, found_births


PARAMS = NhiParameters(FY, {
    "medical": PartRates(income_rate=Decimal("7.1"), per_capita=28_000, per_household=21_000,
                         cap=660_000),
    "elderly_support": PartRates(income_rate=Decimal("2.6"), per_capita=10_000,
                                 per_household=7_500, cap=260_000),
    "long_term_care": PartRates(income_rate=Decimal("2.1"), per_capita=12_000,
                                per_household=6_000, cap=170_000),
    "child_support": PartRates(income_rate=Decimal("0.3"), per_capita=1_200,
                               per_household=900, cap=30_000),
})


@settings(max_examples=400, deadline=None)
@given(households())
def test_batch_facts_equal_the_reference_facts(case: tuple[Hh, list[Cov], dict[int, Inc], dict[int, dt.date | None]]
                                               ) -> None:
    household, rows, found_incomes, found_births = case
    reference = services.household_facts(household, FY, coverages=rows, incomes=found_incomes,
                                         births=found_births).facts
    fast = batch.facts_of(household, rows, FY, found_incomes, found_births)
    assert fast == reference
    # the same digest bytes (bools stay bools) and the same result to the yen, breakdown included
    assert orjson.dumps(fast, default=tuple) == orjson.dumps(reference, default=tuple)
    assert assess(fast, PARAMS) == assess(reference, PARAMS)
