"""国民健康保険税 (nhi_tax) of one household for one fiscal year: pure function of facts and parameters.

Parts (RULES.md §2): 医療分 `medical`, 後期高齢者支援金分 `elderly_support`, 介護納付金分
`long_term_care` (insured aged 40–64) and from FY2026 子ども・子育て支援納付金分 `child_support`.
Each part = 所得割 (rate × Σ max(0, 総所得金額等 − 基礎控除)) + 資産割 + 均等割 (per insured person)
+ 平等割 (per household), each prorated by the months insured (月割), the 均等割 and 平等割 reduced by
the statutory 7割・5割・2割 軽減 (and the 未就学児 reduction after it), the 平等割 first reduced for a
特定世帯 / 特定継続世帯; the part is capped (賦課限度額) and truncated to 100 yen.

Yen fractions of a reduction are handled per the member parameter `nhi_tax.reduction.rounding`:
`reduce_then_truncate` computes the reduction truncated to the yen and subtracts it; `truncate_after_reduction`
truncates the reduced amount.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

PARTS = ("medical", "elderly_support", "long_term_care", "child_support")
PART_LABELS = {
    "medical": "医療分",
    "elderly_support": "後期高齢者支援金分",
    "long_term_care": "介護納付金分",
    "child_support": "子ども・子育て支援納付金分",
}
ROUNDINGS = ("reduce_then_truncate", "truncate_after_reduction")
SPECIFIED = ("", "specified", "specified_continuing")
PRESCHOOL_PARTS = ("medical", "elderly_support")  # the 未就学児 均等割 reduction applies to these parts


@dataclass(frozen=True)
class PartRates:
    """One part's rate table of a member: 所得割率 (%), 均等割, 平等割, 賦課限度額, 資産割率 (%)."""

    income_rate: Decimal
    per_capita: int
    per_household: int
    cap: int
    asset_rate: Decimal = Decimal(0)


@dataclass(frozen=True)
class NhiParameters:
    """The parameter set of one fiscal year (standard or a member's values)."""

    fiscal_year: int
    parts: Mapping[str, PartRates]
    basic_deduction: int = 430_000
    reduction_base: int = 430_000
    per_earner_addition: int = 100_000
    rate50_per_person: int = 305_000
    rate20_per_person: int = 560_000
    pension_special_deduction: int = 150_000
    salary_earner_threshold: int = 550_000
    pension_earner_threshold_under65: int = 600_000
    pension_earner_threshold_65: int = 1_250_000
    preschool_reduction_rate: Decimal = Decimal(50)
    minor_child_support_reduction_rate: Decimal = Decimal(100)
    specified_household_rate: Decimal = Decimal(50)
    specified_continuing_household_rate: Decimal = Decimal(25)
    rounding: str = "reduce_then_truncate"

    @classmethod
    def from_values(cls, fiscal_year: int, values: Mapping[str, Any]) -> NhiParameters:
        """Build from catalogue values `nhi_tax.*` (a part is present when its rates are)."""

        def v(name: str) -> Any:
            return values[f"nhi_tax.{name}"]

        parts: dict[str, PartRates] = {}
        for part in PARTS:
            if f"nhi_tax.{part}.income_rate" not in values:
                continue
            parts[part] = PartRates(
                income_rate=Decimal(v(f"{part}.income_rate")),
                per_capita=int(v(f"{part}.per_capita")),
                per_household=int(v(f"{part}.per_household")),
                cap=int(v(f"{part}.levy_cap")),
                asset_rate=Decimal(values.get(f"nhi_tax.{part}.asset_rate", 0)),
            )
        return cls(
            fiscal_year=fiscal_year,
            parts=parts,
            basic_deduction=int(v("income_basic_deduction")),
            reduction_base=int(v("reduction.base_amount")),
            per_earner_addition=int(v("reduction.per_earner_addition")),
            rate50_per_person=int(v("reduction.rate50_per_person")),
            rate20_per_person=int(v("reduction.rate20_per_person")),
            pension_special_deduction=int(v("reduction.pension_special_deduction")),
            salary_earner_threshold=int(v("reduction.salary_earner_threshold")),
            pension_earner_threshold_under65=int(v("reduction.pension_earner_threshold_under65")),
            pension_earner_threshold_65=int(v("reduction.pension_earner_threshold_65")),
            preschool_reduction_rate=Decimal(v("preschool_reduction_rate")),
            minor_child_support_reduction_rate=Decimal(
                values.get("nhi_tax.child_support.minor_per_capita_reduction_rate", 0)
            ),
            specified_household_rate=Decimal(v("specified_household.per_household_reduction_rate")),
            specified_continuing_household_rate=Decimal(
                v("specified_continuing_household.per_household_reduction_rate")
            ),
            rounding=str(v("reduction.rounding")),
        )


