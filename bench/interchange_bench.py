"""Interchange benchmark: import of N residents (households and history) from the standard-layout files,
against a raw bulk load of the same rows measured in the same run (COPY into staging tables on
PostgreSQL; a prepared executemany on SQLite), and export against a raw dump. Prints medians and ratios.

    scripts/bench.sh interchange --residents 1000000 --runs 1

`--export-only` imports nothing: it exports every member of the database already loaded (`LGCLOUD_HOME`, the
PostgreSQL named by the environment, e.g. a register kept by `registry_bench.py --load-only`) and times each
export against a raw COPY dump of the same member's rows, then the totals:

    .venv/bin/python bench/interchange_bench.py --export-only [--members 113018,113255] [--runs 1]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from gen_layout import generated  # noqa: E402

from lgcloud.areas.registry.models import Person  # noqa: E402
from lgcloud.platform.interchange.adapters import layout as standard_layout  # noqa: E402
from lgcloud.platform.interchange.export import export_municipality  # noqa: E402
from lgcloud.platform.interchange.importer import import_municipality  # noqa: E402
from lgcloud.platform.tenancy.context import municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Municipality  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402

FILES = ("persons", "removed", "households", "memberships", "events")


def durability() -> str:
    if connection.vendor != "postgresql":
        return "SQLite"
    with connection.cursor() as cur:
        values = {}
        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            cur.execute(f"SHOW {name}")
            values[name] = cur.fetchone()[0]
    label = "durable" if all(v == "on" for v in values.values()) else "RELAXED"
    return f"{label}: " + ", ".join(f"{k}={v}" for k, v in values.items())


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_cpu() -> float | None:
    """CPU seconds the PostgreSQL backend of this connection has used (None where /proc does not show it)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the server runs on another host
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_load(folder: Path) -> float:
    """The same rows into plain staging tables, as fast as the database takes them."""
    layout = standard_layout("registry")
    with connection.cursor() as cur:
        for code in FILES:
            fdef = layout.file(code)
            cols = ", ".join(f'"c{i}" text' for i in range(len(fdef.items)))
            cur.execute(f'DROP TABLE IF EXISTS "bench_{code}"')
            cur.execute(f'CREATE TABLE "bench_{code}" ({cols})')
    start = time.perf_counter()
    with connection.cursor() as cur:
        for code in FILES:
            fdef = layout.file(code)
            path = folder / fdef.file
            if connection.vendor == "postgresql":
                with path.open("rb") as f, cur.cursor.copy(
                        f'COPY "bench_{code}" FROM STDIN WITH (FORMAT csv, HEADER true)') as copy:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
            else:
                with path.open(encoding="utf-8", newline="") as f:
                    reader = csv.reader(f)
                    next(reader)
                    marks = ", ".join("?" * len(fdef.items))
                    cur.cursor.executemany(f'INSERT INTO "bench_{code}" VALUES ({marks})', reader)
    connection.commit() if not connection.get_autocommit() else None
    return time.perf_counter() - start


# Every registry table `import_municipality` writes rows of the member into (the restrictions and support measures
# only when the files carry them; the bench's files do not).
WRITTEN = ("registry_household", "registry_person", "registry_searchkey", "registry_registryevent",
           "registry_eventsubject", "registry_personsnapshot", "registry_counter", "registry_restriction",
           "registry_supportmeasure")


def rows_written_floor(municipality_id: int) -> tuple[float, int, int, int]:
    """The floor of the rows written, as the taxation, 国保 and revenue benchmarks have it: every row the import
    wrote into each registry table, read back with every column, COPYed into logged tables `LIKE t INCLUDING
    DEFAULTS INCLUDING INDEXES` (the same indexes), all in one transaction, committed — what writing exactly these
    rows costs PostgreSQL at the least. Returns (seconds, rows, MiB of COPY text, indexes). PostgreSQL only."""
    # The COPY text goes through temporary files, not this process's memory (2.6 GiB at 1,000,000 residents: the
    # importing process's peak is what the run reports).
    spool = Path(tempfile.mkdtemp(prefix="lgcloud-bench-floor-"))
    data: dict[str, Path] = {}
    indexes = 0
    with connection.cursor() as cur:
        for table in WRITTEN:
            path = spool / table
            with path.open("wb") as out, cur.cursor.copy(
                    f"COPY (SELECT * FROM {table} WHERE municipality_id = %s ORDER BY id) TO STDOUT",
                    [municipality_id]) as copy:
                for chunk in copy:
                    out.write(chunk)
            if not path.stat().st_size:
                continue
            data[table] = path
            cur.execute(f"DROP TABLE IF EXISTS bench_floor_{table}")
            cur.execute(f"CREATE TABLE bench_floor_{table} (LIKE {table} INCLUDING DEFAULTS INCLUDING INDEXES)")
            cur.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [f"bench_floor_{table}"])
            indexes += cur.fetchone()[0]
    connection.commit() if not connection.get_autocommit() else None
    start = time.perf_counter()
    parts = []
    with transaction.atomic(), connection.cursor() as cur:
        for table, path in data.items():
            t = time.perf_counter()
            with path.open("rb") as f, cur.cursor.copy(f"COPY bench_floor_{table} FROM STDIN") as copy:
                while block := f.read(1 << 20):
                    copy.write(block)
            parts.append(f"{table.removeprefix('registry_')} {time.perf_counter() - t:.2f}")
        t = time.perf_counter()
    parts.append(f"commit {time.perf_counter() - t:.2f}")
    elapsed = time.perf_counter() - start
    print("  floor by table (s): " + ", ".join(parts), flush=True)
    rows = 0
    with connection.cursor() as cur:
        for table in data:
            cur.execute(f"SELECT count(*) FROM bench_floor_{table}")
            rows += cur.fetchone()[0]
            cur.execute(f"DROP TABLE bench_floor_{table}")
    size = sum(path.stat().st_size for path in data.values())
    shutil.rmtree(spool, ignore_errors=True)
    return elapsed, rows, round(size / 2**20), indexes


