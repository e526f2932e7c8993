"""Cost sharing, what-if, savings against the goal and 特別交付税 estimates for a group.

Everything here reads aggregates (costs, meters, populations), never residents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db import transaction
from django.db.models import Sum

from lgcloud.audit import services as audit
from lgcloud.common.errors import NotFound, ValidationFailed
from lgcloud.common.wareki import format_fiscal_year
from lgcloud.costs import rules
from lgcloud.costs.meters import METERS, usage_for_fiscal_year
from lgcloud.costs.models import CostKind, CostPhase, CostRecord, PopulationSource, SharedCost, SharingFormula
from lgcloud.params import services as params
from lgcloud.tenancy.codes import lookup
from lgcloud.tenancy.models import Group, Municipality


def fiscal_year_start(fy: int) -> dt.date:
    return dt.date(fy, 4, 1)


def formula_for(group: Group, fiscal_year: int) -> SharingFormula:
    formula = (
        SharingFormula.objects.filter(group=group, fiscal_year__lte=fiscal_year).order_by("-fiscal_year").first()
    )
    if formula is None:
        raise NotFound(f"{group}の{format_fiscal_year(fiscal_year)}に適用する負担割合の算定式が登録されていません。")
    return formula


def weights_of(formula: SharingFormula) -> rules.Weights:
    return rules.Weights(
        equal=Decimal(formula.equal_weight),
        population=Decimal(formula.population_weight),
        usage={k: Decimal(str(v)) for k, v in formula.usage_weights.items()},
        population_exponent=Decimal(formula.population_exponent),
    )


@transaction.atomic
def set_formula(
    group: Group,
    fiscal_year: int,
    *,
    equal: str | Decimal,
    population: str | Decimal,
    usage: dict[str, str | Decimal] | None = None,
    population_exponent: str | Decimal = "1",
    population_source: str = PopulationSource.REGISTERED,
    note: str = "",
) -> SharingFormula:
    """Validate and store the group's sharing formula from a fiscal year on."""
    try:
        weights = rules.Weights(
            equal=Decimal(str(equal)),
            population=Decimal(str(population)),
            usage={k: Decimal(str(v)) for k, v in (usage or {}).items()},
            population_exponent=Decimal(str(population_exponent)),
        )
    except ArithmeticError:
        raise ValidationFailed("負担割合の比率は数値で入力してください。", field="weights") from None
    weights.validate(known_meters=set(METERS))
    if population_source not in PopulationSource.values:
        raise ValidationFailed("人口の基準が正しくありません。", field="population_source")
    formula, _ = SharingFormula.objects.update_or_create(
        group=group,
        fiscal_year=fiscal_year,
        defaults={
            "equal_weight": weights.equal,
            "population_weight": weights.population,
            "usage_weights": {k: str(v) for k, v in weights.usage.items()},
            "population_exponent": weights.population_exponent,
            "population_source": population_source,
            "note": note,
        },
    )
    audit.record("costs.formula_set", obj=formula, municipality=None,
                 detail={"group": group.name, "fiscal_year": fiscal_year})
    return formula


def shared_total(group: Group, fiscal_year: int) -> int:
    return SharedCost.objects.filter(group=group, fiscal_year=fiscal_year).aggregate(t=Sum("amount"))["t"] or 0


@dataclass
class WhatIf:
    join_code: str | None = None
    join_population: int | None = None
    leave_code: str | None = None


@dataclass
class SharesReport:
    group: Group
    fiscal_year: int
    formula: SharingFormula
    result: rules.ShareResult
    population_source: str
    what_if: WhatIf | None = None
    hypothetical_codes: set[str] = field(default_factory=set)


def _members_for(group: Group, fiscal_year: int) -> list[Municipality]:
    return list(group.members_on(fiscal_year_start(fiscal_year)).order_by("code"))


