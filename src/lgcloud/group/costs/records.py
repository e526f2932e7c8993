"""A member's own cost records and the group's shared costs: entry, listing and yearly totals.

Everything here reads aggregates (costs), never residents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Sum

from lgcloud.group.costs.importing import MAX_AMOUNT
from lgcloud.group.costs.models import (
    CostCategory,
    CostKind,
    CostPhase,
    CostRecord,
    SharedCost,
)
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.tenancy.models import Group, Municipality


def fiscal_year_start(fy: int) -> dt.date:
    return dt.date(fy, 4, 1)


def check_fiscal_year(fiscal_year: int) -> None:
    if not 2000 <= fiscal_year <= 2100:
        raise ValidationFailed("年度は西暦4桁で指定してください（例: 2026）。", field="fiscal_year")


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
    check_fiscal_year(fiscal_year)
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


def shared_total(group: Group, fiscal_year: int) -> int:
    return SharedCost.objects.filter(group=group, fiscal_year=fiscal_year).aggregate(t=Sum("amount"))["t"] or 0


def group_of_kind_totals(group: Group, fiscal_year: int) -> dict[str, int]:
    rows = SharedCost.objects.filter(group=group, fiscal_year=fiscal_year).values("kind").annotate(t=Sum("amount"))
    totals = {k: 0 for k in CostKind.values}
    for row in rows:
        totals[row["kind"]] = row["t"]
    return totals


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
