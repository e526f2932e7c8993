"""Matching in SQL (PostgreSQL): a convenience-store file booked by the SQL path gives exactly what the Python import
gives — 延滞金 before principal, partial, late and over-payments, several lines for one instalment, unknown
references to the worklist, 速報 then 確報 —, all or nothing, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from lgcloud.areas.revenue import imports, movements, sqlmatch
from lgcloud.areas.revenue.models import Bill, Entry, Payment, PaymentStatus, Refund
from lgcloud.platform import levies
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.worklists.models import WorkItem

D = dt.date
DUES = [D(2025, 6, 30), D(2025, 8, 31), D(2025, 10, 31), D(2026, 1, 31)]
HEADER = ",".join(imports.CVS_HEADER)

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the SQL path runs on PostgreSQL")


def setup_people(base: int, n: int) -> None:
    for k in range(n):
        for levy in ("resident_tax.ordinary", "property_tax"):
            levies.submit_bills(levies.BillSet(
                levy=levy, fiscal_year=2025, person_no=base + k, reason="当初賦課", effective_on=D(2025, 6, 1),
                lines=tuple(levies.BillLine(i + 1, d, 100_000 + 10_000 * k) for i, d in enumerate(DUES))))


def day_file(base: int, tag: str) -> bytes:
    """Twelve taxpayers: on time, late (延滞金), partial, partial then the rest late, over-payment (充当/還付), two
    lines for one instalment, unknown reference, a 速報 completed by its 確報, a 速報 alone."""
    ref = {(b.person_no - base, b.levy, b.installment): b.payment_ref
           for b in Bill.objects.filter(person_no__gte=base, person_no__lt=base + 20)}
    due = {k: 100_000 + 10_000 * k for k in range(12)}
    rows = [
        ("確報", "20250625", 0, "property_tax", 1, due[0]),  # on time, paid off
        ("確報", "20250910", 1, "property_tax", 1, due[1]),  # late, paid off: 延滞金
        ("確報", "20250910", 2, "property_tax", 2, due[2] // 2),  # late, partial: no 延滞金 yet
        ("確報", "20250625", 3, "property_tax", 1, 40_000),  # partial on time …
        ("確報", "20250925", 3, "property_tax", 1, due[3] - 40_000),  # … and the rest late, same file
        ("確報", "20250910", 4, "property_tax", 1, due[4] * 8 + 40_000),  # over-payment: every instalment, a refund
        ("確報", "20251212", 5, "resident_tax.ordinary", 1, due[5]),  # late after months (two rates)
        ("確報", "20250625", 6, "resident_tax.ordinary", 3, due[6]),  # paid before its 納期限
        ("確報", "20250625", 7, "unknown", 0, 12_345),  # unknown reference: the worklist
        ("速報", "20250626", 8, "property_tax", 2, due[8]),  # 速報 …
        ("確報", "20250626", 8, "property_tax", 2, due[8]),  # … completed by its 確報
        ("速報", "20250627", 9, "property_tax", 3, due[9]),  # a 速報 alone: recorded, not yet money
        ("確報", "20251001", 10, "property_tax", 1, due[10]),  # late
        ("確報", "20251001", 10, "property_tax", 2, due[10]),  # late too: same taxpayer, other instalment
    ]
    lines = [HEADER]
    for j, (kind, paid, k, levy, inst, amount) in enumerate(rows):
        r = ref.get((k, levy, inst), "99999999999999999")
        lines.append(f"{kind},{paid},1015,01,000{k},{tag}{j if kind == '確報' or k == 9 else j + 1:04d},{r},{amount}")
    return ("\n".join(lines) + "\n").encode()


def ledger_of(base: int) -> list[tuple[object, ...]]:
    """Every movement of the ledger, whichever row holds it (an entry, or a payment that is its own 収納 movement)."""
    bills = Bill.objects.filter(person_no__gte=base, person_no__lt=base + 20)
    entries = [*Entry.objects.filter(person_no__gte=base, person_no__lt=base + 20).select_related("bill"),
               *(movements.as_entry(p, p.bill) for p in movements.direct(b.pk for b in bills).select_related("bill"))]
    return sorted((e.person_no - base, e.bill.levy, e.bill.installment, e.kind, e.component, e.amount, e.booked_on)
                  for e in entries)


def payments_of(result: imports.ImportResult, base: int) -> list[tuple[object, ...]]:
    return [(p.status, p.amount, p.paid_on, p.line_no, (p.person_no or base) - base, p.reason.replace(str(base), ""))
            for p in result.payments]


def test_the_sql_path_books_what_the_python_import_books(in_a, monkeypatch):
    setup_people(1000, 12)
    setup_people(2000, 12)
    applied = []
    real = sqlmatch.apply
    monkeypatch.setattr(sqlmatch, "apply", lambda source, staged: applied.append(source) or real(source, staged))
    sql = imports.import_cvs(day_file(1000, "S"), "sql.csv")
    assert applied == ["sql.csv"]
    monkeypatch.setattr(sqlmatch, "ready", lambda: False)
    py = imports.import_cvs(day_file(2000, "P"), "python.csv")
    assert ledger_of(1000) == ledger_of(2000)
    assert payments_of(sql, 1000) == payments_of(py, 2000)
    assert [sql.batch.lines, sql.batch.matched, sql.batch.unmatched, sql.batch.total] == \
        [py.batch.lines, py.batch.matched, py.batch.unmatched, py.batch.total] == [14, 11, 1, sql.batch.total]
    assert sorted(r.amount for r in Refund.objects.filter(person_no__lt=2000)) == \
        sorted(r.amount for r in Refund.objects.filter(person_no__gte=2000)) != []
    kinds = {e[3] for e in ledger_of(1000)}
    assert {"late_fee", "collection"} <= kinds
    unmatched = [p.pk for p in sql.unmatched]
    assert len(unmatched) == 1 and WorkItem.objects.filter(dedupe_key=f"payment:{unmatched[0]}").count() == 1
    assert AuditRecord.objects.filter(action="revenue.payments_received").count() == 2
    assert AuditRecord.objects.filter(action="revenue.payments_imported").count() == 2
    assert [p.pk for p in sql.payments] == sorted(p.pk for p in sql.payments)  # file order
    assert movements.plain_mismatches() == []  # read from the instalment's row where its 調定 is its only entry
    assert Bill.objects.filter(person_no__lt=2000, plain_charge__isnull=False).count() > 80


def test_a_bad_line_refuses_the_whole_file_with_the_python_messages(in_a):
    setup_people(3000, 2)
    good = day_file(3000, "B").decode().splitlines()
    bad = "\n".join([*good[:3], good[2].replace("確報", "確定"), "確報,20250231,1,1,1,Z9,1,1", *good[3:]]) + "\n"
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_cvs(bad.encode(), "bad.csv")
    assert [(e.line, e.reason[:6]) for e in refused.value.errors] == [(4, "区分「確定」"), (5, "収納日「20")]
    assert not Payment.objects.exists() and not Entry.objects.exclude(kind="bill").exists()
    with connection.cursor() as cur:  # the staging tables went with the savepoint or the transaction
        cur.execute("SELECT count(*) FROM pg_class WHERE relname IN ('rv_raw', 'rv_m') "
                    "AND relpersistence = 't'")
        assert cur.fetchone()[0] == 0


def test_a_final_report_replaces_the_preliminary_one(in_a):
    setup_people(4000, 1)
    ref = Bill.objects.get(person_no=4000, levy="property_tax", installment=1).payment_ref
    line = f"確報,20250625,1,01,1,K1, {ref}\u3000,100000 "  # blanks around fields: stripped as str.strip() does
    imports.import_cvs(f"{HEADER}\n{line.replace('確報', '速報')}\n".encode(), "sokuho.csv")
    assert Payment.objects.get().status == PaymentStatus.PRELIMINARY
    done = imports.import_cvs(f"{HEADER}\n{line}\n".encode(), "kakuho.csv")
    assert [p.status for p in done.payments] == [PaymentStatus.APPLIED] and Payment.objects.count() == 1
    assert AuditRecord.objects.filter(action="revenue.payment_received").count() == 1


def test_a_payment_that_is_its_own_movement_reads_as_an_entry_later(in_a, monkeypatch):
    """The SQL path books an ordinary payment as one row (the payment is the 収納 movement); later files, 延滞金 from
    an earlier partial payment, a 更正 leaving an over-payment (充当), balances as of a date and the account read it
    as the Python path's entries."""
    from lgcloud.areas.revenue import ledger, reading

    def files(base: int, tag: str) -> tuple[bytes, bytes]:
        ref = {(b.person_no - base, b.installment): b.payment_ref
               for b in Bill.objects.filter(person_no__gte=base, person_no__lt=base + 2, levy="property_tax")}
        first = [f"確報,20250625,1,01,1,{tag}1,{ref[0, 1]},40000",  # partial, on time
                 f"確報,20250625,1,01,1,{tag}2,{ref[1, 1]},110000"]  # paid off, on time
        second = [f"確報,20251225,1,01,1,{tag}3,{ref[0, 1]},60000"]  # the rest, late: 延滞金 after the partial
        return (("\n".join([HEADER, *first]) + "\n").encode(), ("\n".join([HEADER, *second]) + "\n").encode())

    def run(base: int, tag: str) -> None:
        setup_people(base, 2)
        one, two = files(base, tag)
        imports.import_cvs(one, f"{tag}1.csv")
        imports.import_cvs(two, f"{tag}2.csv")
        levies.submit_bills(levies.BillSet(  # 更正: 40,000 for the year, 110,000 already paid on the 第1期
            levy="property_tax", fiscal_year=2025, person_no=base + 1, reason="更正", effective_on=D(2025, 10, 1),
            lines=tuple(levies.BillLine(i + 1, d, 10_000) for i, d in enumerate(DUES))))

    run(5000, "Q")
    assert Payment.objects.filter(person_no__gte=5000, bill__isnull=False).count() == 3  # one row each, no entry
    assert not Entry.objects.filter(person_no__gte=5000, kind="collection").exists()
    monkeypatch.setattr(sqlmatch, "ready", lambda: False)
    run(6000, "R")
    assert not Payment.objects.filter(person_no__gte=6000, bill__isnull=False).exists()
    assert ledger_of(5000) == ledger_of(6000)
    assert {"late_fee", "collection", "appropriation"} <= {e[3] for e in ledger_of(5000)}
    moved = [e[5] for e in ledger_of(5000) if e[3] == "appropriation" and e[5] < 0]
    assert sum(moved) == -70_000  # the over-payment left by the 更正, 充当 to the person's 住民税 due
    for k in range(2):
        a, b = (Bill.objects.filter(person_no=base + k).order_by("levy", "installment") for base in (5000, 6000))
        for on in (D(2025, 6, 30), D(2025, 9, 30), D(2025, 12, 31), None):
            assert [ledger.balances([x.pk], on).get(x.pk, 0) for x in a] == \
                [ledger.balances([x.pk], on).get(x.pk, 0) for x in b]
        sa, sb = reading.account(5000 + k, D(2025, 9, 30)), reading.account(6000 + k, D(2025, 9, 30))
        assert (sa.outstanding, sa.late_fee_outstanding) == (sb.outstanding, sb.late_fee_outstanding)
        assert sorted((e.kind, e.amount, e.booked_on) for e in sa.entries) == \
            sorted((e.kind, e.amount, e.booked_on) for e in sb.entries)
    assert movements.plain_mismatches() == [] and movements.dangling() == []
    assert Bill.objects.get(person_no=5001, levy="property_tax", installment=2).plain_charge is None  # the 更正
    fee = Entry.objects.get(person_no=5000, kind="late_fee")
    assert fee.amount == 2_200 and fee.booked_on == D(2025, 12, 25)  # on 60,000 from 7月1日 (the partial before)


