"""The ledger's writes: 調定 received from the levies, 更正, over-payments (充当 / 還付), 減免, 不納欠損.

Every change is one or more immutable `Entry` rows plus an audit record, in the caller's transaction
(the receiver runs inside the levy's) or in one of its own (`transaction.atomic`).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Sum

from lgcloud.areas.revenue import movements
from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.models import Bill, Component, Entry, EntryKind, Refund, RefundStatus, Submission
from lgcloud.areas.revenue.rules.allocation import Debt, apply_payment
from lgcloud.areas.revenue.rules.refund_interest import refund_interest
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.db import lists
from lgcloud.platform.levies import BillSet
from lgcloud.platform.tenancy.context import current_actor

LEVY_CODES = {"resident_tax.ordinary": 11, "resident_tax.payroll": 12, "resident_tax.pension": 13, "property_tax": 21,
              "light_vehicle_tax": 31, "nhi_tax": 41}


def levy_code(levy: str) -> int:
    return LEVY_CODES.get(levy, 50 + zlib.crc32(levy.encode()) % 50)


def payment_ref(levy: str, fiscal_year: int, person_no: int, installment: int) -> str:
    """納付番号: levy (2) + 年度 (2) + 期別 (2) + 宛名番号 (10) + check digit (mod 10, weights 3/1)."""
    body = f"{levy_code(levy):02d}{fiscal_year % 100:02d}{installment:02d}{person_no % 10**10:010d}"
    rev = body[::-1]  # weight 3 on the last digit and every second one before it
    total = 3 * sum(map(int, rev[0::2])) + sum(map(int, rev[1::2]))
    return body + str((10 - total % 10) % 10)


def _book(bill: Bill, kind: str, amount: int, on: dt.date, reason: str, *, component: str = Component.PRINCIPAL,
          payment_id: int | None = None, refund: Refund | None = None, source_ref: str = "",
          initial: bool = False) -> Entry:
    """One entry; `initial`: the first 調定 of an instalment received with it as `plain_charge`."""
    entry = Entry(bill=bill, person_no=bill.person_no, kind=kind, component=component, amount=amount, booked_on=on,
                  reason=reason[:200], payment_id=payment_id, refund=refund, source_ref=source_ref[:120],
                  created_by=current_actor().username)
    entry.save()
    if component == Component.PRINCIPAL and not initial:
        movements.unplain([bill.pk])
        bill.plain_charge = bill.plain_on = None
    return entry


def balances(bill_ids: Iterable[int], as_of: dt.date | None = None,
             component: str | None = Component.PRINCIPAL) -> dict[int, int]:
    ids = list(bill_ids)
    qs = Entry.objects.filter(lists.among(Entry, "bill_id", ids))
    if as_of is not None:
        qs = qs.filter(booked_on__lte=as_of)
    if component is not None:
        qs = qs.filter(component=component)
    out = {row["bill_id"]: int(row["s"] or 0) for row in qs.values("bill_id").annotate(s=Sum("amount"))}
    if component in (None, Component.PRINCIPAL):
        for bill_id, s in movements.direct_sums(ids, as_of).items():
            out[bill_id] = out.get(bill_id, 0) + s
    return out


def _charged(bills: dict[int, Bill]) -> dict[int, int]:
    """The 調定 currently in force per instalment (sum of its 調定 entries)."""
    qs = Entry.objects.filter(bill__in=list(bills.values()), kind=EntryKind.BILL)
    by_id = {r["bill_id"]: int(r["s"] or 0) for r in qs.values("bill_id").annotate(s=Sum("amount"))}
    return {b.installment: by_id.get(b.pk, 0) for b in bills.values()}


def _targets(lines: dict[int, tuple[dt.date, int]], current: dict[int, int], due: dict[int, dt.date],
             effective_on: dt.date) -> dict[int, int]:
    """The amounts to hold per instalment after this submission.

    An increase (or the same total spread differently) takes the levy's instalments as given. A decrease
    lowers the instalments not yet due first, the last one first, then those already due (last first),
    as municipal practice does — whatever spread the levy proposed.
    """
    new_total = sum(a for _, a in lines.values())
    if new_total >= sum(current.values()):
        return {k: lines[k][1] if k in lines else 0 for k in set(lines) | set(current)}
    targets = {k: current.get(k, 0) for k in set(lines) | set(current)}
    cut = sum(current.values()) - new_total
    dates = {k: (lines[k][0] if k in lines else due[k]) for k in targets}
    order = sorted(targets, key=lambda k: (dates[k] <= effective_on, -dates[k].toordinal(), -k))
    for k in order:
        take = min(cut, targets[k])
        targets[k] -= take
        cut -= take
    return targets


def receive(bills: BillSet) -> None:
    """The levies' receiver: book the differences between what the levy now assesses and the ledger."""
    lines = {line.installment: (line.due_on, line.amount) for line in bills.lines}
    serial = sorted([k, d.isoformat(), a] for k, (d, a) in lines.items())
    key = {"levy": bills.levy, "fiscal_year": bills.fiscal_year, "person_no": bills.person_no}
    with transaction.atomic():
        last = Submission.objects.filter(**key).order_by("-pk").first()
        if last is not None and last.lines == serial:
            return
        Submission.objects.create(**key, lines=serial, reason=bills.reason[:200], effective_on=bills.effective_on,
                                  source_ref=bills.source_ref[:120])
        existing = {b.installment: b for b in Bill.objects.filter(**key)}
        current = _charged(existing)
        due = {k: b.due_on for k, b in existing.items()} | {k: d for k, (d, _a) in lines.items() if k not in existing}
        targets = _targets(lines, current, due, bills.effective_on)
        new = set(lines) - set(existing)
        for k in sorted(new):  # a new instalment: its first 調定 is its only principal entry (`Bill.plain_charge`)
            first = targets.get(k, 0) or None
            existing[k] = Bill.objects.create(**key, installment=k, due_on=lines[k][0],
                                              payment_ref=payment_ref(bills.levy, bills.fiscal_year,
                                                                      bills.person_no, k),
                                              plain_charge=first, plain_on=bills.effective_on if first else None)
        booked = []
        for k, target in sorted(targets.items()):
            diff = target - current.get(k, 0)
            if diff:
                _book(existing[k], EntryKind.BILL, diff, bills.effective_on, bills.reason, source_ref=bills.source_ref,
                      initial=k in new)
                booked.append({"installment": k, "amount": diff})
        audit.record("revenue.bills_received", object_type="Bill", object_id=bills.person_no,
                     detail={**key, "reason": bills.reason, "booked": booked, "source_ref": bills.source_ref})
        if booked:
            settle_over_payments(bills.person_no, bills.effective_on)


