"""還付加算金 (地方税法第17条の4): interest on a refund (or 充当) of an over-payment.

From the day after the payment (the day after the 納期限 if paid earlier) to the day the refund is decided
or the appropriation (充当) made, both included, at the year's rate (本則 7.3%, 特例 還付加算金特例基準割合,
e.g. 0.9% for 2022–2025) per 365 days also in a leap year; split at 31 December. The same roundings
as 延滞金 (第20条の4の2: base under 2,000 yen none, base to 1,000 yen, result to 100 yen, under 1,000 none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lgcloud.areas.revenue.rules.rates import Roundings, YearTable

ONE_DAY = dt.timedelta(days=1)
STATUTORY = Roundings()


@dataclass(frozen=True)
class InterestPeriod:
    start: dt.date
    end: dt.date
    days: int
    base: int
    rate: Decimal
    amount: int

    def as_dict(self) -> dict[str, object]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days, "base": self.base,
                "rate_percent": str(self.rate), "amount": self.amount}


@dataclass(frozen=True)
class RefundInterest:
    refund: int
    start: dt.date
    decided_on: dt.date
    periods: tuple[InterestPeriod, ...]
    amount: int

    def as_dict(self) -> dict[str, object]:
        return {"refund": self.refund, "from": self.start.isoformat(), "decided_on": self.decided_on.isoformat(),
                "periods": [p.as_dict() for p in self.periods], "refund_interest": self.amount}


def refund_interest(
    refund: int, paid_on: dt.date, due_on: dt.date, decided_on: dt.date, rates: YearTable,
    roundings: Roundings = STATUTORY,
) -> RefundInterest:
    start = max(paid_on, due_on) + ONE_DAY
    if decided_on < start or refund <= 0:
        return RefundInterest(refund, start, decided_on, (), 0)
    base = roundings.base(refund)
    periods: list[InterestPeriod] = []
    s = start
    while s <= decided_on:
        e = min(dt.date(s.year, 12, 31), decided_on)
        rate = rates.for_year(s.year, "還付加算金の割合")
        days = (e - s).days + 1
        amount = int(Fraction(base) * Fraction(rate) / 100 * days / 365)
        periods.append(InterestPeriod(s, e, days, base, rate, amount))
        s = e + ONE_DAY
    return RefundInterest(refund, start, decided_on, tuple(periods), roundings.result(sum(p.amount for p in periods)))
