"""Rate tables by calendar year and the roundings of 地方税法第20条の4の2, as plain values.

Business code builds them from `params.services.value`; the calculator builds them from the catalogue's
standard values (plus any `"parameters"` override). The rules themselves read nothing.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal

from lgcloud.platform.common.errors import ValidationFailed


@dataclass(frozen=True)
class YearTable:
    """A rate (% per year) in force from a calendar year until the next listed year."""

    by_year: tuple[tuple[int, Decimal], ...]  # sorted by year

    @classmethod
    def of(cls, mapping: dict[int, Decimal]) -> YearTable:
        return cls(tuple(sorted(mapping.items())))

    def for_year(self, year: int, label: str = "割合") -> Decimal:
        years = [y for y, _ in self.by_year]
        i = bisect_right(years, year)
        if i == 0:
            raise ValidationFailed(f"{year}年の{label}が定められていません（{years[0] if years else '—'}年以降のみ）。",
                                   field="parameters")
        return self.by_year[i - 1][1]


@dataclass(frozen=True)
class Roundings:
    """地方税法第20条の4の2: base under `minimum_tax` → none; base to `base_unit`; result to `result_unit`;
    a result under `minimum_result` is not charged."""

    minimum_tax: int = 2000
    base_unit: int = 1000
    result_unit: int = 100
    minimum_result: int = 1000

    def base(self, tax: int) -> int:
        if tax < self.minimum_tax:
            return 0
        return tax // self.base_unit * self.base_unit

    def result(self, amount: int) -> int:
        amount = amount // self.result_unit * self.result_unit
        return 0 if amount < self.minimum_result else amount


@dataclass(frozen=True)
class LateFeeRates:
    first_month: YearTable  # 納期限の翌日から1月を経過する日まで (本則 7.3%)
    after: YearTable  # その翌日以後 (本則 14.6%)
    roundings: Roundings = Roundings()


def year_end(day: dt.date) -> dt.date:
    return dt.date(day.year, 12, 31)