def compute_shares(group: Group, fiscal_year: int, what_if: WhatIf | None = None) -> SharesReport:
    """Every member's share of the group's shared costs for a fiscal year, optionally with a member
    joining or leaving (what-if); nothing is written."""
    formula = formula_for(group, fiscal_year)
    weights = weights_of(formula)
    members = _members_for(group, fiscal_year)
    hypothetical: set[str] = set()
    if what_if and what_if.leave_code:
        if what_if.leave_code not in {m.code for m in members}:
            raise ValidationFailed(f"団体コード {what_if.leave_code} は{group}の構成団体ではありません。", field="leave")
        members = [m for m in members if m.code != what_if.leave_code]
    ids = [m.pk for m in members]
    usage = {meter: usage_for_fiscal_year(ids, meter, fiscal_year) for meter in weights.usage}
    if formula.population_source == PopulationSource.METER:
        populations = usage_for_fiscal_year(ids, "residents_held", fiscal_year)
    else:
        populations = {m.pk: m.population or 0 for m in members}
    inputs = [
        rules.MemberInput(m.code, m.name, populations[m.pk], {k: usage[k][m.pk] for k in usage}) for m in members
    ]
    if what_if and what_if.join_code:
        entry = lookup(what_if.join_code)
        if entry.code in {m.code for m in members}:
            raise ValidationFailed(f"{entry.full_name}は既に構成団体です。", field="join")
        known = Municipality.objects.filter(code=entry.code).first()
        population = what_if.join_population or (known.population if known else None)
        if not population or population <= 0:
            raise ValidationFailed(f"{entry.full_name}の人口を入力してください（団体コード表に人口はありません）。",
                                   field="population")
        # A newcomer has no meter history: assume the group's average usage per resident.
        total_pop = sum(i.population for i in inputs) or 1
        est = {k: round(Fraction(sum(usage[k].values()), total_pop) * population) for k in usage}
        inputs.append(rules.MemberInput(entry.code, entry.city, population, est))
        hypothetical.add(entry.code)
    result = rules.compute_shares(shared_total(group, fiscal_year), inputs, weights)
    if hypothetical and weights.usage:
        result.notes.append("加入を想定した団体の利用量は、グループの住民1人あたり平均利用量から推計しています。")
    return SharesReport(group, fiscal_year, formula, result, formula.get_population_source_display(), what_if,
                        hypothetical)


def part_label(name: str) -> str:
    if name == "equal":
        return "均等割"
    if name == "population":
        return "人口割"
    meter = name.split(":", 1)[1]
    spec = METERS.get(meter)
    return f"利用割（{spec.label if spec else meter}）"


def shares_as_dict(report: SharesReport) -> dict:
    """The JSON shape of `lgcloud costs shares --format json` and the API."""
    r = report.result
    return {
        "group": report.group.name,
        "fiscal_year": report.fiscal_year,
        "total": r.total,
        "formula": {
            "from_fiscal_year": report.formula.fiscal_year,
            "equal": str(r.weights.equal),
            "population": str(r.weights.population),
            "usage": {k: str(v) for k, v in r.weights.usage.items()},
            "population_exponent": str(r.weights.population_exponent),
            "population_source": report.formula.population_source,
        },
        "members": [
            {
                "code": line.code,
                "name": line.name,
                "hypothetical": line.code in report.hypothetical_codes,
                "population": line.population,
                "share": line.share,
                "exact": str(_dec(line.exact_yen)),
                "rounded_up": line.rounded_up,
                "breakdown": [
                    {
                        "part": p.name,
                        "label": part_label(p.name),
                        "weight": str(p.weight),
                        "basis": str(_dec(p.basis)),
                        "basis_total": str(_dec(p.basis_total)),
                        "ratio": str(_dec(p.ratio, 8)),
                        "yen": str(_dec(p.exact_yen)),
                    }
                    for p in line.parts
                ],
            }
            for line in r.lines
        ],
        "sum_of_shares": sum(line.share for line in r.lines),
        "notes": r.notes,
    }


def _dec(x: Fraction, places: int = 2) -> Decimal:
    q = Decimal(1).scaleb(-places)
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(q)


# --- savings against the goal ------------------------------------------------------------------


@dataclass
class MemberSavings:
    municipality: Municipality
    population: int
    baseline_fiscal_year: int | None
    baseline_per_year: int
    own_actual: int
    shared_share: int
    years: int

    @property
    def actual_total(self) -> int:
        return self.own_actual + self.shared_share

    @property
    def actual_per_year(self) -> Fraction:
        return Fraction(self.actual_total, self.years) if self.years else Fraction(0)

    @property
    def reduction(self) -> Fraction | None:
        if self.baseline_per_year <= 0:
            return None
        return rules.reduction_ratio(self.baseline_per_year, self.actual_total, self.years)

    @property
    def baseline_per_resident(self) -> Fraction | None:
        return Fraction(self.baseline_per_year, self.population) if self.population else None

    @property
    def actual_per_resident(self) -> Fraction | None:
        return self.actual_per_year / self.population if self.population else None


@dataclass
class GroupSavings:
    group: Group
    start_fy: int
    end_fy: int
    goal: Fraction
    members: list[MemberSavings]
    yearly: list[tuple[int, int, int]]  # (fiscal year, baseline for the members then, actual incl. shared)

    @property
    def years(self) -> int:
        return self.end_fy - self.start_fy + 1

    @property
    def baseline_per_year(self) -> int:
        return sum(m.baseline_per_year for m in self.members)

    @property
    def actual_total(self) -> int:
        return sum(m.actual_total for m in self.members)

    @property
    def reduction(self) -> Fraction | None:
        if self.baseline_per_year <= 0:
            return None
        return rules.reduction_ratio(self.baseline_per_year, self.actual_total, self.years)

    @property
    def goal_met(self) -> bool:
        r = self.reduction
        return r is not None and r >= self.goal


