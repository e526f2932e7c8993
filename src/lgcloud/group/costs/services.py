"""Cost sharing, what-if, savings against the goal and 特別交付税 estimates for a group.

Everything here reads aggregates (costs, meters, populations), never residents.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import models, transaction
from django.db.models import Sum

from lgcloud.group.costs import rules
from lgcloud.group.costs.importing import MAX_AMOUNT
from lgcloud.group.costs.meters import METERS, usage_for_fiscal_year
from lgcloud.group.costs.models import (
    CostCategory,
    CostKind,
    CostPhase,
    CostRecord,
    PopulationSource,
    SharedCost,
    SharingFormula,
)
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_fiscal_year
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.codes import DATA_DIR, lookup
from lgcloud.platform.tenancy.models import Group, Municipality


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
    labelled = [("均等割の比率", weights.equal, 6), ("人口割の比率", weights.population, 6),
                *[(f"利用割（{k}）の比率", v, 6) for k, v in weights.usage.items()],
                ("人口の規模補正指数", weights.population_exponent, 10)]
    for label, value, _places in labelled:
        # NaN and Infinity parse as Decimal, and comparing NaN raises: refuse them here.
        if not value.is_finite():
            raise ValidationFailed(f"{label}は数値で入力してください（{value}）。", field="weights")
    weights.validate(known_meters=set(METERS))
    for label, value, places in labelled:
        # The columns keep 6 (exponent: 10) decimal places; more would be rounded on save and the
        # stored weights would no longer sum to 1.
        if value != value.quantize(Decimal(1).scaleb(-places)):
            raise ValidationFailed(f"{label}は小数点以下{places}桁までで入力してください（{value}）。", field="weights")
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
    _check_fiscal_year(fiscal_year)
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
    _check_fiscal_year(start_fy)
    _check_fiscal_year(end_fy)
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
        if not group.members_on(fiscal_year_start(fy)).exists():
            shares[fy] = {}  # nobody to share with yet (e.g. the year before the first member joined)
            continue
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


# --- helpers for the screens, exports and API ------------------------------------------------------

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９，－", "0123456789,-")


def parse_amount(raw: str | int | None, label: str = "金額") -> int:
    """Whole yen from a form field (全角 digits and thousands separators accepted), or a Japanese error."""
    text = str(raw if raw is not None else "").strip().translate(_FULLWIDTH_DIGITS).replace(",", "")
    if text.endswith("円"):
        text = text[:-1].strip()
    if not text:
        raise ValidationFailed(f"{label}を入力してください（0以上の整数、円）。", field="amount")
    if text.startswith("-") and text[1:].isascii() and text[1:].isdigit():
        raise ValidationFailed(f"{label}にマイナスは入力できません（入力値: {raw}）。", field="amount")
    if not (text.isascii() and text.isdigit()):
        raise ValidationFailed(f"{label}は0以上の整数（円）で入力してください（入力値: {raw}）。", field="amount")
    amount = int(text)
    if amount > MAX_AMOUNT:
        raise ValidationFailed(f"{label}が大きすぎます（上限 {MAX_AMOUNT:,}円）。", field="amount")
    return amount


def group_of(municipality: Municipality, on: dt.date | None = None) -> Group:
    """The group a municipality is a member of now (its administrator's costs belong to it)."""
    membership = municipality.current_membership(on)
    if membership is None:
        raise NotFound(f"{municipality}は現在どのグループの構成団体でもありません。")
    return membership.group


def _check_fiscal_year(fiscal_year: int) -> None:
    if not 2000 <= fiscal_year <= 2100:
        raise ValidationFailed("年度は西暦4桁で指定してください（例: 2026）。", field="fiscal_year")


@transaction.atomic
def set_cost_record(
    group: Group,
    municipality: Municipality,
    fiscal_year: int,
    *,
    phase: str,
    kind: str,
    category: str,
    amount: str | int,
    note: str = "",
    entered_by: str = "",
) -> CostRecord:
    """Add or update one of a member's own cost records (one per year, phase, kind and category)."""
    if not group.members_on_any_date().filter(pk=municipality.pk).exists():
        raise ValidationFailed(f"{municipality}は{group}の構成団体ではありません。", field="municipality")
    _check_fiscal_year(fiscal_year)
    if phase not in CostPhase.values:
        raise ValidationFailed("区分は「共同化前（基準）」か「共同化後」を選んでください。", field="phase")
    if kind not in CostKind.values:
        raise ValidationFailed("費用種別は「初期費用」か「運用費用」を選んでください。", field="kind")
    if category not in CostCategory.values:
        raise ValidationFailed("費目を一覧から選んでください。", field="category")
    yen = parse_amount(amount)
    record, created = CostRecord.objects.update_or_create(
        group=group, municipality=municipality, fiscal_year=fiscal_year, phase=phase, kind=kind, category=category,
        defaults={"amount": yen, "note": note[:200], "illustrative": False, "entered_by": entered_by[:150]},
    )
    audit.record("costs.record_set", obj=record, municipality=municipality,
                 detail={"fiscal_year": fiscal_year, "phase": phase, "kind": kind, "category": category,
                         "amount": yen, "created": created})
    return record


def cost_records(group: Group, municipality: Municipality | None = None,
                 fiscal_year: int | None = None) -> models.QuerySet[CostRecord]:
    qs = CostRecord.objects.filter(group=group).select_related("municipality")
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("fiscal_year", "municipality__code", "phase", "kind", "category")


def shared_costs(group: Group, fiscal_year: int | None = None) -> models.QuerySet[SharedCost]:
    qs = SharedCost.objects.filter(group=group)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return qs.order_by("fiscal_year", "kind", "category")


@dataclass
class YearTotals:
    fiscal_year: int
    baseline: int = 0
    actual: int = 0
    shared: int = 0
    records: int = 0
    illustrative: bool = False


def year_totals(group: Group, municipality: Municipality | None = None) -> list[YearTotals]:
    """Per fiscal year: the members' baseline and actual costs and (for the group) the shared costs."""
    years: dict[int, YearTotals] = {}
    rows = cost_records(group, municipality).order_by().values("fiscal_year", "phase").annotate(
        t=Sum("amount"), n=models.Count("id"), ill=models.Count("id", filter=models.Q(illustrative=True)))
    for row in rows:
        y = years.setdefault(row["fiscal_year"], YearTotals(row["fiscal_year"]))
        if row["phase"] == CostPhase.BASELINE:
            y.baseline += row["t"] or 0
        else:
            y.actual += row["t"] or 0
        y.records += row["n"]
        y.illustrative = y.illustrative or bool(row["ill"])
    if municipality is None:
        shared = shared_costs(group).order_by().values("fiscal_year").annotate(
            t=Sum("amount"), n=models.Count("id"), ill=models.Count("id", filter=models.Q(illustrative=True)))
        for row in shared:
            y = years.setdefault(row["fiscal_year"], YearTotals(row["fiscal_year"]))
            y.shared += row["t"] or 0
            y.records += row["n"]
            y.illustrative = y.illustrative or bool(row["ill"])
    return [years[fy] for fy in sorted(years)]


def is_illustrative(group: Group, municipality: Municipality | None = None) -> bool:
    """Whether any of the figures shown come from illustrative (例示) records."""
    if cost_records(group, municipality).filter(illustrative=True).exists():
        return True
    return municipality is None and SharedCost.objects.filter(group=group, illustrative=True).exists()


def percent(ratio: Fraction | None, places: int = 1) -> Decimal | None:
    """A ratio as a percentage rounded half up (0.446 → 44.6)."""
    if ratio is None:
        return None
    value = Decimal(ratio.numerator) * 100 / Decimal(ratio.denominator)
    return value.quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_UP)


