"""国保税 rules (RULES.md §2) to the yen, the calculator `nhi-tax`, and property-based invariants."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from lgcloud.areas.insurance.calculators import nhi_tax
from lgcloud.areas.insurance.rules.nhi_tax import (
    Household,
    Member,
    NhiParameters,
    PartRates,
    assess,
    public_pension_income,
    reduce,
)
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.params.standard import standard_values

# The three example rate sets of RULES.md §2 (FY2025): (所得割 %, 均等割, 平等割) per part.
RATE_SETS: dict[str, dict[str, tuple[str, int, int]]] = {
    "yuzawa": {"medical": ("7.30", 17700, 13800), "elderly_support": ("3.60", 9400, 6100),
               "long_term_care": ("2.70", 9500, 4800)},
    "takahama": {"medical": ("4.84", 22000, 16000), "elderly_support": ("2.91", 12000, 8000),
                 "long_term_care": ("2.39", 12000, 6000)},
    "yamae": {"medical": ("8.00", 19000, 22000), "elderly_support": ("3.00", 7500, 6000),
              "long_term_care": ("2.50", 15000, 0)},
}
CAPS_2025 = {"medical": 660000, "elderly_support": 260000, "long_term_care": 170000}


def params(fy: int = 2025, rate_set: str = "yuzawa", **changes: Any) -> NhiParameters:
    values = standard_values("nhi_tax.", fy)
    base = NhiParameters.from_values(fy, values)
    parts = dict(base.parts)
    for part, (rate, pc, ph) in RATE_SETS[rate_set].items():
        parts[part] = PartRates(Decimal(rate), pc, ph, parts[part].cap)
    fields = {**base.__dict__, "parts": parts, **changes}
    return NhiParameters(**fields)


SETOUCHI = Household((Member(age=72, pension_revenue=1_600_000, aggregate_income=500_000, household_head=True),))
AYASE = Household((
    Member(age=45, salary_revenue=4_000_000, aggregate_income=2_760_000, household_head=True),
    Member(age=43, aggregate_income=0),
    Member(age=12, aggregate_income=0),
    Member(age=9, aggregate_income=0),
))


# --- the worked examples -------------------------------------------------------------------------


def test_setouchi_inputs_give_base_70000_reduction_test_income_350000_and_7wari() -> None:
    result = assess(SETOUCHI, params())
    assert public_pension_income(1_600_000, 72) == 500_000
    assert result.reduction.income == 350_000 and result.reduction.reduction == 70
    # 所得割 base 70,000: 7.30% of it is the 所得割 of the medical part
    assert int(result.parts["medical"].income_levy) == 5_110


@pytest.mark.parametrize(("rate_set", "medical", "support"), [
    ("yuzawa", 14_500, 7_100),  # 5,110 + 5,310 + 4,140 = 14,560; 2,520 + 2,820 + 1,830 = 7,170
    ("takahama", 14_700, 8_000),  # 3,388 + 6,600 + 4,800; 2,037 + 3,600 + 2,400
    ("yamae", 17_900, 6_100),  # 5,600 + 5,700 + 6,600; 2,100 + 2,250 + 1,800
])
def test_setouchi_household_under_each_rate_set_of_rules(rate_set: str, medical: int, support: int) -> None:
    result = assess(SETOUCHI, params(rate_set=rate_set))
    assert (result.amount("medical"), result.amount("elderly_support"), result.amount("long_term_care")) == (
        medical, support, 0)


@pytest.mark.skip(reason="Setouchi's and Ayase's own FY2025 rates are not in RULES.md §2 (only Yuzawa, Takahama and "
                         "Yamae are given, and none reproduces 21,500 + 7,200 or 258,300: see the tests above and "
                         "below) nor in shared/data (seed_facts.json, cloud_groups_2016.csv, municipality_codes.csv "
                         "hold no rates); one figure per part cannot determine three unknowns (所得割率, 均等割, "
                         "平等割), so fill SETOUCHI_RATES / AYASE_RATES from the cited municipal pages")
def test_published_figures_setouchi_28700_and_ayase_258300() -> None:  # pragma: no cover
    raise AssertionError


@pytest.mark.parametrize(("rate_set", "medical", "support", "care"), [
    ("yuzawa", 254_600, 127_500, 86_700),  # 170,090 + 70,800 + 13,800; 83,880 + 37,600 + 6,100; 62,910 + 19,000 + 4,800
    ("takahama", 216_700, 123_800, 85_600),  # 112,772 + 88,000 + 16,000; 67,803 + 48,000 + 8,000; 55,687 + 24,000 + 6,000
    ("yamae", 284_400, 105_900, 88_250 // 100 * 100),  # 186,400 + 76,000 + 22,000; 69,900 + 30,000 + 6,000; 58,250 + 30,000
])
def test_ayase_household_no_reduction_under_each_rate_set(rate_set: str, medical: int, support: int,
                                                          care: int) -> None:
    result = assess(AYASE, params(rate_set=rate_set))
    assert result.reduction.reduction is None
    assert result.reduction.limit20 == 430_000 + 560_000 * 4 < 2_760_000
    assert (result.amount("medical"), result.amount("elderly_support"), result.amount("long_term_care")) == (
        medical, support, care)
    assert result.parts["long_term_care"].insured_count == 2


# --- reductions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("fy", "income", "expected"), [
    (2024, 430_000, 70), (2024, 430_001, 50), (2024, 430_000 + 295_000, 50), (2024, 430_000 + 295_001, 20),
    (2024, 430_000 + 545_000, 20), (2024, 430_000 + 545_001, None),
    (2025, 430_000 + 305_000, 50), (2025, 430_000 + 560_000, 20), (2025, 430_000 + 560_001, None),
    (2026, 430_000 + 310_000, 50), (2026, 430_000 + 570_000, 20),
])
def test_reduction_thresholds_per_fiscal_year(fy: int, income: int, expected: int | None) -> None:
    household = Household((Member(age=50, aggregate_income=income, household_head=True),))
    assert assess(household, params(fy)).reduction.reduction == expected


def test_second_earner_raises_the_base_by_100000() -> None:
    household = Household((
        Member(age=50, salary_revenue=600_000, aggregate_income=275_000, household_head=True),
        Member(age=50, salary_revenue=600_000, aggregate_income=255_000),
    ))
    test = assess(household, params()).reduction
    assert test.earners == 2 and test.limit70 == 530_000 and test.reduction == 70


def test_nominal_household_head_is_not_charged_but_his_income_counts() -> None:
    household = Household((
        Member(age=50, insured=False, salary_revenue=3_000_000, aggregate_income=2_020_000, household_head=True),
        Member(age=48, aggregate_income=0),
    ))
    result = assess(household, params())
    assert result.reduction.reduction is None and result.reduction.persons == 1
    assert result.parts["medical"].insured_count == 1
    assert result.amount("medical") == 17_700 + 13_800 - 0  # the wife's 均等割 and the 平等割 only


def test_undeclared_income_means_no_reduction() -> None:
    household = Household((Member(age=50, aggregate_income=0, income_declared=False, household_head=True),))
    result = assess(household, params())
    assert result.reduction.reduction is None and "申告" in result.reduction.reason
    assert result.amount("medical") == 31_500


def test_preschool_child_gets_half_of_the_reduced_per_capita_levy() -> None:
    household = Household((
        Member(age=30, aggregate_income=0, household_head=True),
        Member(age=3, aggregate_income=0, preschool=True),
    ))
    result = assess(household, params())
    assert result.reduction.reduction == 70
    # parent 5,310 + child 5,310 − 2,655 + 平等割 4,140 = 12,105
    assert result.amount("medical") == 12_100
    # 支援: 2,820 + 1,410 + 1,830 = 6,060
    assert result.amount("elderly_support") == 6_000


def test_reduction_rounding_method_is_a_member_parameter() -> None:
    assert reduce(17_755, 70, "reduce_then_truncate") == 17_755 - 12_428 == 5_327
    assert reduce(17_755, 70, "truncate_after_reduction") == 5_326
    assert reduce(17_700, 70, "reduce_then_truncate") == reduce(17_700, 70, "truncate_after_reduction") == 5_310


def test_specified_household_halves_the_per_household_levy_and_counts_the_former_insured() -> None:
    household = Household((
        Member(age=72, aggregate_income=0, household_head=True),
        Member(age=76, insured=False, former_insured=True, aggregate_income=0),
    ), specified="specified")
    result = assess(household, params())
    assert result.reduction.persons == 2 and result.reduction.reduction == 70
    assert int(result.parts["medical"].per_household_levy) == 6_900 - 4_830  # 13,800 / 2, then 7割 off
    continuing = assess(Household(household.members, specified="specified_continuing"), params())
    assert int(continuing.parts["medical"].per_household_levy) == 10_350 - 7_245


def test_caps_per_part_and_year() -> None:
    rich = Household((Member(age=50, aggregate_income=30_000_000, household_head=True),))
    for fy, (medical, support, care) in {2024: (650_000, 240_000, 170_000), 2025: (660_000, 260_000, 170_000),
                                         2026: (670_000, 260_000, 170_000)}.items():
        result = assess(rich, NhiParameters.from_values(fy, standard_values("nhi_tax.", fy)))
        assert (result.amount("medical"), result.amount("elderly_support"), result.amount("long_term_care")) == (
            medical, support, care)
        assert result.parts["medical"].capped
    assert assess(rich, NhiParameters.from_values(2026, standard_values("nhi_tax.", 2026))).amount(
        "child_support") == 30_000


def test_child_support_part_from_fy2026_with_minors_exempt_from_its_per_capita_levy() -> None:
    household = Household((
        Member(age=40, aggregate_income=2_430_000, household_head=True),
        Member(age=10, aggregate_income=0),
    ))
    assert "child_support" not in NhiParameters.from_values(2025, standard_values("nhi_tax.", 2025)).parts
    result = assess(household, NhiParameters.from_values(2026, standard_values("nhi_tax.", 2026)))
    # 2,000,000 × 0.30% + 1,500 (adult; the child's is exempt) + 900 = 8,400
    assert result.amount("child_support") == 8_400


def test_monthly_proration_for_joining_in_october() -> None:
    full = Household((Member(age=30, aggregate_income=2_430_000, household_head=True),))
    half = Household((Member(age=30, aggregate_income=2_430_000, months_insured=6, household_head=True),))
    assert assess(full, params()).amount("medical") == 177_500  # 146,000 + 17,700 + 13,800
    assert assess(half, params()).amount("medical") == 88_700  # 88,750


def test_long_term_care_part_only_for_40_to_64() -> None:
    household = Household((Member(age=39, aggregate_income=1_000_000, household_head=True),
                           Member(age=65, aggregate_income=0)))
    assert assess(household, params()).amount("long_term_care") == 0


# --- properties ----------------------------------------------------------------------------------

members = st.builds(
    Member,
    age=st.integers(0, 74),
    insured=st.just(True),
    salary_revenue=st.integers(0, 20_000_000),
    pension_revenue=st.integers(0, 5_000_000),
    aggregate_income=st.integers(0, 30_000_000),
    months_insured=st.integers(1, 12),
    preschool=st.booleans(),
    # the other fields at their defaults (hypothesis would otherwise draw them for a named tuple)
    minor=st.none(),
    long_term_care_months=st.none(),
    household_head=st.just(False),
    former_insured=st.just(False),
    income_declared=st.just(True),
    property_tax=st.just(0),
    pension_income=st.none(),
)
households = st.lists(members, min_size=1, max_size=6).map(tuple)
fiscal_years = st.sampled_from([2024, 2025, 2026])


@settings(max_examples=150, deadline=None)
@given(households, fiscal_years, st.sampled_from(["reduce_then_truncate", "truncate_after_reduction"]))
def test_property_reductions_never_raise_and_caps_hold(ms: tuple[Member, ...], fy: int, rounding: str) -> None:
    p = NhiParameters(**{**NhiParameters.from_values(fy, standard_values("nhi_tax.", fy)).__dict__,
                         "rounding": rounding})
    reduced = assess(Household(ms), p)
    undeclared = assess(Household((ms[0]._replace(income_declared=False), *ms[1:])), p)
    assert reduced.total <= undeclared.total
    for part, r in reduced.parts.items():
        assert 0 <= r.amount <= p.parts[part].cap and r.amount % 100 == 0
        assert r.amount <= undeclared.parts[part].amount


@settings(max_examples=150, deadline=None)
@given(households, fiscal_years, st.integers(0, 12))
def test_property_twelve_months_is_the_annual_amount(ms: tuple[Member, ...], fy: int, months: int) -> None:
    p = NhiParameters.from_values(fy, standard_values("nhi_tax.", fy))
    annual = assess(Household(tuple(m._replace(months_insured=12) for m in ms)), p)
    prorated = assess(Household(tuple(m._replace(months_insured=months) for m in ms)), p)
    if months == 12:
        assert prorated.total == annual.total
    assert prorated.total <= annual.total
    if months == 0:
        assert prorated.total == 0


# --- the calculator ------------------------------------------------------------------------------


def test_calculator_with_a_rate_table_and_parameters() -> None:
    out = nhi_tax({
        "fiscal_year": 2025,
        "household": [{"age": 72, "insured": True, "pension_revenue": 1_600_000, "aggregate_income": 500_000}],
        "rates": {"medical": {"income_rate": "4.84", "per_capita": 22000, "per_household": 16000},
                  "elderly_support": {"income_rate": 2.91, "per_capita": 12000, "per_household": 8000}},
    })
    assert (out["medical"], out["elderly_support"], out["long_term_care"], out["child_support"]) == (
        14_700, 8_000, 0, 0)
    assert out["reduction"] == 70 and out["total"] == 22_700
    assert out["breakdown"]["reduction_test"]["income"] == 350_000
    capped = nhi_tax({"fiscal_year": 2026, "household": [{"age": 50, "insured": True,
                                                          "aggregate_income": 50_000_000}],
                      "rates": {"medical": {"cap": 500000}}, "parameters": {"nhi_tax.child_support.levy_cap": 20000}})
    assert capped["medical"] == 500_000 and capped["child_support"] == 20_000


@pytest.mark.parametrize(("data", "field"), [
    ({"household": []}, "fiscal_year"),
    ({"fiscal_year": 2025}, "household"),
    ({"fiscal_year": 2025, "household": [{"insured": True, "aggregate_income": 0}]}, "household[0].age"),
    ({"fiscal_year": 2025, "household": [{"age": "x", "insured": True, "aggregate_income": 0}]}, "household[0].age"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": "yes", "aggregate_income": 0}]},
     "household[0].insured"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0, "months_insured": 13}]},
     "household[0].months_insured"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0, "income": 1}]},
     "household[0].income"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0}], "extra": 1}, "extra"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0}],
      "rates": {"dental": {}}}, "rates.dental"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0}],
      "rates": {"medical": {"income_rate": 99}}}, "rates.medical.income_rate"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0}],
      "rates": {"child_support": {"per_capita": 1}}}, "rates.child_support"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0}],
      "parameters": {"nhi_tax.reduction.rounding": "round"}}, "parameters.nhi_tax.reduction.rounding"),
    ({"fiscal_year": 2025, "household": [{"age": 3, "insured": True, "aggregate_income": 0}],
      "parameters": {"resident_tax.x": 1}}, "parameters.resident_tax.x"),
    ({"fiscal_year": 2019, "household": [{"age": 3, "insured": True, "aggregate_income": 0}]}, "fiscal_year"),
])
def test_calculator_names_the_bad_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        nhi_tax(data)
    assert e.value.field == field


def test_calc_command_prints_json_and_exits_2_on_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {"fiscal_year": 2025, "household": [{"age": 45, "insured": True, "aggregate_income": 2_760_000,
                                                "salary_revenue": 4_000_000},
                                               {"age": 43, "insured": True, "aggregate_income": 0}]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    out = io.StringIO()
    call_command("calc", "nhi-tax", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) >= {"medical", "elderly_support", "long_term_care", "child_support", "reduction", "total",
                           "breakdown", "parameters"}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"fiscal_year": 2025})))
    with pytest.raises(CommandError, match="household") as e:
        call_command("calc", "nhi-tax")
    assert e.value.returncode == 2