class Member(NamedTuple):
    """A person of the 国保 household (insured, the 擬制世帯主, or a 特定同一世帯所属者). A named tuple: the annual
    batch builds hundreds of thousands of them, and equal facts hash equal (results are reused per distinct
    input)."""

    age: int
    insured: bool = True
    salary_revenue: int = 0
    pension_revenue: int = 0
    aggregate_income: int = 0  # 総所得金額等
    months_insured: int = 12
    preschool: bool = False
    minor: bool | None = None  # under 18 until 31 March (子ども・子育て支援 均等割); default age < 18
    long_term_care_months: int | None = None  # default months_insured when 40 ≤ age ≤ 64
    household_head: bool = False
    former_insured: bool = False  # 特定同一世帯所属者 (moved to 後期高齢者医療, still in the household)
    income_declared: bool = True
    property_tax: int = 0  # 固定資産税額 (basis of 資産割)
    pension_income: int | None = None  # 公的年金等に係る雑所得; default derived from pension_revenue

    def months_in(self, part: str) -> int:
        if not self.insured:
            return 0
        if part == "long_term_care":
            if self.long_term_care_months is not None:
                return self.long_term_care_months
            return self.months_insured if 40 <= self.age <= 64 else 0
        return self.months_insured

    @property
    def is_minor(self) -> bool:
        return self.age < 18 if self.minor is None else self.minor


class Household(NamedTuple):
    members: tuple[Member, ...]
    specified: str = ""  # "" / "specified" (特定世帯, 5 years) / "specified_continuing" (6–8 years)


class PartResult(NamedTuple):
    """One part's levies (yen, fractions truncated as shown in the breakdown; the part's amount is computed from
    their exact sum)."""

    part: str
    income_levy: int = 0
    asset_levy: int = 0
    per_capita_levy: int = 0
    per_household_levy: int = 0
    before_cap: int = 0
    capped: bool = False
    amount: int = 0
    insured_count: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The part as stored in a breakdown (its label is PART_LABELS[part]: not repeated in every stored row)."""
        return {
            "income_levy": self.income_levy,
            "asset_levy": self.asset_levy,
            "per_capita_levy": self.per_capita_levy,
            "per_household_levy": self.per_household_levy,
            "before_cap": self.before_cap,
            "capped": self.capped,
            "amount": self.amount,
            "insured_count": self.insured_count,
        }


PART_FIELDS = PartResult._fields[1:]  # a stored part's list: income_levy, asset_levy, … , insured_count


def part_rows(breakdown: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The parts of a stored breakdown by name, each as a dict with its label (reads the compact lists and the
    dicts stored before them)."""
    out: dict[str, dict[str, Any]] = {}
    for part, row in breakdown.get("parts", {}).items():
        fields = dict(zip(PART_FIELDS, row, strict=True)) if isinstance(row, list) else dict(row)
        out[part] = {**fields, "label": PART_LABELS[part]}
    return out


class ReductionTest(NamedTuple):
    reduction: int | None
    income: int
    earners: int
    persons: int
    limit70: int
    limit50: int
    limit20: int
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


_REDUCTION_FIELDS = ReductionTest._fields


@dataclass
class NhiTaxResult:
    fiscal_year: int
    parts: dict[str, PartResult]
    reduction: ReductionTest
    total: int = 0
    notes: list[str] = field(default_factory=list)

    def amount(self, part: str) -> int:
        return self.parts[part].amount if part in self.parts else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "fiscal_year": self.fiscal_year,
            **{p: self.amount(p) for p in PARTS},
            "reduction": self.reduction.reduction,
            "total": self.total,
            "breakdown": {"parts": {p: {"label": PART_LABELS[p], **r.as_dict()} for p, r in self.parts.items()},
                          "reduction_test": self.reduction.as_dict()},
        }

    def amounts(self) -> tuple[int, int, int, int]:
        """Each part's amount in PARTS order (0 where the part does not apply)."""
        get = self.parts.get  # (PARTS spelt out: no generator per household of the annual batch)
        m, e, c, ch = get("medical"), get("elderly_support"), get("long_term_care"), get("child_support")
        return (m.amount if m is not None else 0, e.amount if e is not None else 0,
                c.amount if c is not None else 0, ch.amount if ch is not None else 0)

    def breakdown(self) -> dict[str, Any]:
        """The breakdown as stored with the assessment, compact: each part a list of its levies in PART_FIELDS order
        (no labels, no key repeated in every row of the annual batch); `part_rows` reads it back."""
        parts = {}
        for p, r in self.parts.items():
            parts[p] = list(r[1:])
        return {"parts": parts, "reduction_test": dict(zip(_REDUCTION_FIELDS, self.reduction, strict=True))}