def reduction_goal(fiscal_year: int) -> Fraction:
    raw = params.standard_raw(params.get_parameter("costs.reduction_goal"), fiscal_year)
    return Fraction(Decimal(raw)) / 100


def savings(group: Group, start_fy: int, end_fy: int) -> GroupSavings:
    """Per member and for the group: baseline (latest baseline year before start_fy) against what was
    spent from start_fy to end_fy — own actual costs plus the member's share of the shared costs."""
    if end_fy < start_fy:
        raise ValidationFailed("期間の終了年度は開始年度以降を指定してください。", field="end_fy")
    if end_fy - start_fy > 30:
        raise ValidationFailed("期間は30年度以内で指定してください。", field="end_fy")
    members = list(
        Municipality.objects.filter(memberships__group=group).distinct().order_by("code")
    )
    shares: dict[int, dict[str, int]] = {}
    yearly = []
    for fy in range(start_fy, end_fy + 1):
        try:
            report = compute_shares(group, fy)
            shares[fy] = {line.code: line.share for line in report.result.lines}
        except NotFound:
            shares[fy] = {}
    out = []
    for m in members:
        records = CostRecord.objects.filter(group=group, municipality=m)
        baseline_fy = (
            records.filter(phase=CostPhase.BASELINE, fiscal_year__lt=start_fy)
            .order_by("-fiscal_year").values_list("fiscal_year", flat=True).first()
        )
        baseline = 0
        if baseline_fy is not None:
            baseline = records.filter(phase=CostPhase.BASELINE, fiscal_year=baseline_fy).aggregate(
                t=Sum("amount"))["t"] or 0
        own = records.filter(phase=CostPhase.ACTUAL, fiscal_year__gte=start_fy, fiscal_year__lte=end_fy).aggregate(
            t=Sum("amount"))["t"] or 0
        share = sum(shares[fy].get(m.code, 0) for fy in shares)
        out.append(MemberSavings(m, m.population or 0, baseline_fy, baseline, own, share, end_fy - start_fy + 1))
    for fy in range(start_fy, end_fy + 1):
        own_fy = CostRecord.objects.filter(group=group, phase=CostPhase.ACTUAL, fiscal_year=fy).aggregate(
            t=Sum("amount"))["t"] or 0
        yearly.append((fy, sum(x.baseline_per_year for x in out), own_fy + shared_total(group, fy)))
    return GroupSavings(group, start_fy, end_fy, reduction_goal(end_fy), out, yearly)


# --- 特別交付税措置 ------------------------------------------------------------------------------

SPECIAL_ALLOCATION_ITEMS = (
    ("plan", "共同化計画の策定"),
    ("consultant", "導入コンサルタント"),
    ("migration", "データ移行"),
    ("training", "実務処理研修"),
)


@dataclass
class SpecialAllocationEstimate:
    municipality: Municipality
    fiscal_year: int
    rate: Decimal
    factor: Decimal
    lines: list[tuple[str, int, int]]  # (label, surveyed, estimate)

    @property
    def surveyed_total(self) -> int:
        return sum(s for _, s, _ in self.lines)

    @property
    def total(self) -> int:
        return sum(e for _, _, e in self.lines)


def special_allocation(municipality: Municipality, fiscal_year: int, surveyed: dict[str, int]) -> SpecialAllocationEstimate:
    rate = Decimal(params.standard_raw(params.get_parameter("costs.special_allocation_rate"), fiscal_year)) / 100
    factor = params.value("costs.fiscal_capacity_factor", fiscal_year, municipality)
    assert isinstance(factor, Decimal)
    lines = []
    for key, label in SPECIAL_ALLOCATION_ITEMS:
        amount = surveyed.get(key, 0)
        lines.append((label, amount, rules.special_allocation_estimate(amount, rate, factor)))
    return SpecialAllocationEstimate(municipality, fiscal_year, rate, factor, lines)


def group_of_kind_totals(group: Group, fiscal_year: int) -> dict[str, int]:
    rows = SharedCost.objects.filter(group=group, fiscal_year=fiscal_year).values("kind").annotate(t=Sum("amount"))
    totals = {k: 0 for k in CostKind.values}
    for row in rows:
        totals[row["kind"]] = row["t"]
    return totals