def savings_as_dict(s: GroupSavings) -> dict[str, Any]:
    """The JSON shape of the savings API (the dashboard shows the same figures)."""
    return {
        "group": s.group.name,
        "start_fiscal_year": s.start_fy,
        "end_fiscal_year": s.end_fy,
        "years": s.years,
        "baseline_per_year": s.baseline_per_year,
        "baseline_total": s.baseline_per_year * s.years,
        "actual_total": s.actual_total,
        "reduction": None if s.reduction is None else str(_dec(s.reduction, 6)),
        "reduction_percent": None if s.reduction is None else str(percent(s.reduction)),
        "goal": str(_dec(s.goal, 6)),
        "goal_percent": str(percent(s.goal)),
        "goal_met": s.goal_met,
        "illustrative": is_illustrative(s.group),
        "members": [
            {
                "code": m.municipality.code,
                "name": m.municipality.name,
                "population": m.population,
                "baseline_fiscal_year": m.baseline_fiscal_year,
                "baseline_per_year": m.baseline_per_year,
                "own_actual": m.own_actual,
                "shared_share": m.shared_share,
                "actual_total": m.actual_total,
                "actual_per_year": round(m.actual_per_year),
                "reduction_percent": None if m.reduction is None else str(percent(m.reduction)),
            }
            for m in s.members
        ],
        "yearly": [
            {"fiscal_year": fy, "baseline": baseline, "actual": actual} for fy, baseline, actual in s.yearly
        ],
    }