def test_a_final_report_file_is_booked_in_one_statement_as_the_python_import_books_it(in_a, monkeypatch):
    """A file of 確報 only (nearly every day's file) goes through `sqlfast` — no staging table —; the same movements,
    payments, counts, worklist and audit as the Python import. A duplicate (within the file, or of a payment already
    in) rolls it back: the staged path and the Python import refuse the file with its messages, nothing written."""
    from lgcloud.areas.revenue import sqlfast

    def final_only(base: int, tag: str) -> bytes:
        return "".join(x + "\n" for x in day_file(base, tag).decode().splitlines() if "速報" not in x).encode()

    setup_people(7000, 12)
    setup_people(8000, 12)
    taken, late = [], []
    real = sqlfast.take

    def take(*a):  # type: ignore[no-untyped-def]
        taken.append(real(*a))
        with connection.cursor() as cur:  # the late lines the statement kept for their 延滞金
            cur.execute("SELECT count(*) FROM rv_late")
            late.append(cur.fetchone()[0])
        return taken[-1]

    monkeypatch.setattr(sqlfast, "take", take)
    sql = imports.import_cvs(final_only(7000, "F"), "fast.csv")
    assert len(taken) == 1 and taken[0] is not None and late[0] and taken[0].rare
    monkeypatch.setattr(sqlmatch, "ready", lambda: False)
    py = imports.import_cvs(final_only(8000, "G"), "python.csv")
    assert ledger_of(7000) == ledger_of(8000)
    assert payments_of(sql, 7000) == payments_of(py, 8000)
    assert [sql.batch.lines, sql.batch.matched, sql.batch.unmatched, sql.batch.total] == \
        [py.batch.lines, py.batch.matched, py.batch.unmatched, py.batch.total] == [12, 11, 1, sql.batch.total]
    assert {"late_fee", "collection"} <= {e[3] for e in ledger_of(7000)}
    assert [p.pk for p in sql.payments] == sorted(p.pk for p in sql.payments)
    unmatched = [p.pk for p in sql.unmatched]
    assert len(unmatched) == 1 and WorkItem.objects.filter(dedupe_key=f"payment:{unmatched[0]}").count() == 1
    assert AuditRecord.objects.filter(action="revenue.payments_received").count() == 2
    assert movements.plain_mismatches() == [] and movements.dangling() == []
    monkeypatch.undo()
    before = (Payment.objects.count(), Entry.objects.count(), WorkItem.objects.count())
    again = final_only(7000, "H").decode().splitlines()
    for bad in ([*again, again[1]], [*again[:2], final_only(7000, "F").decode().splitlines()[3]]):
        with pytest.raises(imports.ImportRefused) as refused:
            imports.import_cvs(("\n".join(bad) + "\n").encode(), "dup.csv")
        assert len(refused.value.errors) == 1 and "取扱番号" in refused.value.errors[0].reason
    for amount in ("+100000", "0100000x", "1e5"):  # what a cast would take or refuse: the Python import's message
        with pytest.raises(imports.ImportRefused) as refused:
            imports.import_cvs(f"{again[0]}\n{again[1].rsplit(',', 1)[0]},{amount}\n".encode(), "amount.csv")
        assert [e.reason for e in refused.value.errors] == [f"金額「{amount}」は1円以上の整数です"]
    assert (Payment.objects.count(), Entry.objects.count(), WorkItem.objects.count()) == before