# 公的年金等控除 (national law, RULES.md §1; other income ≤ 10 million). Used only to find the pension income
# the 150,000 rule of the reduction test applies to, when the pension income is not given.
def public_pension_income(revenue: int, age: int) -> int:
    minimum = 1_100_000 if age >= 65 else 600_000
    if revenue <= (3_300_000 if age >= 65 else 1_300_000):
        deduction = minimum
    elif revenue <= 4_100_000:
        deduction = revenue * 25 // 100 + 275_000
    elif revenue <= 7_700_000:
        deduction = revenue * 15 // 100 + 685_000
    elif revenue <= 10_000_000:
        deduction = revenue * 5 // 100 + 1_455_000
    else:
        deduction = 1_955_000
    return max(0, revenue - deduction)


def reduction_test(household: Household, p: NhiParameters) -> ReductionTest:
    persons = earners = income = 0
    undeclared = False
    for m in household.members:
        if m.insured or m.former_insured:
            persons += 1
        elif not m.household_head:
            continue  # not counted for the reduction
        age = m.age
        pension_limit = p.pension_earner_threshold_65 if age >= 65 else p.pension_earner_threshold_under65
        if m.salary_revenue > p.salary_earner_threshold or m.pension_revenue > pension_limit:
            earners += 1
        own = m.aggregate_income
        if age >= 65 and m.pension_revenue > 0:
            pension_income = m.pension_income
            if pension_income is None:
                pension_income = public_pension_income(m.pension_revenue, age)
            own -= min(p.pension_special_deduction, pension_income)
        if own > 0:
            income += own
        if not m.income_declared:
            undeclared = True
    base = p.reduction_base + (p.per_earner_addition * (earners - 1) if earners >= 2 else 0)
    limit70, limit50, limit20 = base, base + p.rate50_per_person * persons, base + p.rate20_per_person * persons
    reduction: int | None = None
    reason = ""
    if undeclared:
        reason = "所得の申告がない者がいるため軽減なし"
    elif persons == 0:
        reason = "被保険者がいない"
    elif income <= limit70:
        reduction = 70
    elif income <= limit50:
        reduction = 50
    elif income <= limit20:
        reduction = 20
    return ReductionTest(reduction, income, earners, persons, limit70, limit50, limit20, reason)


@lru_cache(maxsize=256)
def _percent(rate_percent: Decimal | int) -> Fraction:
    return Fraction(Decimal(rate_percent)) / 100


@lru_cache(maxsize=256)
def _ratio(rate_percent: Decimal | int) -> tuple[int, int]:
    """A percentage as an exact ratio numerator / denominator of integers."""
    rate = _percent(rate_percent)
    return rate.numerator, rate.denominator


@lru_cache(maxsize=4096)
def reduce(amount: int, rate_percent: Decimal | int, rounding: str) -> int:
    """`amount` less `rate_percent`% of it, yen fractions handled by the member's rounding method."""
    rate = _percent(rate_percent)
    if rate == 0:
        return amount
    if rounding == "truncate_after_reduction":
        return int(amount * (1 - rate))  # floor: amounts are non-negative
    return amount - int(amount * rate)


class _Sums(NamedTuple):
    """A part's member sums: insured persons, Σ months, Σ months of 未就学児 and of minors, the longest months,
    Σ (所得割 base × months) and Σ (固定資産税 × months)."""

    persons: int
    months: int
    preschool_months: int
    minor_months: int
    max_months: int
    income: int
    asset: int


_NONE = _Sums(0, 0, 0, 0, 0, 0, 0)


def _sums(household: Household, basic_deduction: int) -> tuple[_Sums, _Sums]:
    """The member sums of the parts that follow the months insured (医療分, 支援金分, 子ども・子育て支援分) and of the
    介護分 (its own months), in one pass over the members."""
    count = months_sum = preschool = minor = longest = income = asset = 0
    care_count = care_sum = care_longest = care_income = care_asset = 0
    for m in household.members:
        if not m.insured:
            continue
        base = m.aggregate_income - basic_deduction
        months = m.months_insured
        if months > 0:
            count += 1
            months_sum += months
            if months > longest:
                longest = months
            if base > 0:
                income += base * months
            if m.property_tax:
                asset += m.property_tax * months
            if m.preschool:
                preschool += months
            if m.age < 18 if m.minor is None else m.minor:
                minor += months
        care = m.long_term_care_months
        if care is None:
            care = months if 40 <= m.age <= 64 else 0
        if care > 0:
            care_count += 1
            care_sum += care
            if care > care_longest:
                care_longest = care
            if base > 0:
                care_income += base * care
            if m.property_tax:
                care_asset += m.property_tax * care
    common = _Sums(count, months_sum, preschool, minor, longest, income, asset) if count else _NONE
    care_sums = _Sums(care_count, care_sum, 0, 0, care_longest, care_income, care_asset) if care_count else _NONE
    return common, care_sums