@dataclass
class WhatIfRow:
    code: str
    name: str
    population: int
    current: int | None  # None: not a member now (joining)
    changed: int | None  # None: leaves
    hypothetical: bool = False

    @property
    def difference(self) -> int | None:
        if self.current is None or self.changed is None:
            return None
        return self.changed - self.current

    @property
    def change_ratio(self) -> Fraction | None:
        diff = self.difference
        if diff is None or not self.current:
            return None
        return Fraction(diff, self.current)


@dataclass
class WhatIfComparison:
    current: SharesReport
    changed: SharesReport
    rows: list[WhatIfRow]


def what_if(group: Group, fiscal_year: int, change: WhatIf) -> WhatIfComparison:
    """Every member's share now and with a member joining and/or leaving, side by side; nothing is written."""
    if not change.join_code and not change.leave_code:
        raise ValidationFailed("加入を想定する団体コードか、脱退を想定する構成団体を指定してください。", field="join")
    if change.join_population is not None and change.join_population <= 0:
        raise ValidationFailed("加入を想定する団体の人口は1以上で入力してください。", field="population")
    current = compute_shares(group, fiscal_year)
    changed = compute_shares(group, fiscal_year, change)
    after = changed.result.by_code()
    rows = []
    for line in current.result.lines:
        new = after.get(line.code)
        rows.append(WhatIfRow(line.code, line.name, line.population, line.share, new.share if new else None))
    for line in changed.result.lines:
        if line.code in changed.hypothetical_codes:
            rows.append(WhatIfRow(line.code, line.name, line.population, None, line.share, hypothetical=True))
    return WhatIfComparison(current, changed, rows)


def what_if_as_dict(c: WhatIfComparison) -> dict[str, Any]:
    w = c.changed.what_if or WhatIf()
    return {
        "group": c.current.group.name,
        "fiscal_year": c.current.fiscal_year,
        "join": w.join_code,
        "population": w.join_population,
        "leave": w.leave_code,
        "total": c.current.result.total,
        "members": [
            {"code": r.code, "name": r.name, "population": r.population, "hypothetical": r.hypothetical,
             "current": r.current, "what_if": r.changed, "difference": r.difference}
            for r in c.rows
        ],
        "current": shares_as_dict(c.current),
        "what_if": shares_as_dict(c.changed),
    }


@dataclass
class TopRunnerItem:
    name: str
    before_fy2016: int  # 千円
    fy2017: int
    final: int

    @property
    def reduction(self) -> int:
        return self.before_fy2016 - self.final

    @property
    def reduction_ratio(self) -> Fraction:
        return Fraction(self.reduction, self.before_fy2016) if self.before_fy2016 else Fraction(0)


@dataclass
class TopRunner:
    reform: str
    phase_in_years: int
    items: list[TopRunnerItem]


def top_runner() -> TopRunner:
    """トップランナー方式: the phased standard costs (千円) of information systems, from the seed facts."""
    t = _seed_facts()["top_runner_information_systems_municipal_thousand_yen"]
    items = [TopRunnerItem(name, int(v["before_fy2016"]), int(v["fy2017"]), int(v["final"]))
             for name, v in t["items"].items()]
    return TopRunner(t["reform"], int(t["phase_in_years"]), items)


def _seed_facts() -> dict[str, Any]:
    facts: dict[str, Any] = json.loads((DATA_DIR / "seed_facts.json").read_text(encoding="utf-8"))
    return facts
