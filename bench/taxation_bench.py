"""個人住民税 benchmark: the annual assessment (`lgcloud tax assess`, `assessment.assess_all`) of N taxpayers on
PostgreSQL, beside a COPY of the same number of assessment rows measured in the same run (target: ≤ 3×), with the
peak memory of the process.

    scripts/bench.sh taxation --taxpayers 1000000

Set-up (not measured): a base register of up to 10,000 residents is loaded through the standard-layout import, as
the registry benchmark does, then copied by SQL (INSERT … SELECT, ids and numbers shifted) into the same tables —
households, persons, their events, event links, history snapshots and search keys — until there are N residents
(importing 1,000,000 through the layout takes ~40 min here; the copies are what the import would have written for
the same people under other numbers). The income records are synthesised and written by COPY — a realistic mix: salary for most people of working age (some with
特別徴収 by one of 200 employers, some with a spouse or dependants), public pension for those of 65 and over, other
income (申告) for one in ten — setup, not measured. The measured assessment reads the register as of 1 January
(registry.public), the income records and the current versions, computes every taxpayer and writes the assessment
rows in bulk. The 調定 go to a receiver that only counts them, so the figure is the assessment's own (revenue's
ledger has its own benchmark). A second run over the same inputs writes nothing (timed too).

On a kept cluster the set-up is reused: start one (`eval "$(PGPORT_TEST=55012 scripts/pg.sh start /tmp/pg-tax)"`
with LGCLOUD_PG_DURABLE=1) and run `.venv/bin/python bench/taxation_bench.py --taxpayers N` against it as often as
needed: the register and the income records are kept, only the assessment rows are rebuilt. `--profile` prints the
assessment's cProfile (top functions by cumulative time). Every run first empties the assessment table (TRUNCATE: the
benchmark's database holds nothing else), so it measures a full 当初賦課, never the no-op re-run.

The COPY floor is honest: the same rows (ids included) go by COPY into a logged table built LIKE the assessment
table with the same indexes (primary key, the unique version key, the current-version and municipality indexes), so
both pay the same WAL and index maintenance. `--write-via-temp` writes the assessment rows the former way (COPY into a
temporary table, then INSERT … SELECT) for comparison with the default single write (INSERT … SELECT FROM unnest).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")

import django  # noqa: E402
import procstat  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from gen_layout import generate  # noqa: E402

from lgcloud.areas.registry.models import (  # noqa: E402
    Counter,
    EventSubject,
    Household,
    Person,
    PersonSnapshot,
    RegistryEvent,
    SearchKey,
)
from lgcloud.areas.taxation import assessment  # noqa: E402
from lgcloud.areas.taxation.models import Assessment, IncomeKind, IncomeRecord, MatchedBy  # noqa: E402
from lgcloud.platform import levies  # noqa: E402
from lgcloud.platform.interchange import bulk  # noqa: E402
from lgcloud.platform.interchange.importer import import_municipality  # noqa: E402
from lgcloud.platform.tenancy.context import Actor, municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Group, Membership  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402

FY = 2026
COLUMNS = ("id, municipality_id, fiscal_year, person_no, version, reason, assessed_on, is_current, full_name, input_hash, "
           "parameter_version, facts, result, total, collection_method, installments")


def _age(birth: dt.date | None) -> int:
    if birth is None:
        return 40
    end = dt.date(FY - 1, 12, 31)
    return end.year - birth.year - ((end.month, end.day) < (birth.month, birth.day))


def incomes(rows: list[tuple[int, str, str, dt.date | None]]) -> list[IncomeRecord]:
    """A realistic mix of income records for the residents (deterministic)."""
    rng = random.Random(20260101)
    out = []
    for person_no, family, given, birth in rows:
        age = _age(birth)
        base = {"fiscal_year": FY, "person_no": person_no, "matched_by": MatchedBy.INDIVIDUAL_NUMBER,
                "full_name": f"{family}　{given}", "birth_date": birth, "source_file": "bench"}
        if 18 <= age < 65 and rng.random() < 0.72:
            salary = int(rng.lognormvariate(15.1, 0.5)) // 1000 * 1000
            employer = rng.randrange(200)
            family_facts = {}
            if rng.random() < 0.3:
                family_facts["spouse"] = {"income": rng.choice([0, 0, 480_000, 900_000, 1_200_000]), "age": age}
            if rng.random() < 0.25:
                family_facts["dependants"] = [{"income": 0, "age": rng.randrange(0, 22), "living_together": True}
                                              for _ in range(rng.randrange(1, 4))]
            out.append(IncomeRecord(kind=IncomeKind.SALARY_REPORT, payer_no=f"E{employer:05d}",
                                    payer_name=f"ベンチ工業{employer}", salary_revenue=salary,
                                    social_insurance_paid=salary * 15 // 100,
                                    life_insurance_deduction=rng.choice([0, 28_000, 56_000, 70_000]),
                                    payroll_withholding=rng.random() < 0.65, **family_facts, **base))
        elif age >= 65:
            pension = int(rng.lognormvariate(14.3, 0.45)) // 1000 * 1000
            out.append(IncomeRecord(kind=IncomeKind.PENSION_REPORT, payer_no="P0001", payer_name="日本年金機構",
                                    pension_revenue=pension, social_insurance_paid=pension * 8 // 100, **base))
        if age >= 20 and rng.random() < 0.1:
            out.append(IncomeRecord(kind=IncomeKind.TAX_RETURN, other_income=rng.randrange(20, 800) * 10_000, **base))
    return out


BASE = 10_000  # residents imported through the standard layout; the rest are SQL copies of them


def _clone(model: type, copies: int, shifts: dict[str, str], span: dict[str, int], municipality_id: int) -> None:
    """Copy the municipality's rows of `model` `copies` times by INSERT … SELECT, copy g (1…) with every column of
    `shifts` moved by g × span of what it refers to (an SQL expression over the column `c` and the copy `g`)."""
    table = model._meta.db_table
    cols = [f.column for f in model._meta.concrete_fields]
    exprs = []
    for c in cols:
        if c in shifts:
            exprs.append(shifts[c].replace("{c}", f't."{c}"').format(**{k: f"g * {v}" for k, v in span.items()}))
        else:
            exprs.append(f't."{c}"')
    with connection.cursor() as cur:
        cur.execute(f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                    f'SELECT {", ".join(exprs)} FROM "{table}" t CROSS JOIN generate_series(1, %s) g '
                    "WHERE t.municipality_id = %s", [copies, municipality_id])
        cur.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM " + f'"{table}"))',
                    [table])


def register(n: int, work: Path, municipality_id: int) -> None:
    """N residents: BASE imported through the standard layout, the rest copied by SQL (set-up, not measured)."""
    base = min(n, BASE)
    generate(work / "in", base)
    result = import_municipality(work / "in", replace=True)
    assert result.written, result.problems[:3]
    copies = -(-n // Person.objects.filter(status="resident").count()) - 1
    if copies <= 0:
        return
    with connection.cursor() as cur:
        span = {}
        for key, model, column in (("p", Person, "id"), ("pn", Person, "person_no"), ("h", Household, "id"),
                                   ("hn", Household, "household_no"), ("e", RegistryEvent, "id"),
                                   ("s", EventSubject, "id"), ("sn", PersonSnapshot, "id"), ("k", SearchKey, "id")):
            cur.execute(f'SELECT COALESCE(MAX("{column}"), 0) FROM "{model._meta.db_table}"')
            span[key] = int(cur.fetchone()[0])
    ids = "({c} + {%s})"
    _clone(Household, copies, {"id": ids % "h", "household_no": ids % "hn",
                               "head_id": ids % "p"}, span, municipality_id)
    _clone(Person, copies, {"id": ids % "p", "person_no": ids % "pn", "household_id": ids % "h",
                            "individual_number_hash": "''", "individual_number_enc": "''",
                            "individual_number_last4": "''"}, span, municipality_id)
    # the events' changes name persons and households by id: shift those ids in the JSON too
    changes = ("(SELECT jsonb_agg(CASE WHEN ch->>'target' = 'person' THEN jsonb_set(jsonb_set(ch, '{{id}}', "
               "to_jsonb((ch->>'id')::bigint + {p})), '{{set}}', CASE WHEN (ch->'set'->>'household_id') IS NULL "
               "THEN ch->'set' ELSE jsonb_set(ch->'set', '{{household_id}}', "
               "to_jsonb((ch->'set'->>'household_id')::bigint + {h})) END) "
               "ELSE jsonb_set(ch, '{{id}}', to_jsonb((ch->>'id')::bigint + {h})) END) "
               "FROM jsonb_array_elements({c}) ch)")
    _clone(RegistryEvent, copies, {"id": ids % "e", "changes": changes, "corrects_id": ids % "e",
                                   "cancels_id": ids % "e"}, span, municipality_id)
    _clone(EventSubject, copies, {"id": ids % "s", "event_id": ids % "e", "person_id": ids % "p",
                                  "household_id": ids % "h"}, span, municipality_id)
    _clone(PersonSnapshot, copies, {"id": ids % "sn", "person_id": ids % "p", "event_id": ids % "e",
                                    "household_id_at": ids % "h"}, span, municipality_id)
    _clone(SearchKey, copies, {"id": ids % "k", "person_id": ids % "p"}, span, municipality_id)
    for name, model, column in (("person", Person, "person_no"), ("household", Household, "household_no")):
        top = model.objects.order_by(f"-{column}").values_list(column, flat=True).first() or 0
        Counter.objects.filter(name=name).update(value=top)


INCOME_COLUMNS = ("id", "municipality_id", "fiscal_year", "kind", "person_no", "matched_by", "source_file", "line_no",
                  "payer_no", "payer_name", "full_name", "birth_date", "address", "salary_revenue",
                  "pension_revenue", "other_income", "social_insurance_paid", "life_insurance_deduction", "spouse",
                  "dependants", "payroll_withholding", "superseded", "note", "created_at")


def write_incomes(records: list[IncomeRecord], municipality_id: int) -> None:
    """The income records by COPY (set-up)."""
    now = dt.datetime.now(dt.UTC)
    first = bulk.allocate_ids(IncomeRecord, len(records))
    for k, r in enumerate(records):
        r.pk, r.municipality_id, r.created_at = first + k, municipality_id, now
    bulk.insert(IncomeRecord, INCOME_COLUMNS, (tuple(getattr(r, c) for c in INCOME_COLUMNS) for r in records))


def phases() -> None:
    """Wall, Python CPU and PostgreSQL backend CPU of the assessment's reading phases and of hashing every
    taxpayer's facts (what a no-op re-run does), to see which of them grows faster than the taxpayers."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = int(cur.fetchone()[0])
    marks = [(time.perf_counter(), time.process_time(), _backend_cpu(backend))]

    def mark(what: str) -> None:
        w, c, b = time.perf_counter(), time.process_time(), _backend_cpu(backend)
        w0, c0, b0 = marks[-1]
        marks.append((w, c, b))
        print(f"  {what}: wall {w - w0:.1f} s, Python CPU {c - c0:.1f} s, backend CPU {b - b0:.1f} s, "
              f"peak {peak_mb():,.0f} MB", flush=True)

    with transaction.atomic():
        people = assessment.taxpayers(FY)
        mark(f"taxpayers (register as of 1 January): {len(people):,}")
        by_person = assessment._incomes_by_person(FY)
        mark(f"income records of {len(by_person):,} persons")
        current = dict(Assessment.objects.filter(fiscal_year=FY, is_current=True).values_list("person_no", "pk"))
        mark(f"current versions: {len(current):,}")
        for t in people:
            assessment._digest(assessment.facts_for(t, FY, by_person.get(t.person_no, [])))
        mark("facts and input hash of every taxpayer")