def open_debts(person_no: int, on: dt.date | None = None, *, due_only: bool = False) -> list[tuple[Bill, int, int]]:
    """(bill, principal outstanding, 延滞金 outstanding) for every instalment of the person with something owed."""
    bills = {b.pk: b for b in Bill.objects.filter(person_no=person_no)}
    principal = balances(bills, on)
    fees = balances(bills, on, Component.LATE_FEE)
    out = []
    for pk, bill in sorted(bills.items(), key=lambda kv: (kv[1].due_on, kv[1].levy, kv[1].installment)):
        if due_only and on is not None and bill.due_on > on:
            continue
        p, f = principal.get(pk, 0), fees.get(pk, 0)
        if p > 0 or f > 0:
            out.append((bill, max(p, 0), max(f, 0)))
    return out


def last_payment_on(bill: Bill) -> dt.date:
    last = bill.entries.filter(kind=EntryKind.COLLECTION).aggregate(m=Max("booked_on"))["m"]
    paid = movements.direct([bill.pk]).aggregate(m=Max("paid_on"))["m"]
    return max((d for d in (last, paid) if d is not None), default=bill.due_on)


def settle_over_payments(person_no: int, on: dt.date) -> list[Refund]:
    """Each over-paid instalment: 充当 to the person's debts already due (本税, then 延滞金), the rest to a refund."""
    refunds: list[Refund] = []
    bills = {b.pk: b for b in Bill.objects.filter(person_no=person_no)}
    principal = balances(bills)
    pending = {r["bill_id"]: int(r["s"]) for r in Refund.objects.filter(
        bill__in=list(bills.values()), status=RefundStatus.PENDING).values("bill_id").annotate(s=Sum("amount"))}
    for pk, bal in sorted(principal.items()):
        credit = -bal - pending.get(pk, 0)
        if credit <= 0:
            continue
        source = bills[pk]
        debts = [Debt(str(b.pk), b.due_on, p, f) for b, p, f in open_debts(person_no, on, due_only=True)
                 if b.pk != pk]
        applied = apply_payment(credit, debts)
        for a in applied.allocations:
            target = bills[int(a.key)]
            for part, comp in ((a.principal, Component.PRINCIPAL), (a.late_fee, Component.LATE_FEE)):
                if part:
                    why = f"過誤納金の充当（{source}から）"
                    _book(source, EntryKind.APPROPRIATION, part, on, f"過誤納金を{target}へ充当")
                    _book(target, EntryKind.APPROPRIATION, -part, on, why, component=comp)
        if applied.over_payment:
            refund = Refund.objects.create(person_no=person_no, bill=source, amount=applied.over_payment, arose_on=on,
                                           paid_on=last_payment_on(source))
            refunds.append(refund)
        audit.record("revenue.over_payment_settled", obj=source,
                     detail={"credit": credit, "appropriated": credit - applied.over_payment,
                             "refund": applied.over_payment})
    return refunds


