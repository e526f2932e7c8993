"""The levies' bulk receiver: many taxpayers' 調定 in one call, written set-based.

`levies.submit_many(bill_sets)` hands a whole assessment run (a taxation or 国保 batch, hundreds of thousands of
bill sets) to `receive_many`, which books exactly what `ledger.receive` would book set by set, in a few queries a
chunk and large bulk inserts:

- the last submission of every (levy, 年度, taxpayer) of a chunk is read in one query; a set equal to it changes
  nothing (a re-run of the assessment is harmless, as with one set);
- the new submissions, the instalments not yet in the ledger, and the 調定 entries (the differences between what
  the levy now assesses and what the ledger holds, by the same rule `ledger._targets`) are written with
  `bulk_create` in large batches — on PostgreSQL the entries by COPY;
- taxpayers whose changed instalments leave an over-payment (a credit) are settled (充当 / 還付) by the ledger as
  with one set; a taxpayer named by more than one set of the call (個人住民税's 普通徴収 and 特別徴収, say) has
  them booked in order, one bulk round per set (the first sets of everyone, settled, then the second sets …), so
  that each settlement sees what it would have seen;
- one audit record names the batch (levies, years, sets received, changed, entries, total booked).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from lgcloud.areas.revenue import ledger, matching, movements
from lgcloud.areas.revenue.models import Bill, Component, Entry, EntryKind, Submission
from lgcloud.platform.audit import services as audit
from lgcloud.platform.interchange import bulk
from lgcloud.platform.levies import BillSet
from lgcloud.platform.tenancy.context import current_actor, require_municipality

Key = tuple[str, int, int]  # levy, fiscal year, person_no
BATCH = 5000
_SUBMISSION_FIELDS = ("municipality_id", "levy", "fiscal_year", "person_no", "lines", "reason", "effective_on",
                      "source_ref", "created_at")
_BILL_FIELDS = ("id", "municipality_id", "levy", "fiscal_year", "person_no", "installment", "due_on", "payment_ref",
                "plain_charge", "plain_on", "created_at")


class _Bill(NamedTuple):
    """What the receiver needs of an instalment (no model instance: thousands are read or written a run)."""

    pk: int
    person_no: int
    due_on: dt.date


def _key(b: BillSet) -> Key:
    return (b.levy, b.fiscal_year, b.person_no)


def _serial(b: BillSet) -> list[list[object]]:
    return sorted([line.installment, line.due_on.isoformat(), line.amount] for line in b.lines)


def _of(model: type[Bill] | type[Submission], keys: list[Key]) -> QuerySet[Any]:
    """The rows of `model` for these (levy, 年度, taxpayer) keys — a superset: callers keep only their keys."""
    return model.objects.filter(levy__in={k[0] for k in keys}, fiscal_year__in={k[1] for k in keys}).filter(
        matching.among(model, "person_no", sorted({k[2] for k in keys}))).order_by()


def receive_many(bill_sets: Sequence[BillSet]) -> None:
    """Book many bill sets (in the caller's transaction, or one of its own)."""
    if not bill_sets:
        return
    with transaction.atomic():
        # Round k holds the k-th set of every taxpayer named in the call (in the call's order): a taxpayer's sets
        # are booked and settled in order, one round after the other, each round in bulk. Settlements only touch
        # their own taxpayer's instalments, so each sees what it would have seen set by set.
        rounds: list[list[BillSet]] = []
        seen: Counter[int] = Counter()
        for b in bill_sets:
            k = seen[b.person_no]
            seen[b.person_no] += 1
            if k == len(rounds):
                rounds.append([])
            rounds[k].append(b)
        stats: Counter[str] = Counter()
        for sets in rounds:
            credits: dict[int, dt.date] = {}
            for start in range(0, len(sets), matching.chunk_size()):
                _chunk(sets[start:start + matching.chunk_size()], stats, credits)
            for person_no, on in sorted(credits.items()):
                ledger.settle_over_payments(person_no, on)
        audit.record("revenue.bills_received_batch", object_type="Bill", object_id=f"batch:{len(bill_sets)}",
                     detail={"levies": sorted({b.levy for b in bill_sets}),
                             "fiscal_years": sorted({b.fiscal_year for b in bill_sets}), "sets": len(bill_sets),
                             "changed": stats["changed"], "entries": stats["entries"], "booked": stats["booked"],
                             "rounds": len(rounds),
                             "source_refs": sorted({b.source_ref for b in bill_sets if b.source_ref})[:20]})


def _chunk(sets: list[BillSet], stats: Counter[str], credits: dict[int, dt.date]) -> None:
    keys = [_key(b) for b in sets]
    wanted = set(keys)
    last: dict[Key, tuple[int, object]] = {}
    for pk, levy, fy, person_no, lines in _of(Submission, keys).values_list(
            "pk", "levy", "fiscal_year", "person_no", "lines"):
        k = (levy, fy, person_no)
        if k in wanted and (k not in last or pk > last[k][0]):
            last[k] = (pk, lines)
    changed = [b for b in sets if _key(b) not in last or last[_key(b)][1] != _serial(b)]
    if not changed:
        return
    stats["changed"] += len(changed)
    municipality_id, now = require_municipality().pk, timezone.now()
    if connection.vendor == "postgresql":
        Submission.objects.bulk_create([
            Submission(levy=b.levy, fiscal_year=b.fiscal_year, person_no=b.person_no, lines=_serial(b),
                       reason=b.reason[:200], effective_on=b.effective_on, source_ref=b.source_ref[:120])
            for b in changed], batch_size=BATCH)
    else:  # SQLite: one prepared executemany of tuples (no per-row model instance or field preparation)
        bulk.insert(Submission, _SUBMISSION_FIELDS, [
            (municipality_id, b.levy, b.fiscal_year, b.person_no, _serial(b), b.reason[:200], b.effective_on,
             b.source_ref[:120], now) for b in changed])
    ckeys = [_key(b) for b in changed]
    cset = set(ckeys)
    bills: dict[Key, dict[int, _Bill]] = defaultdict(dict)
    for pk, levy, fy, person_no, inst, due_on in _of(Bill, ckeys).values_list(
            "pk", "levy", "fiscal_year", "person_no", "installment", "due_on"):
        k = (levy, fy, person_no)
        if k in cset:
            bills[k][inst] = _Bill(pk, person_no, due_on)
    new = [(b, line) for b in changed for line in b.lines if line.installment not in bills[_key(b)]]
    charged: dict[int, int] = {}
    ids = [bill.pk for per in bills.values() for bill in per.values()]
    for batch in matching.chunks(ids):
        charged.update((bill_id, int(s or 0)) for bill_id, s in Entry.objects.filter(
            matching.among(Entry, "bill_id", batch), kind=EntryKind.BILL).order_by().values("bill_id")
            .annotate(s=Sum("amount")).values_list("bill_id", "s"))
    # the 調定 to book, before the new instalments are written: a new instalment's first 調定 is its `plain_charge`
    wanted_rows: list[tuple[Key, int, int, BillSet]] = []
    fresh = {(_key(b), line.installment) for b, line in new}
    first: dict[tuple[Key, int], int] = {}
    for b in changed:
        existing = bills[_key(b)]
        lines = {line.installment: (line.due_on, line.amount) for line in b.lines}
        current = {inst: charged.get(bill.pk, 0) for inst, bill in existing.items()}
        due = {inst: bill.due_on for inst, bill in existing.items()}
        for inst, (due_on, _amount) in lines.items():
            if inst not in existing:
                current[inst], due[inst] = 0, due_on
        for inst, target in sorted(ledger._targets(lines, current, due, b.effective_on).items()):
            diff = target - current.get(inst, 0)
            if diff:
                wanted_rows.append((_key(b), inst, diff, b))
                if (_key(b), inst) in fresh:
                    first[(_key(b), inst)] = diff
    plain = [(first.get((_key(b), line.installment)), b.effective_on if (_key(b), line.installment) in first else None)
             for b, line in new]
    if connection.vendor == "postgresql":
        for bill in Bill.objects.bulk_create([
                Bill(levy=b.levy, fiscal_year=b.fiscal_year, person_no=b.person_no, installment=line.installment,
                     due_on=line.due_on, payment_ref=ledger.payment_ref(b.levy, b.fiscal_year, b.person_no,
                                                                        line.installment),
                     plain_charge=charge, plain_on=on)
                for (b, line), (charge, on) in zip(new, plain, strict=True)], batch_size=BATCH):
            bills[(bill.levy, bill.fiscal_year, bill.person_no)][bill.installment] = _Bill(
                bill.pk, bill.person_no, bill.due_on)
    elif new:  # SQLite (one writer at a time): ids taken after the largest, the rows by one executemany
        start = bulk.allocate_ids(Bill, len(new))
        bulk.insert(Bill, _BILL_FIELDS, [
            (start + i, municipality_id, b.levy, b.fiscal_year, b.person_no, line.installment, line.due_on,
             ledger.payment_ref(b.levy, b.fiscal_year, b.person_no, line.installment), charge, on, now)
            for i, ((b, line), (charge, on)) in enumerate(zip(new, plain, strict=True))])
        for i, (b, line) in enumerate(new):
            bills[_key(b)][line.installment] = _Bill(start + i, b.person_no, line.due_on)
    rows = [(bills[k][inst], diff, b) for k, inst, diff, b in wanted_rows]
    movements.unplain(bills[k][inst].pk for k, inst, _, _ in wanted_rows if (k, inst) not in fresh)
    _write_entries(rows)
    stats["entries"] += len(rows)
    stats["booked"] += sum(diff for _, diff, _ in rows)
    _credits({bill.person_no: b.effective_on for bill, _, b in rows}, credits)


def _write_entries(rows: list[tuple[_Bill, int, BillSet]]) -> None:
    municipality_id, now, actor = require_municipality().pk, timezone.now(), current_actor().username
    values = [(municipality_id, bill.pk, bill.person_no, EntryKind.BILL.value, Component.PRINCIPAL.value, diff,
               b.effective_on, b.reason[:200], None, b.source_ref[:120], now, actor) for bill, diff, b in rows]
    if connection.vendor == "postgresql":
        matching.insert_rows("revenue_entry", matching.ENTRY_COLUMNS, values)
    else:
        bulk.insert(Entry, matching.ENTRY_FIELDS, values)


def _credits(touched: dict[int, dt.date], credits: dict[int, dt.date]) -> None:
    """The taxpayers left with an over-paid instalment: settled as `ledger.receive` settles them."""
    persons = sorted(touched)
    for batch in matching.chunks(persons):
        bal = {(bill_id, person_no): int(s) for bill_id, person_no, s in Entry.objects.filter(
            matching.among(Entry, "person_no", batch), component=Component.PRINCIPAL).order_by()
            .values("bill_id", "person_no").annotate(s=Sum("amount")).values_list("bill_id", "person_no", "s")}
        owner = {bill_id: person_no for bill_id, person_no in bal}
        direct = movements.direct_sums(owner)  # payments booked as 収納 movements lower the same balances
        for (bill_id, person_no), s in bal.items():
            if s + direct.get(bill_id, 0) < 0:
                credits[person_no] = touched[person_no]


class LedgerReceiver:
    """What revenue registers with `levies.register_receiver`: one set (`ledger.receive`) or many (`many`)."""

    def __call__(self, bills: BillSet) -> None:
        ledger.receive(bills)

    def many(self, bill_sets: Sequence[BillSet]) -> None:
        receive_many(bill_sets)
