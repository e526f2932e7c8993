"""What-if: every member's share now and with a member joining and/or leaving, side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from lgcloud.group.costs.sharing import SharesReport, WhatIf, compute_shares, shares_as_dict
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.models import Group


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
