"""Reading the ledger (every read audited): a taxpayer's whole account across levies (名寄せ), as of a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from lgcloud.areas.revenue.models import Bill, Component, Entry, Payment, Refund, levy_label
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


@transaction.atomic
def account(person_no: int, as_of: dt.date | None = None, purpose: str = "収納の照会") -> Account:
    bills = list(Bill.objects.filter(person_no=person_no).order_by("fiscal_year", "levy", "installment"))
    qs = Entry.objects.filter(person_no=person_no).order_by("booked_on", "pk")
    if as_of is not None:
        qs = qs.filter(booked_on__lte=as_of)
    entries = list(qs)
    acct = Account(person_no, as_of, build_lines(bills, entries), entries,
                   list(Payment.objects.filter(person_no=person_no).order_by("-paid_on", "-pk")[:200]),
                   list(Refund.objects.filter(person_no=person_no).order_by("-pk")))
    audit.record("revenue.account_read", object_type="Account", object_id=person_no, purpose=purpose,
                 detail={"as_of": as_of.isoformat() if as_of else None})
    return acct
