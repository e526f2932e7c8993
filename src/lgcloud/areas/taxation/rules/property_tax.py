"""固定資産税 (RULES.md §4) as a pure function: one owner's land and buildings + parameters → tax + breakdown.

Per parcel: 価格 → 本則課税標準額 (住宅用地の特例: the first 200 ㎡ per dwelling at 1/6, the rest at 1/3) →
負担調整 (last year's base + 5% of this year's, kept within 20%–100% of it). Per category the owner's
total against the 免税点 (land 300,000, buildings 200,000). The taxed total truncated to 1,000 yen, the tax
(rate 1.4% by default) to 100 yen, then the instalments.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from lgcloud.areas.taxation.rules.installments import months, split
from lgcloud.areas.taxation.rules.params import Breakdown, ParamSet, floor_to, percent

RESIDENTIAL_NONE = "none"
RESIDENTIAL_SMALL = "small"  # 住宅用地: first 200 ㎡ × dwellings at 1/6 (小規模), the rest at 1/3 (一般)
RESIDENTIAL_GENERAL = "general"  # 一般住宅用地 only: the whole at 1/3
RESIDENTIAL_KINDS = (RESIDENTIAL_NONE, RESIDENTIAL_SMALL, RESIDENTIAL_GENERAL)


@dataclass(frozen=True)
class LandItem:
    area_m2: Decimal
    value: int  # 価格 (評価額)
    previous_tax_base: int | None = None  # 前年度課税標準額; None: no 負担調整
    residential: str = RESIDENTIAL_NONE
    dwellings: int = 0


@dataclass(frozen=True)
class BuildingItem:
    value: int


@dataclass
class PropertyTaxResult:
    fiscal_year: int
    land: list[dict[str, Any]]
    buildings: list[dict[str, Any]]
    land_tax_base: int
    building_tax_base: int
    tax_base: int
    tax: int
    installments: list[dict[str, int]]
    breakdown: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def land_tax_base(item: LandItem, p: ParamSet) -> tuple[int, dict[str, Any]]:
    """課税標準額 of one parcel before truncation, with its steps."""
    detail: dict[str, Any] = {"value": item.value}
    if item.residential == RESIDENTIAL_NONE or item.area_m2 <= 0:
        principal = item.value
    else:
        general = p.integer("property_tax.residential.general_divisor")
        if item.residential == RESIDENTIAL_SMALL:
            small_area = min(item.area_m2,
                             Decimal(p.integer("property_tax.residential.small_area_per_dwelling") * item.dwellings))
        else:
            small_area = Decimal(0)
        small_value = int(Decimal(item.value) * small_area / item.area_m2)
        small = small_value // p.integer("property_tax.residential.small_divisor")
        rest = (item.value - small_value) // general
        principal = small + rest
        detail.update(small_area_m2=format(small_area.normalize(), "f"), small_value=small_value,
                      small_tax_base=small, general_tax_base=rest)
    detail["principal_tax_base"] = principal  # 本則課税標準額
    base = principal
    if item.previous_tax_base is not None and item.previous_tax_base < principal:
        adjusted = item.previous_tax_base + percent(principal, p.rate("property_tax.burden.increase_rate"))
        low = percent(principal, p.rate("property_tax.burden.lower_bound"))
        high = percent(principal, p.rate("property_tax.burden.upper_bound"))
        base = min(max(adjusted, low), high)
        detail["burden_adjusted_tax_base"] = base
    detail["tax_base"] = base
    return base, detail


def calculate(fiscal_year: int, land: list[LandItem], buildings: list[BuildingItem], p: ParamSet,
              rate: Decimal | None = None) -> PropertyTaxResult:
    """One owner's 固定資産税 for a fiscal year in one municipality."""
    b = Breakdown(p)
    p.take_used()
    land_rows = []
    for i, item in enumerate(land, 1):
        base, detail = land_tax_base(item, p)
        b.add("land_tax_base", f"土地{i} 課税標準額", base, **detail)
        land_rows.append({"tax_base": base, **detail})
    building_rows = []
    for i, bitem in enumerate(buildings, 1):
        b.add("building_tax_base", f"家屋{i} 課税標準額", bitem.value)
        building_rows.append({"tax_base": bitem.value, "value": bitem.value})
    land_total = sum(r["tax_base"] for r in land_rows)
    building_total = sum(r["tax_base"] for r in building_rows)
    if land_total < p.yen("property_tax.exemption_floor.land"):
        land_total = 0
    b.add("land_total", "土地 課税標準額の合計（免税点未満は 0）", land_total)
    if building_total < p.yen("property_tax.exemption_floor.building"):
        building_total = 0
    b.add("building_total", "家屋 課税標準額の合計（免税点未満は 0）", building_total)
    tax_base = b.add("tax_base", "課税標準額（千円未満切捨て）",
                     floor_to(land_total + building_total, p.yen("property_tax.rounding.tax_base_unit")))
    if rate is None:
        rate = p.rate("property_tax.rate")
    tax = b.add("tax", "税額（百円未満切捨て）", floor_to(percent(tax_base, rate), p.yen("property_tax.rounding.tax_unit")),
                rate=format(rate.normalize(), "f"))
    spec = months(p.choice("property_tax.installment_months"))
    amounts = split(tax, len(spec), p.yen("property_tax.installment_unit"))
    b.add("installments", "期別（端数は第1期）", tax)
    installments = [{"installment": i, "month": m, "amount": a} for i, (m, a) in enumerate(zip(spec, amounts, strict=True), 1)]
    return PropertyTaxResult(
        fiscal_year=fiscal_year, land=land_rows, buildings=building_rows, land_tax_base=land_total,
        building_tax_base=building_total, tax_base=tax_base, tax=tax, installments=installments, breakdown=b.steps,
    )
