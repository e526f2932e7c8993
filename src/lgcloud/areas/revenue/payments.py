"""Payments in (収納) and matching (消込).

A payment is matched by its 納付番号 first, then by taxpayer and amount (an instalment, or everything
due, owed to the yen); what matches neither waits in the queue of unmatched payments. A matched payment
settles principal before 延滞金 (rules.allocation): the 延滞金 of an instalment is determined when its
principal is paid off late, from the history of its payments; anything left over is an over-payment
settled by 充当 or a refund.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from lgcloud.areas.revenue import ledger, matching
from lgcloud.areas.revenue.models import Bill, Payment, PaymentChannel, PaymentStatus
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import current_actor

Incoming = matching.Incoming
Duplicate = matching.Duplicate

UNMATCHED_QUEUE = "revenue.unmatched_payment"
worklists.register_queue(UNMATCHED_QUEUE, label="未消込の収納")


def unmatched_item(payment: Payment) -> dict[str, Any]:
    """The clerks' 処理待ち for an unmatched payment; it is closed when the payment is assigned."""
    return unmatched_item_of(payment.pk, payment.amount, payment.paid_on, payment.channel, payment.reason,
                             payment.reference, payment.source, payment.line_no)


_CHANNELS = dict(PaymentChannel.choices)
# the columns `unmatched_item_of` reads, in its order (for a `values_list` of many unmatched payments)
UNMATCHED_FIELDS = ("pk", "amount", "paid_on", "channel", "reason", "reference", "source", "line_no")


def unmatched_item_of(pk: int, amount: int, paid_on: dt.date, channel: str, reason: str, reference: str, source: str,
                      line_no: int | None) -> dict[str, Any]:
    """`unmatched_item` from the payment's columns (no model instance: a day's file has thousands)."""
    return dict(
        subject_ref=f"revenue.payment:{pk}",
        title=f"未消込の収納 {amount:,}円（{paid_on:%Y-%m-%d}、{_CHANNELS.get(channel, channel)}）",
        reason=reason, proposed_action="納税者（宛名番号）と期別を特定して消し込む",
        payload={"payment_id": pk, "amount": amount, "reference": reference, "source": source, "line_no": line_no},
        capability=Cap.REVENUE_CHANGE, dedupe_key=f"payment:{pk}", link=f"/revenue/payments/{pk}/")


def _ranges(pks: list[int]) -> str:
    """1,2,3,7 → "1-3,7"."""
    spans: list[list[int]] = []
    for pk in sorted(pks):
        if spans and spans[-1][1] == pk - 1:
            spans[-1][1] = pk
        else:
            spans.append([pk, pk])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


def receive_many(incomings: Sequence[Incoming], *, replaces_preliminary: bool = False) -> list[Payment]:
    """Record and match a batch of payments (in the caller's transaction), set-based (see `matching`).

    Refused whole (`Duplicate`, `ValidationFailed`) before anything is written. With `replaces_preliminary`,
    a 速報 already in for the same key is replaced by the payment (a convenience store's 確報)."""
    for i in incomings:
        if i.amount <= 0:
            where = f"{i.line_no}行目: " if i.line_no else ""
            raise ValidationFailed(f"{where}金額は1円以上で指定してください（{i.amount}円）。", field="amount")
    keys = [i.key()[:120] for i in incomings]
    matching.check_duplicates(keys, ignore_preliminary=replaces_preliminary)
    if replaces_preliminary:
        for batch in matching.chunks(keys):
            Payment.objects.filter(matching.among(Payment, "dedupe_key", batch),
                                   status=PaymentStatus.PRELIMINARY).delete()
    m = matching.Matcher()
    matching.prepare(m, incomings)
    actor = current_actor().username
    done: list[Payment] = []
    unmatched: list[Payment] = []
    for incoming, key in zip(incomings, keys, strict=True):
        person_no, bill, reason = m.match(incoming)
        payment = Payment(
            paid_on=incoming.paid_on, amount=incoming.amount, channel=incoming.channel, reference=incoming.reference,
            person_no=person_no if person_no is not None else incoming.person_no, payer=incoming.payer[:100],
            status=PaymentStatus.APPLIED if person_no is not None else PaymentStatus.UNMATCHED, reason=reason,
            source=incoming.source[:200], line_no=incoming.line_no, dedupe_key=key, created_by=actor)
        m.payments.append(payment)
        done.append(payment)
        if person_no is None:
            unmatched.append(payment)
        elif m.apply(payment, person_no, bill):
            m.flush()
            ledger.settle_over_payments(person_no, incoming.paid_on)
            m.forget(person_no)
    m.flush()
    worklists.raise_items(UNMATCHED_QUEUE, [unmatched_item(p) for p in unmatched])
    if len(done) == 1:
        audit_single(done[0])
    elif done:
        audit_batch(len(done), len(done) - len(unmatched), len(unmatched), sum(p.amount for p in done),
                    sorted({p.source for p in done})[:20], done[0].pk, done[-1].pk, _ranges([p.pk for p in done]))
    return done


def audit_single(p: Payment) -> None:
    audit.record("revenue.payment_received", obj=p,
                 detail={"amount": p.amount, "status": p.status, "reference": p.reference,
                         "person_no": p.person_no, "reason": p.reason})


def audit_batch(count: int, matched: int, unmatched: int, total: int, sources: list[str], first: int, last: int,
                ranges: str) -> None:
    """One audit record for a batch of payments (their ids as ranges)."""
    audit.record("revenue.payments_received", object_type="Payment", object_id=f"{first}-{last}",
                 detail={"count": count, "matched": matched, "unmatched": unmatched, "total": total,
                         "sources": sources, "payments": ranges})


def receive_payment(incoming: Incoming) -> Payment:
    """Record and match one payment (in the caller's transaction); duplicates raise `Duplicate`."""
    return receive_many([incoming])[0]


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
    m = matching.Matcher()
    m.load_persons([person_no])
    over = m.apply(payment, person_no, m.bills[bill.pk] if bill is not None else None)
    m.flush()
    if over:
        ledger.settle_over_payments(person_no, payment.paid_on)
    audit.record("revenue.payment_resolved", obj=payment, detail={"person_no": person_no, "reference": reference})
    worklists.resolve(UNMATCHED_QUEUE, f"payment:{payment.pk}", outcome=f"宛名番号 {person_no} に消込")
    return payment
