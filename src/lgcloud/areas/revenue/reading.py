"""Reading the ledger (every read audited): a taxpayer's whole account across levies (名寄せ), as of a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.revenue import movements
from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.models import Bill, Component, Entry, EntryKind, Payment, Refund, levy_label
from lgcloud.areas.revenue.rules.late_fee import late_fee
from lgcloud.platform.audit import services as audit


@dataclass
class InstallmentLine:
    bill: Bill
    charged: int  # 調定額 (after 更正)
    paid: int  # 収納額 (net of refunds / appropriations)
    reduced: int  # 減免・不納欠損
    outstanding: int  # principal outstanding (negative: over-paid)
    late_fee_charged: int
    late_fee_outstanding: int
    late_fee_accruing: int = 0  # 延滞金 running on the unpaid principal up to the reading date (not yet determined)

    @property
    def levy_label(self) -> str:
        return levy_label(self.bill.levy)


@dataclass
class Account:
    person_no: int
    as_of: dt.date | None
    lines: list[InstallmentLine] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    @property
    def outstanding(self) -> int:
        return sum(line.outstanding for line in self.lines)

    @property
    def late_fee_outstanding(self) -> int:
        return sum(line.late_fee_outstanding for line in self.lines)

    @property
    def late_fee_accruing(self) -> int:
        return sum(line.late_fee_accruing for line in self.lines)

    accruing_on: dt.date | None = None

    def overdue(self, on: dt.date) -> list[InstallmentLine]:
        return [ln for ln in self.lines if ln.outstanding > 0 and ln.bill.due_on < on]


def build_lines(bills: list[Bill], entries: list[Entry]) -> list[InstallmentLine]:
    by_bill: dict[int, list[Entry]] = {}
    for e in entries:
        by_bill.setdefault(e.bill_id, []).append(e)
    lines = []
    for b in bills:
        es = by_bill.get(b.pk, [])
        principal = [e for e in es if e.component == Component.PRINCIPAL]
        fee = [e for e in es if e.component == Component.LATE_FEE]
        charged = sum(e.amount for e in principal if e.kind == "bill")
        reduced = -sum(e.amount for e in principal if e.kind in ("write_off", "remission"))
        outstanding = sum(e.amount for e in principal)
        lines.append(InstallmentLine(b, charged, charged - reduced - outstanding, reduced, outstanding,
                                     sum(e.amount for e in fee if e.kind == "late_fee"), sum(e.amount for e in fee)))
    return lines


def accrue(lines: list[InstallmentLine], entries: list[Entry], on: dt.date) -> None:
    """Each unpaid instalment past its 納期限: the 延滞金 it bears if paid off on `on` — day by day, the base lowered
    from the day after each partial payment (as the ledger determines it when the principal is paid off)."""
    lookup = P.database_lookup()
    by_bill: dict[int, list[Entry]] = {}
    for e in entries:
        if e.component == Component.PRINCIPAL and e.booked_on <= on:
            by_bill.setdefault(e.bill_id, []).append(e)
    for ln in lines:
        b = ln.bill
        if ln.outstanding <= 0 or on <= b.due_on:
            continue
        es = by_bill.get(b.pk, [])
        charged = sum(e.amount for e in es if e.kind in (EntryKind.BILL, EntryKind.REMISSION))
        paid = tuple((e.booked_on, -e.amount) for e in es
                     if e.amount < 0 and e.kind in (EntryKind.COLLECTION, EntryKind.APPROPRIATION))
        if charged > 0:
            rates = P.late_fee_rates(lookup, b.due_on.year, max(b.due_on.year, on.year))
            ln.late_fee_accruing = late_fee(charged, b.due_on, on, rates, paid).amount


@transaction.atomic
def account(person_no: int, as_of: dt.date | None = None, purpose: str = "収納の照会") -> Account:
    bills = list(Bill.objects.filter(person_no=person_no).order_by("fiscal_year", "levy", "installment"))
    entries = movements.of_person(bills, person_no, as_of)
    acct = Account(person_no, as_of, build_lines(bills, entries), entries,
                   list(Payment.objects.filter(person_no=person_no).order_by("-paid_on", "-pk")[:200]),
                   list(Refund.objects.filter(person_no=person_no).order_by("-pk")))
    acct.accruing_on = as_of or timezone.localdate()
    accrue(acct.lines, entries, acct.accruing_on)
    audit.record("revenue.account_read", object_type="Account", object_id=person_no, purpose=purpose,
                 detail={"as_of": as_of.isoformat() if as_of else None})
    return acct