def _backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a PostgreSQL backend on this machine (NaN if /proc does not show it)."""
    cpu = procstat.pid_cpu(pid)
    return float("nan") if cpu is None else cpu


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--taxpayers", type=int, default=1_000_000)
    ap.add_argument("--profile", action="store_true", help="print the assessment's cProfile")
    ap.add_argument("--setup-only", action="store_true", help="set up the register and incomes, then stop")
    ap.add_argument("--no-rerun", action="store_true", help="skip the timed re-run over the same inputs")
    ap.add_argument("--phases", action="store_true",
                    help="time the assessment's reading phases and its per-taxpayer hashing loop, then stop")
    ap.add_argument("--write-via-temp", action="store_true",
                    help="write the assessment rows by COPY into a temporary table + INSERT … SELECT (the former way)")
    args = ap.parse_args()
    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL (scripts/bench.sh starts one)"
    if args.write_via_temp:
        bulk.insert_once = lambda model, columns, rows, chunk=0: bulk.insert(model, columns, rows)  # type: ignore
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="lgcloud-taxbench-"))
    counted = 0

    def count(_bills: levies.BillSet) -> None:
        nonlocal counted
        counted += 1

    previous = levies.register_receiver(count)
    try:
        group, _ = Group.objects.get_or_create(name="ベンチマーク協議会")
        m = ensure_municipality("113018", args.taxpayers)
        Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
        with municipality_scope(m, Actor("bench", "system", "system")):
            t = time.perf_counter()
            if Person.objects.filter(status="resident").count() < args.taxpayers:
                IncomeRecord.objects.filter(fiscal_year=FY).delete()
                Assessment.objects.filter(fiscal_year=FY).delete()
                with transaction.atomic():
                    register(args.taxpayers, work, m.pk)
            print(f"register: {Person.objects.count():,} residents ({time.perf_counter() - t:.0f} s setup)", flush=True)
            if not IncomeRecord.objects.filter(fiscal_year=FY).exists():
                t = time.perf_counter()
                rows = list(Person.objects.filter(status="resident").values_list(
                    "person_no", "family_name", "given_name", "birth_date"))
                records = incomes(rows)
                with transaction.atomic():
                    write_incomes(records, m.pk)
                print(f"income records: {len(records):,} ({time.perf_counter() - t:.0f} s setup)", flush=True)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
            if args.setup_only:
                return
            if args.phases:
                phases()
                return
            with connection.cursor() as cur:  # a fresh 当初賦課 every run (the previous run's rows cleared)
                cur.execute("TRUNCATE taxation_assessment")
                cur.execute("DROP TABLE IF EXISTS bench_tax")
                cur.execute("SELECT pg_backend_pid()")
                backend = int(cur.fetchone()[0])
            setup_mb = peak_mb()
            profile = cProfile.Profile() if args.profile else None
            t = time.perf_counter()
            cpu, pg_cpu = time.process_time(), _backend_cpu(backend)
            if profile:
                profile.enable()
            run = assessment.assess_all(FY)
            assess_s = time.perf_counter() - t
            cpu, pg_cpu = time.process_time() - cpu, _backend_cpu(backend) - pg_cpu
            if profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
            assess_mb = peak_mb()
            again = None
            rerun_s = 0.0
            if not args.no_rerun:
                t = time.perf_counter()
                again = assessment.assess_all(FY)
                rerun_s = time.perf_counter() - t
                assert again.written == 0, again
            with connection.cursor() as cur:  # not timed: so that autovacuum does not run beside the floor's COPY
                cur.execute("VACUUM (ANALYZE) taxation_assessment")
            n = Assessment.objects.filter(fiscal_year=FY).count()
            size = 0
            # the same rows as COPY text, through a file (a million rows would not fit in memory twice)
            with tempfile.TemporaryFile(dir=work) as spool, connection.cursor() as cur:
                with cur.cursor.copy(f"COPY (SELECT {COLUMNS} FROM taxation_assessment WHERE fiscal_year = %s) "
                                     "TO STDOUT", (FY,)) as copy:
                    for chunk in copy:
                        size += spool.write(chunk)
                # a logged table with the assessment table's indexes: the same WAL and index maintenance
                cur.execute("CREATE TABLE bench_tax (LIKE taxation_assessment INCLUDING DEFAULTS INCLUDING INDEXES)")
                spool.seek(0)
                t = time.perf_counter()
                copy_pg = _backend_cpu(backend)
                with cur.cursor.copy(f"COPY bench_tax ({COLUMNS}) FROM STDIN") as copy:  # autocommit: committed
                    while block := spool.read(1 << 20):
                        copy.write(block)
                copy_s = time.perf_counter() - t
                copy_pg = _backend_cpu(backend) - copy_pg
                cur.execute("DROP TABLE bench_tax")
        by_method: dict[str, int] = {}
        with municipality_scope(m, Actor("bench", "system", "system")):
            for method in Assessment.objects.filter(fiscal_year=FY).values_list("collection_method", flat=True):
                by_method[method] = by_method.get(method, 0) + 1
        print(f"assessment: {run.taxpayers:,} taxpayers ({run.written:,} written), {n:,} rows ({size / 1e6:,.0f} MB as "
              f"COPY text), {counted:,} bill sets, total {run.total:,} yen in {assess_s:.1f} s (CPU: Python {cpu:.1f} s, "
              f"PostgreSQL backend {pg_cpu:.1f} s); methods {by_method}")
        if again is not None:
            print(f"re-run over the same inputs: {again.written} written in {rerun_s:.1f} s")
        print(f"COPY of the same {n:,} rows (backend CPU {copy_pg:.1f} s): {copy_s:.1f} s → ratio "
              f"{assess_s / max(copy_s, 1e-9):.1f}× (target ≤ 3×)")
        print(f"peak memory: {assess_mb:,.0f} MB after the assessment (after setup {setup_mb:,.0f} MB; "
              f"{peak_mb():,.0f} MB at the end)")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        levies.register_receiver(previous)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
