"""消込 benchmark: a day's convenience-store file of P payments matched against I open instalments on PostgreSQL,
beside a raw COPY of the same P rows into a plain table, measured in the same run (target: matching ≤ 3× the COPY).

    LGCLOUD_PG_DURABLE=1 scripts/bench.sh revenue --instalments 1000000 --payments 200000

The instalments (4 a taxpayer, 固定資産税 2026年度, one 調定 entry each) are inserted by SQL (setup, not measured;
kept for the next run on the same database). The file is read by `imports.import_cvs` — parsing, checks, duplicates,
matching by 納付番号 (and by taxpayer and amount), 延滞金, over-payments, the unmatched queue, the audit record and
the commit — exactly as a clerk's upload. Mix: 1% unknown references (unmatched), 4% partial payments, 0.1%
over-payments (settled by 充当/還付 at once), the 第1期 (納期限 4月30日) paid late with its 延滞金 determined.
Peak memory is the process's maximum resident set size (ru_maxrss), printed beside the size before the import.

Three references, each measured in the same run after the import: the raw COPY of the file's lines into a narrow
unindexed table (the issue's reference); the floor of the rows written, as the taxation and 国保 benchmarks have it
(the payment rows this 消込 wrote, read back with every column and COPYed into a logged table `LIKE revenue_payment
INCLUDING DEFAULTS INCLUDING INDEXES`, committed); and the one-durable-row floor (the file COPYed into a temporary
table and written by one `INSERT … SELECT` into revenue_payment itself, no matching).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from lgcloud.areas.revenue import imports  # noqa: E402
from lgcloud.areas.revenue.models import Bill  # noqa: E402
from lgcloud.platform.tenancy.context import Actor, municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Group, Membership  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402

FY = 2026
DUES = ["2026-04-30", "2026-07-31", "2026-09-30", "2026-12-25"]
PAID_ON = dt.date(2026, 7, 10)


def amount(person: int) -> int:
    return 10_000 + (person * 7919 % 90) * 1_000


def ref(person: int, inst: int) -> str:
    return f"2126{inst:02d}{person:010d}0"


def backend_cpu() -> float | None:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far, when it runs on this machine and
    /proc shows it (on a shared machine a steadier measure than wall time); None otherwise."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def setup(m_id: int, instalments: int) -> None:
    persons = instalments // 4
    have = Bill.objects.count() // 4  # taxpayers already set up (an earlier, smaller run)
    if have >= persons:
        return
    t = time.perf_counter()
    cases = " ".join(f"WHEN {i + 1} THEN DATE '{d}'" for i, d in enumerate(DUES))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO revenue_bill (municipality_id, levy, fiscal_year, person_no, installment, due_on, payment_ref,
                                      created_at)
            SELECT %s, 'property_tax', {FY}, p, i, CASE i {cases} END,
                   '2126' || lpad(i::text, 2, '0') || lpad(p::text, 10, '0') || '0', now()
            FROM generate_series(%s, %s) AS p, generate_series(1, 4) AS i""", [m_id, have + 1, persons])
        cur.execute(f"""
            INSERT INTO revenue_entry (municipality_id, bill_id, person_no, kind, component, amount, booked_on, reason,
                                       source_ref, created_at, created_by)
            SELECT municipality_id, id, person_no, 'bill', 'principal', 10000 + (person_no * 7919 %% 90) * 1000,
                   DATE '{FY}-04-01', '当初賦課', '', now(), 'bench'
            FROM revenue_bill WHERE municipality_id = %s AND person_no > %s""", [m_id, have])
    with connection.cursor() as cur:
        cur.execute("ANALYZE revenue_bill")
        cur.execute("ANALYZE revenue_entry")
    print(f"setup: {(persons - have) * 4:,} instalments of {persons - have:,} taxpayers added ({time.perf_counter() - t:.0f} s)", flush=True)


