"""Figures a treasury asks for: 収納率 per levy for a fiscal year (現年分 and 滞納繰越分), for the member in context
or for every member of a group side by side (aggregates only, no personal rows).

現年分: 調定額 = the fiscal year's 調定 (after 更正) booked up to the date; 収入済額 = payments and 充当 received on
them, net of refunds. 滞納繰越分: 調定額 = what earlier years' instalments still owed on 4月1日 of the year;
収入済額 = what was received on them from 4月1日 to the date. 収納率 = 収入済額 ÷ 調定額.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from lgcloud.areas.revenue import movements
from lgcloud.areas.revenue.models import Component, Entry, EntryKind, levy_label
from lgcloud.platform.audit import services as audit
from lgcloud.platform.tenancy.context import municipality_scope
from lgcloud.platform.tenancy.models import Group

RECEIVED = (EntryKind.COLLECTION, EntryKind.APPROPRIATION, EntryKind.REFUND)


@dataclass(frozen=True)
class RateRow:
    levy: str
    part: str  # 現年分 / 滞納繰越分
    charged: int
    received: int

    @property
    def label(self) -> str:
        return levy_label(self.levy)

    @property
    def outstanding(self) -> int:
        return self.charged - self.received

    @property
    def rate(self) -> Decimal | None:
        if self.charged <= 0:
            return None
        return (Decimal(self.received) * 100 / Decimal(self.charged)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _sums(qs: object, direct: object | None = None) -> dict[str, int]:
    """Sum of the entries by levy, plus the direct payments' 収納 movements (−amount) when given."""
    out = {r["bill__levy"]: int(r["s"] or 0) for r in qs.values("bill__levy").annotate(s=Sum("amount"))}  # type: ignore[attr-defined]
    if direct is not None:
        for r in direct.order_by().values("bill__levy").annotate(s=Sum("amount")):  # type: ignore[attr-defined]
            out[r["bill__levy"]] = out.get(r["bill__levy"], 0) - int(r["s"] or 0)
    return out


def collection_rates(fiscal_year: int, on: dt.date) -> list[RateRow]:
    start = dt.date(fiscal_year, 4, 1)
    principal = Entry.objects.filter(component=Component.PRINCIPAL, booked_on__lte=on)
    current = principal.filter(bill__fiscal_year=fiscal_year)
    cur_charged = _sums(current.filter(kind=EntryKind.BILL))
    paid = movements.direct(until=on)  # 収納 movements too (principal)
    cur_received = _sums(current.filter(kind__in=RECEIVED),  # −payments −充当 in, +充当 out, +還付
                         paid.filter(bill__fiscal_year=fiscal_year))
    earlier = Entry.objects.filter(component=Component.PRINCIPAL, bill__fiscal_year__lt=fiscal_year)
    paid_earlier = movements.direct().filter(bill__fiscal_year__lt=fiscal_year)
    carried = _sums(earlier.filter(booked_on__lt=start), paid_earlier.filter(paid_on__lt=start))
    carried_received = _sums(earlier.filter(booked_on__gte=start, booked_on__lte=on, kind__in=RECEIVED),
                             paid_earlier.filter(paid_on__gte=start, paid_on__lte=on))
    rows = []
    for levy in sorted(set(cur_charged) | set(carried)):
        if cur_charged.get(levy):
            rows.append(RateRow(levy, "現年分", cur_charged[levy], -cur_received.get(levy, 0)))
        if carried.get(levy, 0) > 0:
            rows.append(RateRow(levy, "滞納繰越分", carried[levy], -carried_received.get(levy, 0)))
    audit.record("revenue.rates_read", object_type="Entry", object_id=fiscal_year,
                 detail={"fiscal_year": fiscal_year, "on": on.isoformat()})
    return rows


def group_rates(group: Group, fiscal_year: int, on: dt.date) -> list[tuple[str, list[RateRow]]]:
    """Each member's 収納率 side by side (aggregates only)."""
    from lgcloud.platform.tenancy.context import current_actor

    out = []
    for m in group.members_on(on).order_by("code"):
        with municipality_scope(m, current_actor()):
            out.append((m.name, collection_rates(fiscal_year, on)))
    return out
