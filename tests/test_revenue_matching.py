"""Set-based matching: a batch gives exactly what the same payments give one by one, in few queries."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lgcloud.areas.revenue import payments
from lgcloud.areas.revenue.models import Bill, Entry, PaymentChannel, PaymentStatus, Refund
from lgcloud.platform import levies
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.worklists.models import WorkItem

D = dt.date
DUES = [D(2025, 6, 30), D(2025, 8, 31), D(2025, 10, 31), D(2026, 1, 31)]


def setup_people(base: int, n: int) -> None:
    for k in range(n):
        amounts = [100_000 + 10_000 * (k % 7)] * 4
        for levy in ("resident_tax.ordinary", "property_tax"):
            levies.submit_bills(levies.BillSet(
                levy=levy, fiscal_year=2025, person_no=base + k, reason="当初賦課", effective_on=D(2025, 6, 1),
                lines=tuple(levies.BillLine(i + 1, DUES[i], a) for i, a in enumerate(amounts))))


def day_file(base: int, n: int, tag: str) -> list[payments.Incoming]:
    rng = random.Random(7)
    refs = {(b.person_no - base, b.levy, b.installment): b.payment_ref
            for b in Bill.objects.filter(person_no__gte=base, person_no__lt=base + n)}
    out = []
    for j in range(60):
        k = rng.randrange(n)
        inst, levy = rng.randrange(1, 5), rng.choice(["resident_tax.ordinary", "property_tax"])
        paid = rng.choice([D(2025, 6, 20), D(2025, 9, 20), D(2025, 12, 1), D(2026, 3, 1)])
        amount = rng.choice([100_000 + 10_000 * (k % 7), 50_000, 250_000, 1_200_000, 3_300])
        kind = rng.random()
        if kind < 0.7:
            i = payments.Incoming(paid, amount, PaymentChannel.BANK, reference=refs[(k, levy, inst)])
        elif kind < 0.8:
            i = payments.Incoming(paid, amount, PaymentChannel.COUNTER, person_no=base + k, identified=True)
        elif kind < 0.9:
            i = payments.Incoming(paid, amount, PaymentChannel.BANK, person_no=base + k)
        else:
            i = payments.Incoming(paid, amount, PaymentChannel.CONVENIENCE_STORE, reference="9" * 17)
        out.append(payments.Incoming(**{**i.__dict__, "dedupe_key": f"{tag}:{j}", "line_no": j + 2}))
    return out


def ledger_of(base: int, n: int) -> list[tuple[object, ...]]:
    entries = Entry.objects.filter(person_no__gte=base, person_no__lt=base + n).select_related("bill")
    return sorted((e.person_no - base, e.bill.levy, e.bill.installment, e.kind, e.component, e.amount, e.booked_on)
                  for e in entries)


@pytest.mark.parametrize("n", [6])
def test_a_batch_books_what_the_payments_one_by_one_book(in_a, n):
    setup_people(1000, n)
    setup_people(2000, n)
    batch = payments.receive_many(day_file(1000, n, "batch"))
    single = [payments.receive_payment(i) for i in day_file(2000, n, "single")]
    assert ledger_of(1000, n) == ledger_of(2000, n)
    assert [(p.status, p.amount, p.reason) for p in batch] == [(p.status, p.amount, p.reason) for p in single]
    assert sorted(r.amount for r in Refund.objects.filter(person_no__lt=2000)) == \
        sorted(r.amount for r in Refund.objects.filter(person_no__gte=2000))
    assert any(e.kind == "late_fee" for e in Entry.objects.filter(person_no__lt=2000))
    unmatched = [p for p in batch if p.status == PaymentStatus.UNMATCHED]
    assert unmatched and WorkItem.objects.filter(dedupe_key__in=[f"payment:{p.pk}" for p in unmatched]).count() == \
        len(unmatched)
    assert AuditRecord.objects.filter(action="revenue.payments_received").count() == 1


def test_a_large_file_is_matched_in_a_bounded_number_of_queries(in_a):
    setup_people(3000, 15)
    refs = list(Bill.objects.filter(person_no__gte=3000).values_list("payment_ref", "person_no"))
    incoming = [payments.Incoming(D(2025, 6, 20), 100_000 + 10_000 * ((p - 3000) % 7), PaymentChannel.BANK,
                                  reference=r, dedupe_key=f"q:{r}") for r, p in refs]
    with CaptureQueriesContext(connection) as q:
        done = payments.receive_many(incoming)
    assert len(done) == 120 and all(p.status == PaymentStatus.APPLIED for p in done)
    assert len(q.captured_queries) < 30, [x["sql"][:80] for x in q.captured_queries]