@transaction.atomic
def decide_refund(refund_id: int, decided_on: dt.date) -> Refund:
    """還付決定: the 還付加算金 is computed to the decision date and the refund booked on the instalment."""
    refund = Refund.objects.select_for_update().filter(pk=refund_id).first()
    if refund is None:
        raise NotFound("指定の還付はありません。")
    if refund.status != RefundStatus.PENDING:
        raise ValidationFailed("この還付はすでに決定されています。", field="refund")
    if decided_on < refund.arose_on:
        raise ValidationFailed("還付決定日が過誤納の発生日より前です。", field="decided_on")
    bill = refund.bill
    lookup = P.database_lookup()
    first = max(refund.paid_on, bill.due_on).year
    rates = P.refund_interest_rates(lookup, first, max(first, decided_on.year))
    interest = refund_interest(refund.amount, refund.paid_on, bill.due_on, decided_on, rates,
                               P.roundings(lookup, decided_on.year))
    refund.status, refund.decided_on, refund.interest = RefundStatus.DECIDED, decided_on, interest.amount
    refund.save(update_fields=["status", "decided_on", "interest"])
    _book(bill, EntryKind.REFUND, refund.amount, decided_on, "過誤納金の還付", refund=refund)
    audit.record("revenue.refund_decided", obj=refund,
                 detail={"amount": refund.amount, "interest": interest.amount, "decided_on": decided_on.isoformat()})
    return refund


def _reduce(kind: str, label: str, bill_id: int, amount: int, on: dt.date, reason: str) -> Entry:
    bill = Bill.objects.filter(pk=bill_id).first()
    if bill is None:
        raise NotFound("指定の期別はありません。")
    if amount <= 0:
        raise ValidationFailed(f"{label}の金額は1円以上で指定してください。", field="amount")
    if not reason.strip():
        raise ValidationFailed(f"{label}の事由（根拠）を入力してください。", field="reason")
    outstanding = balances([bill.pk]).get(bill.pk, 0)
    if amount > outstanding:
        raise ValidationFailed(f"{label}の金額 {amount:,}円 が未納額 {max(outstanding, 0):,}円 を超えています。",
                               field="amount")
    entry = _book(bill, kind, -amount, on, reason)
    audit.record(f"revenue.{kind}", obj=entry, detail={"bill": bill.pk, "amount": amount, "reason": reason})
    return entry


@transaction.atomic
def write_off(bill_id: int, amount: int, on: dt.date, ground: str) -> Entry:
    """不納欠損 with its legal ground (地方税法第15条の7第4項・第5項, 第18条第1項 …)."""
    return _reduce(EntryKind.WRITE_OFF, "不納欠損", bill_id, amount, on, ground)


@transaction.atomic
def remit(bill_id: int, amount: int, on: dt.date, reason: str) -> Entry:
    """減免 (条例による減免)."""
    return _reduce(EntryKind.REMISSION, "減免", bill_id, amount, on, reason)
