"""延滞金: day by day at the two statutory rates of each calendar year.

延滞金 = Σ over periods of (計算の基礎となる税額 × 年割合 × 日数 ÷ 365), where
- the period runs from the day after the 納期限 to the day of payment, both included;
- the lower rate (本則 7.3%, 特例 e.g. 2.4%) applies from the day after the 納期限 up to the day one month
  has passed (民法第143条: the day before the day corresponding to that day in the next month, or the
  end of the next month if there is none), the higher rate (本則 14.6%, 特例 e.g. 8.7%) afterwards;
- each calendar year has its own pair of rates (附則第3条の2), so a period is split at 31 December;
- the rate is per 365 days also in a leap year (附則第3条の2 / 第20条の4の2: 閏年の日を含む期間も365日当たり);
- a partial payment lowers the base from the day after it is paid (地方税法第326条第2項 等);
- the base is truncated to 1,000 yen and a base under 2,000 yen bears nothing; each period's amount is
  truncated to the yen; the total is truncated to 100 yen and a total under 1,000 yen is not charged
  (第20条の4の2).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lgcloud.areas.revenue.rules.rates import LateFeeRates, year_end

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    days: int
    base: int  # 計算の基礎となる税額 (after truncation)
    rate: Decimal  # % per year
    higher: bool  # True after the first month
    amount: int  # truncated to the yen

    def as_dict(self) -> dict[str, object]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days, "base": self.base,
                "rate_percent": str(self.rate), "kind": "1月経過後" if self.higher else "1月以内",
                "amount": self.amount}


@dataclass(frozen=True)
class LateFee:
    tax: int
    due_on: dt.date
    paid_on: dt.date
    first_month_end: dt.date
    periods: tuple[Period, ...]
    unrounded: int  # sum of the periods' amounts
    amount: int  # after the 100-yen truncation and the 1,000-yen floor

    def as_dict(self) -> dict[str, object]:
        return {"tax": self.tax, "due_date": self.due_on.isoformat(), "paid_on": self.paid_on.isoformat(),
                "first_month_end": self.first_month_end.isoformat(), "days": sum(p.days for p in self.periods),
                "periods": [p.as_dict() for p in self.periods], "sum_of_periods": self.unrounded,
                "late_fee": self.amount}


def one_month_end(due_on: dt.date) -> dt.date:
    """The day one month has passed counting from the day after `due_on` (民法第143条)."""
    start = due_on + ONE_DAY
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    last = calendar.monthrange(year, month)[1]
    if start.day > last:  # no corresponding day: the end of that month
        return dt.date(year, month, last)
    return dt.date(year, month, start.day) - ONE_DAY


def _segments(start: dt.date, end: dt.date, cuts: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Split [start, end] after each day in `cuts` (a cut day ends a segment)."""
    out: list[tuple[dt.date, dt.date]] = []
    s = start
    for cut in sorted(c for c in cuts if start <= c < end):
        if cut >= s:
            out.append((s, cut))
            s = cut + ONE_DAY
    out.append((s, end))
    return out


def late_fee(
    tax: int,
    due_on: dt.date,
    paid_on: dt.date,
    rates: LateFeeRates,
    partial_payments: tuple[tuple[dt.date, int], ...] = (),
) -> LateFee:
    """The 延滞金 on `tax` due `due_on`, paid off on `paid_on` (after any `partial_payments` before)."""
    month_end = one_month_end(due_on)
    if paid_on <= due_on or tax <= 0:
        return LateFee(tax, due_on, paid_on, month_end, (), 0, 0)
    start = due_on + ONE_DAY
    cuts = [month_end]
    cuts += [dt.date(y, 12, 31) for y in range(start.year, paid_on.year)]
    payments = sorted((d, a) for d, a in partial_payments if d < paid_on)
    cuts += [d for d, _ in payments]
    periods: list[Period] = []
    for s, e in _segments(start, paid_on, cuts):
        outstanding = max(tax - sum(a for d, a in payments if d < s), 0)
        base = rates.roundings.base(outstanding)
        higher = s > month_end
        table = rates.after if higher else rates.first_month
        rate = table.for_year(s.year, "延滞金の割合")
        assert e <= year_end(s)
        days = (e - s).days + 1
        exact = Fraction(base) * Fraction(rate) / 100 * days / 365
        periods.append(Period(s, e, days, base, rate, higher, int(exact)))
    total = sum(p.amount for p in periods)
    return LateFee(tax, due_on, paid_on, month_end, tuple(periods), total, rates.roundings.result(total))
