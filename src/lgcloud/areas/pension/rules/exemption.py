"""国民年金保険料の免除・納付猶予: the income test (thresholds are parameters `national_pension.exemption.*`).

全額免除 (and 納付猶予 for those under 50): 前年所得 ≤ (扶養親族等の数 + 1) × 350,000 + 320,000;
4分の3 / 半額 / 4分の1免除: 前年所得 ≤ 880,000 / 1,280,000 / 1,680,000 + 扶養親族等控除額 + 社会保険料控除額等.
The applicant, the spouse and the householder must each pass; the result is the most generous level all pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LEVELS = ("full", "three_quarters", "half", "quarter")
LABELS = {"full": "全額免除", "three_quarters": "4分の3免除", "half": "半額免除", "quarter": "4分の1免除",
          "deferment": "納付猶予", None: "却下（基準超過）"}


@dataclass(frozen=True)
class IncomeTest:
    income: int  # 前年所得
    dependents: int = 0  # 扶養親族等の数
    dependent_deductions: int = 0  # 扶養親族等控除額
    social_insurance_deductions: int = 0  # 社会保険料控除額等


def _passes(level: str, t: IncomeTest, p: Mapping[str, Any]) -> bool:
    def v(name: str) -> int:
        return int(p[f"national_pension.exemption.{name}"])

    if level == "full":
        return t.income <= (t.dependents + 1) * v("full_per_person") + v("full_base")
    extra = t.dependent_deductions + t.social_insurance_deductions
    return t.income <= v(f"{level}_base") + extra


def decide(tests: Sequence[IncomeTest], p: Mapping[str, Any], *, deferment: bool = False) -> str | None:
    """The level granted when every person tested (applicant, spouse, householder) passes it; None if none.
    With `deferment` (納付猶予, under 50) only the applicant and spouse are tested and the level is all or none."""
    if deferment:
        return "deferment" if all(_passes("full", t, p) for t in tests) else None
    for level in LEVELS:
        if all(_passes(level, t, p) for t in tests):
            return level
    return None
