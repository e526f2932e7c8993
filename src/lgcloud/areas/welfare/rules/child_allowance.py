"""児童手当 (child_allowance) from October 2024: pure functions of facts and parameters (RULES.md §3).

Birth order counts from the eldest, including young adults up to 31 March after their 22nd birthday
whom the recipient still supports. An eligible child is one up to 31 March after the 18th birthday
(高校生年代まで). Monthly amount: under 3 years 15,000, from 3 10,000, 第3子 and later 30,000.
No income limit. Ages are reached the day before the birthday (年齢計算ニ関スル法律), so a child born on
1 April ends its band on the 31 March before the birthday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class AllowanceParameters:
    under3: int = 15_000
    from3: int = 10_000
    third_and_later: int = 30_000
    eligible_until_age: int = 18  # until 31 March after reaching this age
    counted_until_age: int = 22  # counted in the order until 31 March after reaching this age (if supported)
    under3_age: int = 3
    special_rule_days: int = 15  # 15日特例

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> AllowanceParameters:
        def v(name: str) -> int:
            return int(values[f"child_allowance.{name}"])

        return cls(
            under3=v("under3"), from3=v("from3"), third_and_later=v("third_and_later"),
            eligible_until_age=v("eligible_until_age"), counted_until_age=v("counted_until_age"),
            under3_age=v("under3_age"), special_rule_days=v("special_rule_days"),
        )


@dataclass(frozen=True)
class Child:
    birth_date: dt.date
    supported: bool = True  # the recipient supports (監護・生計費負担) them; relevant above 18


@dataclass(frozen=True)
class ChildAmount:
    index: int  # position in the input
    birth_date: dt.date
    order: int | None  # 第N子 (None when not counted)
    eligible: bool
    band: str
    monthly_amount: int


def birthday(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return dt.date(birth.year + years, 3, 1)


def reaches_age(birth: dt.date, years: int) -> dt.date:
    """The day a person reaches an age: the day before the birthday."""
    return birthday(birth, years) - ONE_DAY


def march31_after(birth: dt.date, years: int) -> dt.date:
    """The first 31 March on or after the day the age is reached."""
    reached = reaches_age(birth, years)
    year = reached.year if reached <= dt.date(reached.year, 3, 31) else reached.year + 1
    return dt.date(year, 3, 31)


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(d: dt.date) -> dt.date:
    return add_months(d, 1) - ONE_DAY


def monthly_amounts(children: list[Child], month: dt.date, p: AllowanceParameters) -> list[ChildAmount]:
    """Each child's order and amount for the month containing `month` (status at the month's end)."""
    last_day = month_end(month)
    order = 0
    rows: list[ChildAmount] = []
    for index, child in sorted(enumerate(children), key=lambda ic: (ic[1].birth_date, ic[0])):
        born = child.birth_date <= last_day
        eligible = born and last_day <= march31_after(child.birth_date, p.eligible_until_age)
        counted = eligible or (
            born and child.supported and last_day <= march31_after(child.birth_date, p.counted_until_age)
        )
        this_order: int | None = None
        if counted:
            order += 1
            this_order = order
        if not eligible:
            band, amount = ("counted_only" if counted else "not_counted"), 0
        elif order >= 3:
            band, amount = "third_and_later", p.third_and_later
        elif month_start(month) <= month_start(reaches_age(child.birth_date, p.under3_age)):
            band, amount = "under3", p.under3
        else:
            band, amount = "from3", p.from3
        rows.append(ChildAmount(index, child.birth_date, this_order, eligible, band, amount))
    rows.sort(key=lambda r: r.index)
    return rows


def effective_claim_month(claimed_on: dt.date, event_on: dt.date | None, p: AllowanceParameters) -> dt.date:
    """The month a claim counts as made in: the event's month when claimed within 15 days (15日特例)."""
    if event_on is not None and event_on <= claimed_on <= event_on + dt.timedelta(days=p.special_rule_days):
        return month_start(event_on)
    return month_start(claimed_on)


def first_month(claimed_on: dt.date, event_on: dt.date | None, p: AllowanceParameters) -> dt.date:
    """Entitlement (or an increase) starts in the month after the (effective) claim month."""
    return add_months(effective_claim_month(claimed_on, event_on, p), 1)


PAYMENT_MONTHS = (2, 4, 6, 8, 10, 12)


def is_payment_month(month: dt.date) -> bool:
    return month.month in PAYMENT_MONTHS


def months_covered(payment_month: dt.date) -> tuple[dt.date, dt.date]:
    """A payment in an even month covers the two previous months."""
    if not is_payment_month(payment_month):
        raise ValueError("児童手当は偶数月に支払います。")
    start = month_start(payment_month)
    return add_months(start, -2), add_months(start, -1)


def payment_amount(
    children: list[Child], payment_month: dt.date, p: AllowanceParameters,
    entitled_from: dt.date, entitled_until: dt.date | None = None,
) -> tuple[int, list[tuple[dt.date, int]]]:
    """The amount paid in a payment month: the sum of the covered months within the entitlement."""
    rows: list[tuple[dt.date, int]] = []
    for month in months_covered(payment_month):
        if month < month_start(entitled_from) or (entitled_until is not None and month > month_start(entitled_until)):
            continue
        rows.append((month, sum(r.monthly_amount for r in monthly_amounts(children, month, p))))
    return sum(a for _, a in rows), rows
