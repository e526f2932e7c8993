"""How a payment settles what a taxpayer owes (充当の順序).

A payment goes to principal (本税) before 延滞金: while principal is outstanding, a partial payment lowers
the base of the 延滞金 from the next day (地方税法第326条第2項 等), and 延滞金 is settled once the principal is
paid (the common practice of 本税優先充当, as 国税通則法第62条第2項 prescribes for national taxes). Among
instalments the oldest 納期限 comes first (then levy, fiscal year and 期別, for a stable order). A payment made
with a 納付書 of one instalment goes to that instalment first. What is left over is an over-payment (過誤納金).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Debt:
    key: str  # the instalment's identity (e.g. "levy/2026/person/期別")
    due_on: dt.date
    principal: int  # outstanding 本税
    late_fee: int = 0  # outstanding 延滞金 (determined)


@dataclass(frozen=True)
class Allocation:
    key: str
    principal: int
    late_fee: int


@dataclass(frozen=True)
class Applied:
    allocations: tuple[Allocation, ...]
    over_payment: int


def apply_payment(amount: int, debts: list[Debt], *, designated: str | None = None) -> Applied:
    """Split `amount` over `debts`: principal oldest first (a designated instalment before all), then 延滞金."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    order = sorted(debts, key=lambda d: (d.key != designated, d.due_on, d.key))
    principal: dict[str, int] = {}
    fees: dict[str, int] = {}
    left = amount
    for d in order:
        take = min(left, max(d.principal, 0))
        if take:
            principal[d.key] = take
            left -= take
    for d in order:
        take = min(left, max(d.late_fee, 0))
        if take:
            fees[d.key] = take
            left -= take
    keys = [d.key for d in order if d.key in principal or d.key in fees]
    return Applied(tuple(Allocation(k, principal.get(k, 0), fees.get(k, 0)) for k in keys), left)
