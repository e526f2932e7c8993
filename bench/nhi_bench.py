"""国保税 assessment benchmark: N insured households on PostgreSQL, the annual assessment (`assess_all`) beside a
COPY of the same number of result rows measured in the same run (target: assessment ≤ 3× the COPY).

    scripts/bench.sh nhi --households 300000

The register is loaded through the standard-layout import (as the registry benchmark does); every person of the
first N households is made insured with an income, by bulk insert (setup, not measured). The 調定 go to a
receiver that only counts them, so that the figure is the assessment's own (revenue's ledger is measured by its
own benchmark).

The floor: the same result rows, every column, COPYed into an ordinary (logged) table created LIKE the assessment
table with its indexes, in one committed transaction (the assessment table has row-level security, so COPY FROM is
refused on it; the floor table has none).

On a cluster kept between runs (`scripts/pg.sh start DIR` … `scripts/pg.sh halt DIR`), `--setup-only` loads the
register and the insured once; later runs with the same `--households` reuse them, and each of `--repeat K` runs
deletes the previous assessment rows, vacuums the table and runs the full 当初賦課 (not the no-op re-run) beside
its floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
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
from django.utils import timezone  # noqa: E402
from gen_layout import generate  # noqa: E402

from lgcloud.areas.insurance import assessment  # noqa: E402
from lgcloud.areas.insurance.models import Assessment, AssessmentRun, Coverage, IncomeFact, NhiHousehold  # noqa: E402
from lgcloud.areas.registry.models import Person  # noqa: E402
from lgcloud.platform import levies  # noqa: E402
from lgcloud.platform.interchange import bulk  # noqa: E402
from lgcloud.platform.interchange.importer import import_municipality  # noqa: E402
from lgcloud.platform.tenancy.context import Actor, municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Group, Membership  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402

FY = 2026


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=300_000)
    ap.add_argument("--setup-only", action="store_true", help="load the register and the insured, then stop")
    ap.add_argument("--repeat", type=int, default=1,
                    help="full assessments (each after deleting the previous one's rows), each beside its COPY floor")
    args = ap.parse_args()
    assert connection.vendor == "postgresql", "the benchmark runs on PostgreSQL (scripts/bench.sh starts one)"
    call_command("migrate", verbosity=0)
    residents = int(args.households * 2.6)
    work = Path(tempfile.mkdtemp(prefix="lgcloud-nhibench-"))
    counted = 0

    def count(_bills: levies.BillSet) -> None:
        nonlocal counted
        counted += 1

    previous = levies.register_receiver(count)
    try:
        group, _ = Group.objects.get_or_create(name="ベンチマーク協議会")
        m = ensure_municipality("113018", residents)
        Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
        with municipality_scope(m, Actor("bench", "system", "system")):
            t = time.perf_counter()
            if Person.objects.count() < residents:
                generate(work / "in", residents)
                result = import_municipality(work / "in", replace=True)
                assert result.written, result.problems[:3]
            print(f"register: {Person.objects.count():,} residents ({time.perf_counter() - t:.0f} s)", flush=True)
            if not Coverage.objects.exists():
                transaction.set_autocommit(False)
                t = time.perf_counter()
                rows = list(Person.objects.filter(status="resident").values_list("person_no", "household__household_no",
                                                                                  "relationship"))
                heads: dict[int, int] = {}
                for no, hh, rel in rows:
                    if hh is not None and (rel == "世帯主" or hh not in heads):
                        heads[hh] = no
                chosen = sorted(heads)[: args.households]
                chosen_set = set(chosen)
                muni, now = m.pk, timezone.now()
                first = bulk.allocate_ids(NhiHousehold, len(chosen))
                households = {hh: first + i for i, hh in enumerate(chosen)}
                bulk.insert(NhiHousehold, ("id", "municipality_id", "household_no", "head_person_no", "created_at"),
                            ((households[hh], muni, hh, heads[hh], now) for hh in chosen))
                start = dt.date(FY - 1, 4, 1)
                insured = [(no, hh) for no, hh, _rel in rows if hh in chosen_set]
                bulk.insert(Coverage, ("municipality_id", "household_id", "person_no", "coverage_start",
                                       "start_reason", "coverage_end", "end_reason", "former_insured",
                                       "recorded_by", "recorded_at"),
                            ((muni, households[hh], no, start, "move_in", None, "", False, "bench", now)
                             for no, hh in insured))
                bulk.insert(IncomeFact, ("municipality_id", "person_no", "income_year", "aggregate_income",
                                         "salary_revenue", "pension_revenue", "declared"),
                            ((muni, no, FY - 1, (no * 7919) % 6_000_000, (no * 7919) % 8_000_000, 0, True)
                             for no, _hh in insured))
                transaction.commit()
                transaction.set_autocommit(True)
                print(f"insured: {len(households):,} households ({time.perf_counter() - t:.0f} s setup)", flush=True)
            with connection.cursor() as cur:
                cur.execute("ANALYZE")
            if args.setup_only:
                return
            for _repeat in range(args.repeat):
                counted = 0
                # a fresh 当初賦課 every run (a full assessment, not the no-op re-run), on a vacuumed table
                Assessment.objects.all().delete()
                AssessmentRun.objects.all().delete()
                with connection.cursor() as cur:
                    cur.execute("VACUUM ANALYZE insurance_assessment")
                with connection.cursor() as cur:
                    cur.execute("SELECT current_setting('fsync'), current_setting('synchronous_commit'), "
                                "current_setting('full_page_writes')")
                    settings = cur.fetchone()
                print(f"PostgreSQL fsync={settings[0]} synchronous_commit={settings[1]} full_page_writes={settings[2]}"
                      f"{'' if settings == ('on', 'on', 'on') else ' (NOT durable)'}; load average "
                      f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
                base_rss = procstat.reset_peak_rss()
                backend = (procstat.backend_cpu() or 0.0)
                t, cpu, children = time.perf_counter(), time.process_time(), os.times()
                first_step: list[float] = []

                def progress(done: int, _count: int, started: float = t) -> None:
                    if not first_step:  # the reads, the fork and the first step computed
                        first_step.append(time.perf_counter() - started)

                run = assessment.assess_all(FY, progress=progress)
                assess_s, assess_cpu = time.perf_counter() - t, time.process_time() - cpu
                after = os.times()  # the worker processes' CPU (reaped by the assessment)
                workers_sys = after.children_system - children.children_system
                workers_cpu = after.children_user - children.children_user + workers_sys
                assess_db = (procstat.backend_cpu() or 0.0) - backend
                peak_rss = procstat.peak_rss()
                n = Assessment.objects.filter(run=run).count()
                # The floor: the same rows, every column, COPYed into an ordinary (logged) table with the assessment
                # table's indexes and defaults, committed: what writing these rows costs PostgreSQL at the least.
                buffer = io.BytesIO()
                with connection.cursor() as cur:
                    with cur.cursor.copy("COPY (SELECT * FROM insurance_assessment WHERE run_id = %s) TO STDOUT",
                                         (run.pk,)) as copy:
                        for chunk in copy:
                            buffer.write(chunk)
                    cur.execute("DROP TABLE IF EXISTS bench_nhi_floor")
                    cur.execute("CREATE TABLE bench_nhi_floor (LIKE insurance_assessment INCLUDING DEFAULTS "
                                "INCLUDING INDEXES)")
                    cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename IN ('insurance_assessment', "
                                "'bench_nhi_floor') GROUP BY tablename ORDER BY tablename")
                    indexes = [row[0] for row in cur.fetchall()]
                    data = buffer.getvalue()
                    backend = (procstat.backend_cpu() or 0.0)
                    t = time.perf_counter()
                    with transaction.atomic():
                        with cur.cursor.copy("COPY bench_nhi_floor FROM STDIN") as copy:
                            copy.write(data)
                    copy_s = time.perf_counter() - t
                    copy_db = (procstat.backend_cpu() or 0.0) - backend
                    cur.execute("SELECT pg_total_relation_size('bench_nhi_floor')")
                    floor_bytes = cur.fetchone()[0]
                    cur.execute("DROP TABLE bench_nhi_floor")
                print(f"floor table: {indexes[0]} indexes as the assessment table's {indexes[1]}, "
                      f"{len(data) / 2**20:,.0f} MiB of COPY text, {floor_bytes / 2**20:,.0f} MiB with its indexes")
                print(f"assessment: {run.households:,} households, {n:,} result rows, {counted:,} bill sets, "
                      f"total {run.total:,} yen in {assess_s:.1f} s ({assess_cpu:.1f} s CPU of this process, "
                      f"{workers_cpu:.1f} s of its {assessment.workers_for(run.households)} worker processes "
                      f"({workers_sys:.1f} s system), "
                      f"{assess_db:.1f} s of its PostgreSQL backend); the first step in after "
                      f"{first_step[0] if first_step else 0:.1f} s (the reads before it)")
                print(f"COPY of the same {n:,} rows: {copy_s:.1f} s ({copy_db:.1f} s CPU of the backend) → ratio "
                      f"{assess_s / max(copy_s, 1e-9):.1f}× (target ≤ 3×)")
                print(f"peak memory (RSS) during the assessment: {peak_rss / 2**20:,.0f} MiB "
                      f"(+{(peak_rss - base_rss) / 2**20:,.0f} MiB over the {base_rss / 2**20:,.0f} MiB before it); "
                      f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        levies.register_receiver(previous)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