def reset() -> None:
    """Take out what an earlier run booked (benchmark only: the ledger itself never deletes)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM revenue_entry WHERE kind <> 'bill'")
        cur.execute("DELETE FROM revenue_refund")
        cur.execute("DELETE FROM revenue_payment")
        cur.execute("DELETE FROM revenue_importbatch")
        cur.execute("DELETE FROM worklists_workitem WHERE queue = 'revenue.unmatched_payment'")
        cur.execute("DROP TABLE IF EXISTS bench_revenue_copy, bench_revenue_floor")
        # every instalment is back to its one 調定 entry: its `plain_charge`, as the bulk receiver writes it (the
        # instalments set up by SQL, or by an earlier version of this bench, and those an earlier run's entries cleared)
        cur.execute("""UPDATE revenue_bill b SET plain_charge = e.amount, plain_on = e.booked_on FROM revenue_entry e
                       WHERE e.bill_id = b.id AND e.kind = 'bill' AND b.plain_charge IS NULL""")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE revenue_bill")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE revenue_entry")
        cur.execute("VACUUM ANALYZE revenue_payment")


def day_file(instalments: int, payments: int) -> bytes:
    persons = instalments // 4
    stride = max(instalments // payments, 1)
    lines = [",".join(imports.CVS_HEADER)]
    for j in range(payments):
        k = (j * stride) % (persons * 4)
        person, inst = k // 4 + 1, k % 4 + 1
        due = amount(person)
        r = ref(person, inst)
        if j % 100 == 0:
            r, pay = f"8{j:016d}", due  # unknown reference
        elif j % 25 == 1:
            pay = due // 2  # partial
        elif j % 1000 == 7:
            pay = due + 5_000  # over-payment
        else:
            pay = due
        lines.append(f"確報,{PAID_ON:%Y%m%d},{100000 + j % 80000},0{j % 3 + 1},{j % 9000 + 1000},T{j:09d},{r},{pay}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--instalments", type=int, default=1_000_000)
    ap.add_argument("--payments", type=int, default=200_000)
    ap.add_argument("--statements", action="store_true", help="print the import's slowest SQL statements")
    args = ap.parse_args()
    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL (scripts/bench.sh starts one)"
    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        settings = {}
        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    print("PostgreSQL " + ", ".join(f"{k}={v}" for k, v in settings.items()), flush=True)
    group, _ = Group.objects.get_or_create(name="ベンチマーク協議会")
    m = ensure_municipality("113018", 1000)
    Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
    with municipality_scope(m, Actor("bench", "system", "system")):
        setup(m.pk, args.instalments)
        reset()
        content = day_file(args.instalments, args.payments)
        source = f"cvs_{PAID_ON:%Y%m%d}.csv"
        before = rss_mb()
        timings: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append((time.perf_counter() - t0, " ".join(sql.split())[:110]))

        backend0 = backend_cpu()
        t, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed) if args.statements else contextlib.nullcontext():
            result = imports.import_cvs(content, source)
        match_s, match_cpu = time.perf_counter() - t, time.process_time() - cpu
        backend1 = backend_cpu()
        backend_s = backend1 - backend0 if backend0 is not None and backend1 is not None else None
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        batch = result.batch
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM revenue_entry WHERE kind = 'late_fee'")
            late = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM revenue_refund")
            refunds = cur.fetchone()[0]
            cur.execute("CREATE TABLE bench_revenue_copy (kind text, paid_on text, paid_at text, chain text, "
                        "store text, handling text, reference text, amount bigint)")
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            with cur.cursor.copy("COPY bench_revenue_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(content)
        copy_s = time.perf_counter() - t
        # the floor of one row a payment: the same rows written once into the payments table (its indexes, row-level
        # security, the durable commit), staged by COPY as the import stages them, no matching, no checks
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE bench_floor (LIKE bench_revenue_copy) ON COMMIT DROP")
            with cur.cursor.copy("COPY bench_floor FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                copy.write(content)
            cur.execute("""
                INSERT INTO revenue_payment (municipality_id, paid_on, amount, channel, reference, person_no, payer,
                                             status, reason, source, line_no, dedupe_key, created_at, created_by, bill_id)
                SELECT %s, to_date(paid_on, 'YYYYMMDD'), amount, 'cvs', reference, NULL, chain || '-' || store,
                       'applied', '', 'floor', NULL, 'floor:' || chain || ':' || handling, now(), 'bench',
                       hashtext(handling) & 1048575
                FROM bench_floor""", [m.pk])
        floor_s = time.perf_counter() - t
        # the honest floor, as the taxation and 国保 benchmarks have it: the payment rows this 消込 wrote, read back
        # (every column), COPYed into a logged table LIKE revenue_payment with its defaults and indexes, committed —
        # what writing exactly these rows costs PostgreSQL at the least
        buffer = io.BytesIO()
        with connection.cursor() as cur:
            with cur.cursor.copy("COPY (SELECT * FROM revenue_payment WHERE source = %s ORDER BY id) TO STDOUT",
                                 (source,)) as copy:
                for chunk in copy:
                    buffer.write(chunk)
            cur.execute("DROP TABLE IF EXISTS bench_revenue_floor")
            cur.execute("CREATE TABLE bench_revenue_floor (LIKE revenue_payment INCLUDING DEFAULTS INCLUDING INDEXES)")
            cur.execute("SELECT tablename, count(*) FROM pg_indexes WHERE tablename IN ('revenue_payment', "
                        "'bench_revenue_floor') GROUP BY tablename")
            indexes = dict(cur.fetchall())
        data = buffer.getvalue()
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            with cur.cursor.copy("COPY bench_revenue_floor FROM STDIN") as copy:
                copy.write(data)
        rows_s = time.perf_counter() - t
        with connection.cursor() as cur:
            cur.execute("SELECT count(*), pg_total_relation_size('bench_revenue_floor') FROM bench_revenue_floor")
            floor_rows, floor_bytes = cur.fetchone()
            cur.execute("DROP TABLE bench_revenue_floor")
    print(f"matching: {batch.lines:,} payments against {args.instalments:,} instalments — {batch.matched:,} matched, "
          f"{batch.unmatched:,} unmatched, {late:,} 延滞金 determined, {refunds:,} refunds — {match_s:.1f} s "
          f"({batch.lines / match_s:,.0f} payments/s; {match_cpu:.1f} s CPU in this process"
          + (f", {backend_s:.1f} s in its PostgreSQL backend" if backend_s is not None else "") + ")")
    print(f"COPY of the same {batch.lines:,} rows: {copy_s:.2f} s → ratio {match_s / max(copy_s, 1e-9):.1f}× "
          f"(target ≤ 3×)")
    print(f"one-durable-row floor (COPY into a temporary table + one INSERT … SELECT into revenue_payment, no matching): "
          f"{floor_s:.2f} s = {floor_s / max(copy_s, 1e-9):.1f}× the COPY; matching = {match_s / max(floor_s, 1e-9):.1f}× "
          f"the floor")
    print(f"floor of the rows written (the {floor_rows:,} payment rows of this 消込, every column, COPYed into a logged "
          f"table LIKE revenue_payment with its {indexes.get('bench_revenue_floor', 0)} indexes as the table's "
          f"{indexes.get('revenue_payment', 0)}, committed; {len(data) / 2**20:,.1f} MiB of COPY text, "
          f"{floor_bytes / 2**20:,.0f} MiB with its indexes): {rows_s:.2f} s = {rows_s / max(copy_s, 1e-9):.1f}× the "
          f"file COPY; matching = {match_s / max(rows_s, 1e-9):.1f}× this floor (target ≤ 3×)")
    print(f"ratios: matching / file COPY {match_s / max(copy_s, 1e-9):.1f}×, / floor of the rows written "
          f"{match_s / max(rows_s, 1e-9):.1f}×, / one-durable-row floor {match_s / max(floor_s, 1e-9):.1f}×; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for secs, sql in sorted(timings, reverse=True)[:12]:
        print(f"  {secs:6.2f} s  {sql}")
    print(f"peak memory (max RSS): {peak:,.0f} MB (RSS before the import {before:,.0f} MB)")


if __name__ == "__main__":
    main()
