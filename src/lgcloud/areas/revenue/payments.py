"""Payments in (収納) and matching (消込).

A payment is matched by its 納付番号 first, then by taxpayer and amount (an instalment, or everything
due, owed to the yen); what matches neither waits in the queue of unmatched payments. A matched payment
settles principal before 延滞金 (rules.allocation): the 延滞金 of an instalment is determined when its
principal is paid off late, from the history of its payments; anything left over is an over-payment
settled by 充当 or a refund.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from lgcloud.areas.revenue import ledger
from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.models import Bill, Component, EntryKind, Payment, PaymentStatus
from lgcloud.areas.revenue.rules.allocation import Debt, apply_payment
from lgcloud.areas.revenue.rules.late_fee import late_fee
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import current_actor


@dataclass(frozen=True)
class Incoming:
    """One payment as read from a file or typed at the counter."""

    paid_on: dt.date
    amount: int
    channel: str
    reference: str = ""
    person_no: int | None = None
    payer: str = ""
    source: str = ""
    line_no: int | None = None
    dedupe_key: str = ""
    identified: bool = False  # the clerk at the counter identified the taxpayer: apply to person_no as it is

    def key(self) -> str:
        return self.dedupe_key or f"{self.channel}:{self.reference or self.person_no}:{self.paid_on}:{self.amount}"


class Duplicate(ValidationFailed):
    pass


UNMATCHED_QUEUE = "revenue.unmatched_payment"
worklists.register_queue(UNMATCHED_QUEUE, label="未消込の収納")


def _queue_unmatched(payment: Payment) -> None:
    """Put an unmatched payment on the clerks' 処理待ち一覧; it is closed when the payment is assigned."""
    worklists.raise_item(
        UNMATCHED_QUEUE, subject_ref=f"revenue.payment:{payment.pk}",
        title=f"未消込の収納 {payment.amount:,}円（{payment.paid_on:%Y-%m-%d}、{payment.get_channel_display()}）",
        reason=payment.reason, proposed_action="納税者（宛名番号）と期別を特定して消し込む",
        payload={"payment_id": payment.pk, "amount": payment.amount, "reference": payment.reference,
                 "source": payment.source, "line_no": payment.line_no},
        capability=Cap.REVENUE_CHANGE, dedupe_key=f"payment:{payment.pk}", link=f"/revenue/payments/{payment.pk}/")


def match(incoming: Incoming) -> tuple[int | None, Bill | None, str]:
    """(person_no, designated instalment, reason if unmatched)."""
    if incoming.reference:
        bill = Bill.objects.filter(payment_ref=incoming.reference).first()
        if bill is not None:
            return bill.person_no, bill, ""
    if incoming.person_no is not None and incoming.identified:
        if Bill.objects.filter(person_no=incoming.person_no).exists():
            return incoming.person_no, None, ""
        return None, None, f"宛名番号 {incoming.person_no} の期別がありません"
    if incoming.person_no is not None:
        debts = ledger.open_debts(incoming.person_no)
        for bill, principal, _fee in debts:
            if principal == incoming.amount:
                return incoming.person_no, bill, ""
        if debts and sum(p for _, p, _ in debts if p) == incoming.amount:
            return incoming.person_no, None, ""
        return None, None, "宛名番号の未納額と金額が一致しません"
    if incoming.reference:
        return None, None, f"納付番号 {incoming.reference} の期別がありません"
    return None, None, "納付番号も宛名番号もありません"


def _determine_late_fee(bill: Bill, paid_on: dt.date) -> int:
    """The 延滞金 of an instalment whose principal has just been paid off on `paid_on`."""
    if paid_on <= bill.due_on:
        return 0
    charged = sum(e.amount for e in bill.entries.all() if e.component == Component.PRINCIPAL
                  and e.kind in (EntryKind.BILL, EntryKind.REMISSION) and e.booked_on <= paid_on)
    earlier = [(e.booked_on, -e.amount) for e in bill.entries.all()
               if e.component == Component.PRINCIPAL and e.amount < 0
               and e.kind in (EntryKind.COLLECTION, EntryKind.APPROPRIATION) and e.booked_on < paid_on]
    if charged <= 0:
        return 0
    lookup = P.database_lookup()
    rates = P.late_fee_rates(lookup, bill.due_on.year, max(bill.due_on.year, paid_on.year))
    return late_fee(charged, bill.due_on, paid_on, rates, tuple(earlier)).amount


def _principal(payment: Payment, debts: list[Debt], bills: dict[str, Bill], outstanding: dict[str, int],
               remaining: int, designated: str | None) -> int:
    for a in apply_payment(remaining, debts, designated=designated).allocations:
        bill = bills[a.key]
        ledger._book(bill, EntryKind.COLLECTION, -a.principal, payment.paid_on, "収納", payment_id=payment.pk)
        remaining -= a.principal
        if a.principal == outstanding[a.key]:
            fee = _determine_late_fee(bill, payment.paid_on)
            if fee:
                ledger._book(bill, EntryKind.LATE_FEE, fee, payment.paid_on, "延滞金の確定", component=Component.LATE_FEE)
    return remaining


