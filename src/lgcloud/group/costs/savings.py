"""Savings against the goal: each member's baseline against what it spent, its own costs plus its share.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Sum

from lgcloud.group.costs import rules
from lgcloud.group.costs.figures import as_decimal, percent
from lgcloud.group.costs.models import (
    CostPhase,
    CostRecord,
)
from lgcloud.group.costs.records import check_fiscal_year, fiscal_year_start, is_illustrative, shared_total
from lgcloud.group.costs.sharing import compute_shares
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.models import Group, Municipality


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
    check_fiscal_year(start_fy)
    check_fiscal_year(end_fy)
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
        "reduction": None if s.reduction is None else str(as_decimal(s.reduction, 6)),
        "reduction_percent": None if s.reduction is None else str(percent(s.reduction)),
        "goal": str(as_decimal(s.goal, 6)),
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