def raw_dump(out: Path, municipality_id: int) -> float:
    start = time.perf_counter()
    with connection.cursor() as cur, (out / "raw_persons.csv").open("w", encoding="utf-8", newline="") as f:
        if connection.vendor == "postgresql":
            with cur.cursor.copy("COPY (SELECT * FROM registry_person WHERE municipality_id = %s ORDER BY person_no) "
                                 "TO STDOUT WITH (FORMAT csv, HEADER true)", [municipality_id]) as copy:
                for chunk in copy:
                    f.write(bytes(chunk).decode("utf-8"))
            for table in ("registry_household", "registry_registryevent"):
                with cur.cursor.copy(f"COPY (SELECT * FROM {table} WHERE municipality_id = %s ORDER BY id) "
                                     "TO STDOUT WITH (FORMAT csv)", [municipality_id]) as copy:
                    for chunk in copy:
                        f.write(bytes(chunk).decode("utf-8"))
        else:
            w = csv.writer(f)
            for table in ("registry_person", "registry_household", "registry_registryevent"):
                cur.execute(f"SELECT * FROM {table} WHERE municipality_id = %s ORDER BY id", [municipality_id])
                while rows := cur.fetchmany(5000):
                    w.writerows(rows)
    return time.perf_counter() - start


def export_only(members: list[str], runs: int) -> None:
    """Export the members already in the database, each against a raw COPY dump of its rows; nothing is written."""
    work = Path(tempfile.mkdtemp(prefix="lgcloud-bench-export-"))
    chosen = Municipality.objects.order_by("code")
    if members:
        chosen = chosen.filter(code__in=members)
    print(f"database: {connection.vendor} ({durability()}); export only, load average {os.getloadavg()[0]:.2f}",
          flush=True)
    exports: list[list[float]] = [[] for _ in range(runs)]
    dumps: list[list[float]] = [[] for _ in range(runs)]
    cpu_totals = [0.0, 0.0]  # CPU seconds (process + backend where shown) of every export, of every raw dump
    total_residents = 0
    try:
        for municipality in chosen:
            with municipality_scope(municipality):
                residents = Person.objects.count()
                if not residents:
                    continue
                total_residents += residents
                for run in range(runs):
                    out = work / f"{municipality.code}-{run}"
                    t, cpu, db = time.perf_counter(), time.process_time(), backend_cpu()
                    assert export_municipality(out).ok
                    exports[run].append(time.perf_counter() - t)
                    cpu, db_after = time.process_time() - cpu, backend_cpu()
                    db_cpu = f"{db_after - db:.1f} s" if db is not None and db_after is not None else "not shown"
                    cpu_totals[0] += cpu + (db_after - db if db is not None and db_after is not None else 0.0)
                    dump_cpu, dump_db = time.process_time(), backend_cpu()
                    dumps[run].append(raw_dump(out, municipality.pk))
                    dump_cpu, dump_db_after = time.process_time() - dump_cpu, backend_cpu()
                    dump_db_cpu = (f"{dump_db_after - dump_db:.1f} s" if dump_db is not None and dump_db_after is not None
                                   else "not shown")
                    cpu_totals[1] += dump_cpu + (dump_db_after - dump_db
                                                 if dump_db is not None and dump_db_after is not None else 0.0)
                    shutil.rmtree(out, ignore_errors=True)
                    print(f"{municipality.code} {municipality.name} ({residents:,} records): export "
                          f"{exports[run][-1]:.2f} s (CPU: process {cpu:.1f} s, backend {db_cpu}), raw dump "
                          f"{dumps[run][-1]:.2f} s (CPU: process {dump_cpu:.1f} s, backend {dump_db_cpu}); "
                          f"load average {os.getloadavg()[0]:.2f}", flush=True)
        if not total_residents:
            print("no member holds residents: nothing exported")
            return
        totals = [(sum(e), sum(d)) for e, d in zip(exports, dumps, strict=True)]
        exp = statistics.median(t[0] for t in totals)
        dump = statistics.median(t[1] for t in totals)
        print(f"\n{total_residents:,} records of {len(exports[0])} members on {connection.vendor}, {durability()} "
              f"(median of {runs})")
        print(f"  export  {exp:8.2f} s   raw dump {dump:8.2f} s   ratio {exp / dump:5.2f}x   (target ≤ 3x)")
        print(f"  CPU (process + backend, all runs): export {cpu_totals[0]:.1f} s, raw dump {cpu_totals[1]:.1f} s, "
              f"ratio {cpu_totals[0] / max(cpu_totals[1], 1e-9):.2f}x")
        print(f"  peak memory of the exporting process {peak_mib():,.0f} MiB (ru_maxrss); "
              f"export rate {total_residents / exp:,.0f} records/s; load average {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--export-only", action="store_true",
                    help="export the members already in the database (no import), each against a raw COPY dump")
    ap.add_argument("--members", default="", help="with --export-only: 団体コード, comma-separated (default: all)")
    args = ap.parse_args()
    call_command("migrate", verbosity=0)
    if args.export_only:
        export_only([c.strip() for c in args.members.split(",") if c.strip()], args.runs)
        return
    work = Path(tempfile.mkdtemp(prefix="lgcloud-bench-"))
    try:
        t = time.perf_counter()
        source = generated(args.residents)
        print(f"database: {connection.vendor} ({durability()}); files for {args.residents:,} residents ready in "
              f"{time.perf_counter() - t:.1f} s ({source}); load average {os.getloadavg()[0]:.2f}", flush=True)
        municipality = ensure_municipality("113018")
        raws, imports, exports, dumps, floors = [], [], [], [], []
        for run in range(args.runs):
            raws.append(raw_load(source))
            with municipality_scope(municipality):
                t, cpu, db = time.perf_counter(), time.process_time(), backend_cpu()
                result = import_municipality(source, replace=True)
                imports.append(time.perf_counter() - t)
                cpu, db_after = time.process_time() - cpu, backend_cpu()
                db_cpu = f"{db_after - db:.1f} s" if db is not None and db_after is not None else "not shown"
                assert result.written, result.problems[:5]
                print(f"run {run + 1}: import {imports[-1]:.2f} s (CPU: importing process {cpu:.1f} s, its PostgreSQL "
                      f"backend {db_cpu}); peak memory of the importing process so far {peak_mib():,.0f} MiB "
                      f"(ru_maxrss); load average {os.getloadavg()[0]:.2f}", flush=True)
                assert Person.objects.count() == args.residents
                if connection.vendor == "postgresql":
                    floor_s, floor_rows, floor_mib, floor_indexes = rows_written_floor(municipality.pk)
                    floors.append(floor_s)
                    print(f"run {run + 1}: floor of the rows written (the {floor_rows:,} rows the import wrote in "
                          f"{len(WRITTEN)} registry tables, every column, {floor_mib:,} MiB of COPY text, COPYed into "
                          f"logged tables LIKE them with their {floor_indexes} indexes, one transaction, committed): "
                          f"{floor_s:.2f} s; load average {os.getloadavg()[0]:.2f}", flush=True)
                out = work / f"out{run}"
                t = time.perf_counter()
                assert export_municipality(out).ok
                exports.append(time.perf_counter() - t)
                dumps.append(raw_dump(out, municipality.pk))
            print(f"run {run + 1}: raw load {raws[-1]:.2f} s, import {imports[-1]:.2f} s (CPU: importing process "
                  f"{cpu:.1f} s, its PostgreSQL backend {db_cpu}), "
                  f"export {exports[-1]:.2f} s, raw dump {dumps[-1]:.2f} s; peak memory {peak_mib():,.0f} MiB; "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
        raw, imp = statistics.median(raws), statistics.median(imports)
        dump, exp = statistics.median(dumps), statistics.median(exports)
        print(f"\n{args.residents:,} residents on {connection.vendor}, {durability()} (median of {args.runs})")
        print(f"  import  {imp:8.2f} s   raw load {raw:8.2f} s   ratio {imp / raw:5.2f}x   (target ≤ 3x)")
        if floors:
            floor = statistics.median(floors)
            print(f"  import  {imp:8.2f} s   vs the raw load (files into unindexed text tables) {imp / raw:5.2f}x, vs "
                  f"the floor of the rows written {floor:.2f} s {imp / floor:5.2f}x; the floor itself "
                  f"{floor / raw:.2f}x the raw load; load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"  export  {exp:8.2f} s   raw dump {dump:8.2f} s   ratio {exp / dump:5.2f}x")
        print(f"  peak memory of the importing process {peak_mib():,.0f} MiB (ru_maxrss)")
        print(f"  import rate {args.residents / imp:,.0f} residents/s; export rate {args.residents / exp:,.0f} residents/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