def apply(payment: Payment, person_no: int, designated: Bill | None) -> int:
    """Book `payment` on the person's instalments; returns the over-payment left (settled separately)."""
    debts = ledger.open_debts(person_no, None)
    bills = {str(b.pk): b for b, _, _ in debts}
    if designated is not None:
        bills.setdefault(str(designated.pk), designated)
    due = [(b, p) for b, p, _ in debts if b.due_on <= payment.paid_on or b == designated]
    later = [(b, p) for b, p, _ in debts if not (b.due_on <= payment.paid_on or b == designated)]
    remaining = payment.amount
    outstanding = {str(b.pk): p for b, p, _ in debts}
    designated_key = str(designated.pk) if designated else None
    # 1. principal of what is due (and of the designated instalment), oldest first
    remaining = _principal(payment, [Debt(str(b.pk), b.due_on, p, 0) for b, p in due], bills, outstanding,
                           remaining, designated_key)
    # 2. 延滞金, oldest first
    if remaining:
        fees = [Debt(str(b.pk), b.due_on, 0, f) for b, _, f in ledger.open_debts(person_no) if f > 0]
        for a in apply_payment(remaining, fees).allocations:
            ledger._book(bills[a.key], EntryKind.COLLECTION, -a.late_fee, payment.paid_on, "延滞金の収納",
                         component=Component.LATE_FEE, payment_id=payment.pk)
            remaining -= a.late_fee
    # 3. instalments not yet due (前納), oldest first
    if remaining:
        remaining = _principal(payment, [Debt(str(b.pk), b.due_on, p, 0) for b, p in later], bills, outstanding,
                               remaining, None)
    if remaining:
        target = designated or (max((b for b, _, _ in debts), key=lambda b: b.due_on) if debts else None)
        if target is None:
            target = Bill.objects.filter(person_no=person_no).order_by("-due_on").first()
        if target is None:
            raise ValidationFailed("この納付者には期別がありません。", field="person_no")
        ledger._book(target, EntryKind.COLLECTION, -remaining, payment.paid_on, "過誤納（超過収納）",
                     payment_id=payment.pk)
    return remaining


def receive_payment(incoming: Incoming) -> Payment:
    """Record and match one payment (in the caller's transaction); duplicates raise `Duplicate`."""
    if incoming.amount <= 0:
        raise ValidationFailed(f"金額は1円以上で指定してください（{incoming.amount}円）。", field="amount")
    key = incoming.key()[:120]
    if Payment.objects.filter(dedupe_key=key).exists():
        raise Duplicate(f"同じ収納がすでに取り込まれています（{key}）。", field="dedupe_key")
    person_no, bill, reason = match(incoming)
    payment = Payment.objects.create(
        paid_on=incoming.paid_on, amount=incoming.amount, channel=incoming.channel, reference=incoming.reference,
        person_no=person_no if person_no is not None else incoming.person_no, payer=incoming.payer[:100],
        status=PaymentStatus.APPLIED if person_no is not None else PaymentStatus.UNMATCHED, reason=reason,
        source=incoming.source[:200], line_no=incoming.line_no, dedupe_key=key, created_by=current_actor().username)
    if person_no is not None:
        over = apply(payment, person_no, bill)
        if over:
            ledger.settle_over_payments(person_no, incoming.paid_on)
    else:
        _queue_unmatched(payment)
    audit.record("revenue.payment_received", obj=payment,
                 detail={"amount": payment.amount, "status": payment.status, "reference": payment.reference,
                         "person_no": payment.person_no, "reason": reason})
    return payment


@transaction.atomic
def post_payment(incoming: Incoming) -> Payment:
    """A payment posted by a clerk (counter) — one transaction."""
    return receive_payment(incoming)


@transaction.atomic
def resolve_unmatched(payment_id: int, person_no: int, reference: str = "") -> Payment:
    """A clerk assigns an unmatched payment to a taxpayer (and optionally an instalment)."""
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise NotFound("指定の収納はありません。")
    if payment.status != PaymentStatus.UNMATCHED:
        raise ValidationFailed("この収納はすでに消込済みです。", field="payment")
    bill = Bill.objects.filter(payment_ref=reference).first() if reference else None
    if reference and bill is None:
        raise ValidationFailed(f"納付番号 {reference} の期別がありません。", field="reference")
    if bill is not None and bill.person_no != person_no:
        raise ValidationFailed("納付番号の納税者と宛名番号が一致しません。", field="reference")
    if not Bill.objects.filter(person_no=person_no).exists():
        raise ValidationFailed(f"宛名番号 {person_no} の期別はありません。", field="person_no")
    payment.person_no, payment.status = person_no, PaymentStatus.RESOLVED
    payment.save(update_fields=["person_no", "status"])
    if apply(payment, person_no, bill):
        ledger.settle_over_payments(person_no, payment.paid_on)
    audit.record("revenue.payment_resolved", obj=payment, detail={"person_no": person_no, "reference": reference})
    worklists.resolve(UNMATCHED_QUEUE, f"payment:{payment.pk}", outcome=f"宛名番号 {person_no} に消込")
    return payment
