"""個人住民税 and 固定資産税 rules (RULES.md §1, §4): worked examples to the yen, thresholds, invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lgcloud.areas.taxation.rules import property_tax as pt
from lgcloud.areas.taxation.rules import resident_tax as rt
from lgcloud.areas.taxation.rules.installments import split
from lgcloud.areas.taxation.rules.params import ParamSet, catalogue, standard_values
from lgcloud.platform.common.errors import ValidationFailed


def calc(fy: int = 2026, overrides: dict | None = None, **facts) -> rt.ResidentTaxResult:
    facts.setdefault("age", 40)
    return rt.calculate(rt.ResidentTaxFacts(fiscal_year=fy, **facts), ParamSet.standard(fy, overrides))


def step(result, name: str) -> dict:
    return next(s for s in result.breakdown if s["step"] == name)


# --- worked examples -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fy", [2024, 2025, 2026])
def test_kamifurano_worked_example_totals_256500(fy):
    r = calc(fy, salary_revenue=5_779_320, social_insurance_paid=1_210_601)
    assert r.employment_income == 4_180_800
    assert r.deductions == 1_640_601
    assert r.taxable_base == 2_540_000
    assert step(r, "municipal_income_levy_before_credits")["amount"] == 152_400
    assert step(r, "prefectural_income_levy_before_credits")["amount"] == 101_600
    assert step(r, "adjustment_credit_municipal")["amount"] == 1_500
    assert step(r, "adjustment_credit_prefectural")["amount"] == 1_000
    assert (r.municipal_income_levy, r.prefectural_income_levy) == (150_900, 100_600)
    assert r.total == 256_500
    # the breakdown names the parameters each step used
    assert step(r, "taxable_base")["parameters"] == {"resident_tax.rounding.tax_base_unit": 1000}
    assert step(r, "municipal_income_levy_before_credits")["parameters"]["resident_tax.rate.municipal"] == "6"


def test_boundary_pair_single_grade1_fy2026_is_0_then_6500():
    low = calc(2026, salary_revenue=1_100_000, grade=1)
    assert low.total_income == 450_000 and low.exempt == "both" and low.total == 0
    assert low.forest_environment_tax == 0
    high = calc(2026, salary_revenue=1_110_000, grade=1)
    assert high.total_income == 460_000 and high.taxable_base == 30_000 and high.exempt == "none"
    assert step(high, "municipal_income_levy_before_credits")["amount"] == 1_800
    assert step(high, "adjustment_credit_municipal")["amount"] == 900
    assert (high.municipal_income_levy, high.prefectural_income_levy) == (900, 600)
    assert high.total == 6_500


# --- 給与所得 and 公的年金等控除 --------------------------------------------------------------------------------

@pytest.mark.parametrize(("fy", "revenue", "income"), [
    (2025, 550_999, 0), (2025, 551_000, 1_000), (2025, 1_618_999, 1_068_999), (2025, 1_619_000, 1_069_000),
    (2025, 1_620_000, 1_070_000), (2025, 1_622_000, 1_072_000), (2025, 1_624_000, 1_074_000),
    (2025, 1_627_999, 1_074_000), (2025, 1_628_000, 1_076_800), (2025, 1_799_999, 1_177_600),
    (2025, 1_800_000, 1_180_000), (2025, 3_599_999, 2_437_200), (2025, 3_600_000, 2_440_000),
    (2025, 5_779_320, 4_180_800), (2025, 6_599_999, 4_836_800), (2025, 6_600_000, 4_840_000),
    (2025, 8_499_999, 6_549_999), (2025, 8_500_000, 6_550_000), (2025, 10_000_000, 8_050_000),
    (2021, 1_619_000, 1_069_000),
    (2026, 650_999, 0), (2026, 651_000, 1_000), (2026, 1_620_000, 970_000), (2026, 1_899_999, 1_249_999),
    (2026, 1_900_000, 1_250_000), (2026, 5_779_320, 4_180_800),
])
def test_employment_income_table_boundaries(fy, revenue, income):
    assert rt.employment_income(revenue, ParamSet.standard(fy)) == income


@pytest.mark.parametrize(("revenue", "age", "income"), [
    (3_300_000, 65, 2_200_000), (1_100_000, 65, 0), (1_100_001, 65, 1), (4_100_000, 65, 2_800_000),
    (1_300_000, 64, 700_000), (600_001, 64, 1), (8_000_000, 70, 8_000_000 - 1_855_000),
    (12_000_000, 70, 12_000_000 - 1_955_000),
])
def test_pension_income_boundaries(revenue, age, income):
    r = calc(2026, pension_revenue=revenue, age=age)
    assert r.pension_income == income


def test_pension_deduction_is_smaller_with_other_income_above_10_and_20_million():
    p = ParamSet.standard(2026)
    assert rt.pension_deduction(2_000_000, 70, 10_000_000, p) == 1_100_000
    assert rt.pension_deduction(2_000_000, 70, 10_000_001, p) == 1_000_000
    assert rt.pension_deduction(2_000_000, 70, 20_000_001, p) == 900_000


def test_income_adjustment_when_both_salary_and_pension():
    r = calc(2026, salary_revenue=3_000_000, pension_revenue=3_000_000, age=66)
    assert step(r, "income_adjustment")["amount"] == 100_000
    assert r.employment_income == 2_020_000 - 100_000


# --- deductions --------------------------------------------------------------------------------------------

def test_basic_deduction_tiers():
    assert step(calc(other_income=24_000_000), "basic_deduction")["amount"] == 430_000
    assert step(calc(other_income=24_000_001), "basic_deduction")["amount"] == 290_000
    assert step(calc(other_income=24_500_001), "basic_deduction")["amount"] == 150_000
    assert step(calc(other_income=25_000_001), "basic_deduction")["amount"] == 0


def test_spouse_deduction_and_the_fy2026_limit():
    assert step(calc(salary_revenue=5_000_000, spouse=rt.Spouse(0, 40)), "spouse_deduction")["amount"] == 330_000
    assert step(calc(salary_revenue=5_000_000, spouse=rt.Spouse(0, 70)), "spouse_deduction")["amount"] == 380_000
    assert step(calc(other_income=9_000_001, spouse=rt.Spouse(0, 40)), "spouse_deduction")["amount"] == 220_000
    # 500,000 of spouse income: 配偶者特別控除 in FY2025 (limit 480,000), 配偶者控除 in FY2026 (limit 580,000)
    assert step(calc(2025, salary_revenue=5_000_000, spouse=rt.Spouse(500_000, 40)),
                "spouse_special_deduction")["amount"] == 330_000
    assert step(calc(2026, salary_revenue=5_000_000, spouse=rt.Spouse(500_000, 40)),
                "spouse_deduction")["amount"] == 330_000
    assert step(calc(2025, salary_revenue=5_000_000, spouse=rt.Spouse(1_330_001, 40)),
                "spouse_special_deduction")["amount"] == 0


def test_dependants_kinds_and_specific_relative_from_fy2026():
    deps = (rt.Dependant(0, 10), rt.Dependant(0, 17), rt.Dependant(0, 20), rt.Dependant(0, 75),
            rt.Dependant(0, 80, living_together=True))
    r = calc(salary_revenue=6_000_000, dependants=deps)
    amounts = [s["amount"] for s in r.breakdown if s["step"] == "dependent_deduction"]
    assert amounts == [330_000, 450_000, 380_000, 450_000]
    student = (rt.Dependant(900_000, 20),)
    assert step(calc(2026, salary_revenue=6_000_000, dependants=student),
                "specific_relative_deduction")["amount"] == 450_000
    assert step(calc(2026, salary_revenue=6_000_000, dependants=(rt.Dependant(1_000_000, 21),)),
                "specific_relative_deduction")["amount"] == 410_000
    assert step(calc(2025, salary_revenue=6_000_000, dependants=student),
                "specific_relative_deduction")["amount"] == 0


# --- exemption, per capita, rates ---------------------------------------------------------------------------

@pytest.mark.parametrize(("grade", "limit"), [(1, 450_000), (2, 415_000), (3, 380_000)])
def test_per_capita_exemption_by_grade_single(grade, limit):
    assert calc(other_income=limit, grade=grade).exempt == "both"
    assert calc(other_income=limit + 1, grade=grade).exempt != "both"


def test_exemption_thresholds_with_a_family_of_three():
    family = {"spouse": rt.Spouse(0, 40), "dependants": (rt.Dependant(0, 5),), "grade": 1}
    assert calc(other_income=1_360_000, **family).exempt == "both"  # 350,000×3 + 310,000
    r = calc(other_income=1_360_001, **family)
    assert r.exempt == "income_levy" and r.income_levy == 0 and r.total == 5_000
    assert calc(other_income=1_470_000, **family).exempt == "income_levy"  # 350,000×3 + 420,000
    assert calc(other_income=1_470_001, **family).exempt == "none"


def test_per_capita_before_fy2024_and_prefectural_surcharge():
    old = calc(2023, salary_revenue=5_000_000)
    assert (old.municipal_per_capita, old.prefectural_per_capita, old.forest_environment_tax) == (3_500, 1_500, 0)
    aichi = calc(2026, {"resident_tax.per_capita.prefectural_surcharge": 500}, salary_revenue=5_000_000)
    assert aichi.prefectural_per_capita == 1_500


def test_residence_only_pays_per_capita_without_forest_tax():
    r = calc(salary_revenue=5_000_000, residence_only=True)
    assert r.income_levy == 0 and r.per_capita == 4_000 and r.forest_environment_tax == 0


def test_designated_city_rates_and_credit_split():
    r = calc(2026, salary_revenue=5_779_320, social_insurance_paid=1_210_601, designated_city=True)
    assert step(r, "municipal_income_levy_before_credits")["amount"] == 203_200  # 8%
    assert step(r, "prefectural_income_levy_before_credits")["amount"] == 50_800  # 2%
    assert (r.municipal_income_levy, r.prefectural_income_levy) == (201_200, 50_300)
    assert calc(2026, salary_revenue=5_779_320, social_insurance_paid=1_210_601).income_levy == 251_500


def test_public_assistance_and_minor_are_exempt():
    assert calc(salary_revenue=3_000_000, public_assistance=True).exempt == "both"
    assert calc(salary_revenue=2_000_000, age=17).exempt == "both"


def test_fiscal_year_before_2021_has_no_parameters():
    with pytest.raises(ValidationFailed):
        standard_values(2020)


def test_every_parameter_has_a_value_from_fy2021_and_a_legal_basis():
    values = standard_values(2021)
    assert set(values) == set(catalogue())
    assert all(e["legal_basis"] and e["label"] for e in catalogue().values())


# --- invariants -------------------------------------------------------------------------------------------

incomes = st.integers(min_value=0, max_value=40_000_000)
spouses = st.none() | st.builds(rt.Spouse, st.integers(0, 2_000_000), st.integers(18, 95))
dependant_lists = st.lists(st.builds(rt.Dependant, st.integers(0, 1_500_000), st.integers(0, 95), st.booleans()),
                           max_size=4).map(tuple)


@settings(max_examples=200, deadline=None)
@given(fy=st.sampled_from([2021, 2023, 2024, 2025, 2026]), salary=incomes, pension=incomes, other=incomes,
       age=st.integers(18, 95), social=st.integers(0, 3_000_000), spouse=spouses, deps=dependant_lists,
       grade=st.sampled_from([1, 2, 3]), designated=st.booleans(), more=st.integers(1, 5_000_000),
       which=st.sampled_from(["salary_revenue", "pension_revenue", "other_income"]))
def test_never_negative_rounded_and_more_income_never_lowers_the_tax(fy, salary, pension, other, age, social,
                                                                      spouse, deps, grade, designated, more, which):
    facts = {"salary_revenue": salary, "pension_revenue": pension, "other_income": other, "age": age,
             "social_insurance_paid": social, "spouse": spouse, "dependants": deps, "grade": grade,
             "designated_city": designated}
    r = calc(fy, **facts)
    for value in (r.municipal_income_levy, r.prefectural_income_levy, r.municipal_per_capita,
                  r.prefectural_per_capita, r.forest_environment_tax, r.total, r.taxable_base):
        assert value >= 0
    assert r.taxable_base % 1000 == 0
    assert r.municipal_income_levy % 100 == 0 and r.prefectural_income_levy % 100 == 0
    assert r.total == r.income_levy + r.per_capita + r.forest_environment_tax
    facts[which] += more
    assert calc(fy, **facts).total >= r.total


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.tuples(st.integers(1, 2000), st.integers(0, 200_000_000), st.sampled_from(pt.RESIDENTIAL_KINDS),
                                 st.integers(1, 5), st.none() | st.integers(0, 100_000_000)), max_size=4),
       buildings=st.lists(st.integers(0, 100_000_000), max_size=3))
def test_property_tax_never_negative_and_rounded(values, buildings):
    land = [pt.LandItem(Decimal(a), v, prev, kind, d) for a, v, kind, d, prev in values]
    r = pt.calculate(2026, land, [pt.BuildingItem(v) for v in buildings], ParamSet.standard(2026))
    assert r.tax >= 0 and r.tax % 100 == 0 and r.tax_base % 1000 == 0
    amounts = [i["amount"] for i in r.installments]
    assert sum(amounts) == r.tax and all(a % 1000 == 0 for a in amounts[1:]) and min(amounts) >= 0
    for row in r.land:
        assert 0 <= row["tax_base"] <= row["value"]


# --- 固定資産税 ----------------------------------------------------------------------------------------------

def prop(land=(), buildings=(), rate=None, overrides=None):
    return pt.calculate(2026, list(land), [pt.BuildingItem(v) for v in buildings],
                        ParamSet.standard(2026, overrides), rate)


def test_exemption_floor_land_400000_building_150000_only_the_land_is_taxed():
    r = prop([pt.LandItem(Decimal(100), 400_000)], [150_000])
    assert (r.land_tax_base, r.building_tax_base, r.tax_base) == (400_000, 0, 400_000)
    assert r.tax == 5_600  # 400,000 × 1.4%


def test_exemption_floor_boundaries():
    assert prop([pt.LandItem(Decimal(50), 299_999)]).tax == 0
    assert prop([pt.LandItem(Decimal(50), 300_000)]).tax == 4_200
    assert prop(buildings=[199_999]).tax == 0
    assert prop(buildings=[200_000]).tax == 2_800
    # the floor applies to the owner's total per category, not per parcel
    assert prop([pt.LandItem(Decimal(50), 200_000), pt.LandItem(Decimal(50), 200_000)]).tax == 5_600


def test_residential_land_special_rule_one_sixth_to_200_m2_per_dwelling_then_one_third():
    r = prop([pt.LandItem(Decimal(300), 30_000_000, None, "small", 1)])
    assert r.land[0]["small_tax_base"] == 3_333_333 and r.land[0]["general_tax_base"] == 3_333_333
    assert r.land[0]["tax_base"] == 6_666_666 and r.tax_base == 6_666_000
    assert r.tax == 93_300  # 6,666,000 × 1.4% = 93,324 → 93,300
    assert [i["amount"] for i in r.installments] == [24_300, 23_000, 23_000, 23_000]
    assert [i["month"] for i in r.installments] == [4, 7, 12, 2]
    two = prop([pt.LandItem(Decimal(300), 30_000_000, None, "small", 2)])
    assert two.land[0]["tax_base"] == 5_000_000  # all 300 ㎡ within 2 × 200 ㎡
    general = prop([pt.LandItem(Decimal(300), 30_000_000, None, "general", 0)])
    assert general.land[0]["tax_base"] == 10_000_000


def test_burden_adjustment_within_20_and_100_percent():
    land = pt.LandItem(Decimal(300), 30_000_000, 5_000_000, "small", 1)
    assert prop([land]).land[0]["tax_base"] == 5_000_000 + 333_333
    low = pt.LandItem(Decimal(300), 30_000_000, 100_000, "small", 1)
    assert prop([low]).land[0]["tax_base"] == 1_333_333  # 20% of 6,666,666
    high = pt.LandItem(Decimal(300), 30_000_000, 7_000_000, "small", 1)
    assert prop([high]).land[0]["tax_base"] == 6_666_666


def test_rate_parameter_and_argument():
    assert prop(buildings=[1_000_000], rate=Decimal("1.7")).tax == 17_000
    assert prop(buildings=[1_000_000], overrides={"property_tax.rate": "1.5"}).tax == 15_000


def test_split_puts_the_remainder_on_the_first_instalment():
    assert split(93_300, 4, 1000) == [24_300, 23_000, 23_000, 23_000]
    assert split(2_500, 4, 1000) == [2_500, 0, 0, 0]
    assert split(100_000, 12, 100) == [8_700] + [8_300] * 11
    assert split(0, 4, 1000) == [0, 0, 0, 0]
