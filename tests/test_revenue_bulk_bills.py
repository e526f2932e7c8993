"""The bulk 調定 receiver: `levies.submit_many` books exactly what the same sets submitted one by one book — first
assessment, a repeat, 更正 up and down after payments (over-payments settled by 充当 / 還付), a taxpayer named twice
in one call —, in a bounded number of queries, with one audit record for the batch."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lgcloud.areas.revenue import movements, payments
from lgcloud.areas.revenue.models import Bill, Entry, PaymentChannel, Refund, Submission
from lgcloud.platform import levies
from lgcloud.platform.audit.models import AuditRecord

D = dt.date
DUES = [D(2025, 6, 30), D(2025, 8, 31), D(2025, 10, 31), D(2026, 1, 31)]


def sets(base: int, n: int, amount: int, on: dt.date, reason: str, levy: str = "property_tax") -> list[levies.BillSet]:
    return [levies.BillSet(levy=levy, fiscal_year=2025, person_no=base + k, reason=reason, effective_on=on,
                           lines=tuple(levies.BillLine(i + 1, d, amount + 1_000 * k) for i, d in enumerate(DUES)))
            for k in range(n)]


def ledger_of(base: int) -> list[tuple[object, ...]]:
    return sorted((e.person_no - base, e.bill.levy, e.bill.installment, e.kind, e.component, e.amount, e.booked_on,
                   e.reason.replace(f"({e.person_no})", "")) for e in Entry.objects.filter(person_no__gte=base, person_no__lt=base + 1000)
                  .select_related("bill"))


def pay(base: int, n: int) -> None:
    for k in range(n):
        if k % 2 == 0:  # the first instalment paid, the even taxpayers
            ref = Bill.objects.get(person_no=base + k, levy="property_tax", installment=1).payment_ref
            payments.post_payment(payments.Incoming(D(2025, 6, 20), 20_000 + 1_000 * k, PaymentChannel.BANK,
                                                    reference=ref, dedupe_key=f"p:{base + k}"))


def scenario(base: int, submit) -> None:  # type: ignore[no-untyped-def]
    n = 8
    submit(sets(base, n, 20_000, D(2025, 6, 1), "当初賦課"))
    submit(sets(base, n, 20_000, D(2025, 6, 1), "当初賦課"))  # a repeat: nothing
    submit(sets(base, n, 7_000, D(2025, 6, 1), "当初賦課", levy="resident_tax.ordinary"))
    pay(base, n)
    # 更正: down for the first half (the paid instalments become over-paid: 充当 / 還付), up for the rest; the first
    # taxpayer also gets a 軽自動車税 set in the same call (named twice: booked set by set)
    down = sets(base, n // 2, 2_000, D(2025, 9, 10), "更正（減額）")
    up = sets(base + n // 2, n // 2, 30_000, D(2025, 9, 10), "更正（増額）")
    extra = levies.BillSet(levy="light_vehicle_tax", fiscal_year=2025, person_no=base, reason="当初賦課",
                           effective_on=D(2025, 9, 10), lines=(levies.BillLine(1, D(2025, 5, 31), 10_800),))
    submit([*down, extra, *up])


def test_submit_many_books_what_the_sets_one_by_one_book(in_a):
    scenario(1000, levies.submit_many)
    scenario(2000, lambda s: [levies.submit_bills(b) for b in s])
    assert ledger_of(1000) == ledger_of(2000)
    assert any(e[3] == "appropriation" for e in ledger_of(1000))
    assert sorted(r.amount for r in Refund.objects.filter(person_no__lt=2000)) == \
        sorted(r.amount for r in Refund.objects.filter(person_no__gte=2000))
    assert Submission.objects.filter(person_no__lt=2000).count() == \
        Submission.objects.filter(person_no__gte=2000).count()
    assert AuditRecord.objects.filter(action="revenue.bills_received_batch").count() == 4
    # the instalments whose only principal entry is their first 調定 say so (`Bill.plain_charge`), both receivers
    assert movements.plain_mismatches() == []
    plain = [sorted(Bill.objects.filter(person_no__gte=b, person_no__lt=b + 1000, plain_charge__isnull=False)
                    .values_list("person_no", "levy", "installment", "plain_charge", "plain_on")) for b in (1000, 2000)]
    assert [(p - 1000, *rest) for p, *rest in plain[0]] == [(p - 2000, *rest) for p, *rest in plain[1]] != []
    assert Bill.objects.filter(person_no__gte=1000, person_no__lt=2000, plain_charge__isnull=True).exists()


def test_a_large_batch_is_written_in_a_bounded_number_of_queries(in_a):
    with CaptureQueriesContext(connection) as q:
        levies.submit_many(sets(5000, 300, 12_000, D(2025, 6, 1), "当初賦課"))
    assert Bill.objects.filter(person_no__gte=5000).count() == 1200
    assert Entry.objects.filter(person_no__gte=5000).count() == 1200
    assert len(q.captured_queries) < 40, len(q.captured_queries)
