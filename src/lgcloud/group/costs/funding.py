"""The state's support for joint systems: 特別交付税措置 estimates and the トップランナー方式 standard costs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from lgcloud.group.costs import rules
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.codes import DATA_DIR
from lgcloud.platform.tenancy.models import Municipality

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