class _Unit(NamedTuple):
    """One part's amounts for a reduction and a 特定世帯 kind: 均等割 (plain, and the differences for a 未就学児 and
    a minor), 平等割, the rates as ratios of integers and the cap."""

    part: str
    per_capita: int
    preschool_delta: int
    minor_delta: int
    per_household: int
    income_ratio: tuple[int, int]
    asset_ratio: tuple[int, int]
    cap: int


def _unit(part: str, rates: PartRates, p: NhiParameters, statutory: int, specified: str) -> _Unit:
    rounding = p.rounding
    plain = reduce(rates.per_capita, statutory, rounding)
    preschool = reduce(plain, p.preschool_reduction_rate, rounding) - plain if part in PRESCHOOL_PARTS else 0
    minor = reduce(plain, p.minor_child_support_reduction_rate, rounding) - plain if part == "child_support" else 0
    per_household = rates.per_household
    if specified == "specified":
        per_household = reduce(per_household, p.specified_household_rate, rounding)
    elif specified == "specified_continuing":
        per_household = reduce(per_household, p.specified_continuing_household_rate, rounding)
    per_household = reduce(per_household, statutory, rounding)
    return _Unit(part, plain, preschool, minor, per_household, _ratio(rates.income_rate), _ratio(rates.asset_rate),
                 rates.cap)


# Units per parameter set (by identity, the set kept alive beside them so that an id is never reused while
# cached), reduction and 特定世帯 kind: a batch computes them once instead of once per household.
_UNITS: dict[tuple[int, int, str], tuple[NhiParameters, tuple[_Unit, ...]]] = {}


def _units(p: NhiParameters, statutory: int, specified: str) -> tuple[_Unit, ...]:
    key = (id(p), statutory, specified)
    cached = _UNITS.get(key)
    if cached is not None and cached[0] is p:
        return cached[1]
    units = tuple(_unit(part, rates, p, statutory, specified) for part, rates in p.parts.items())
    if len(_UNITS) >= 256:
        _UNITS.clear()
    _UNITS[key] = (p, units)
    return units


def assess(household: Household, p: NhiParameters) -> NhiTaxResult:
    """The household's 国保税 for the fiscal year with its breakdown."""
    if p.rounding not in ROUNDINGS:
        raise ValueError(f"unknown rounding {p.rounding!r}")
    if household.specified not in SPECIFIED:
        raise ValueError(f"unknown specified-household kind {household.specified!r}")
    test = reduction_test(household, p)
    common, care = _sums(household, p.basic_deduction)
    parts: dict[str, PartResult] = {}
    total = 0
    for u in _units(p, test.reduction or 0, household.specified):
        s = care if u.part == "long_term_care" else common
        if not s.persons:
            parts[u.part] = PartResult(u.part)
            continue
        # Σ over members of amount × months / 12, summed exactly in integers and divided once (the same rational
        # numbers as a per-member sum of fractions, computed much faster for the annual batch). The 未就学児
        # reduction applies to the 医療分 and 支援金分 only, the minors' one to the 子ども・子育て支援分 only.
        capita_sum = u.per_capita * s.months + u.preschool_delta * s.preschool_months + u.minor_delta * s.minor_months
        household_sum = u.per_household * s.max_months
        # exact total = income_rate × income_sum / 12 + asset_rate × asset_sum / 12 + (capita + household) / 12,
        # as one integer numerator over a common denominator (parts are truncated to 100 yen after the cap)
        ia, ib = u.income_ratio
        aa, ab = u.asset_ratio
        denominator = 12 * ib * ab
        numerator = ia * s.income * ab + aa * s.asset * ib + (capita_sum + household_sum) * ib * ab
        amount = min(numerator, u.cap * denominator) // denominator // 100 * 100
        parts[u.part] = PartResult(u.part, ia * s.income // (12 * ib), aa * s.asset // (12 * ab), capita_sum // 12,
                                   household_sum // 12, numerator // denominator // 100 * 100,
                                   numerator > u.cap * denominator, amount, s.persons)
        total += amount
    return NhiTaxResult(p.fiscal_year, parts, test, total)
