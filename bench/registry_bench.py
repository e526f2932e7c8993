"""Registry benchmark: N residents in PostgreSQL spread over the 18 demo members by their real populations
(names drawn from a few thousand 氏 and 名, bench/names.py), a mixed load of R requests/s for D seconds
(80% reads: full-name kana search and person view; 20% 転居 writes) through gunicorn, spread over the members
by size, driven by locust's FastHttpUser; prints p50/p95/p99 per request kind and errors, the CPU seconds
used by the load generator and by the server while the load ran, the load average, the database's
durability settings, and the raw-SQL time of the same lookups measured in the same run as baseline.

    scripts/bench.sh registry --residents 1000000 --rate 100 --duration 60            # durable PostgreSQL
    scripts/bench.sh registry --residents 1000000 --rate 100 --duration 60 --relaxed  # fsync etc. off
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
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

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from gen_layout import generated, member_sizes, place_of  # noqa: E402
from names import NameMaker  # noqa: E402

from lgcloud.areas.registry.models import Household, Person  # noqa: E402
from lgcloud.platform.accounts.models import ApiToken, Staff  # noqa: E402
from lgcloud.platform.interchange.importer import import_municipality  # noqa: E402
from lgcloud.platform.tenancy.context import municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Group, Membership  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def durability() -> str:
    """The database's durability settings, as the figures' label."""
    with connection.cursor() as cur:
        values = {}
        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            cur.execute(f"SHOW {name}")
            values[name] = cur.fetchone()[0]
    label = "durable" if all(v == "on" for v in values.values()) else "RELAXED (not production settings)"
    return f"{label}: " + ", ".join(f"{k}={v}" for k, v in values.items())


def process_cpu(master: int) -> dict[int, float]:
    """User + system CPU seconds of gunicorn's master and of each of its workers (pid → seconds), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = procstat.stat_fields(entry.name)
        if fields is not None and (int(entry.name) == master or int(fields[1]) == master):
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / procstat.TICK
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (gunicorn's master and workers), from /proc."""
    return sum(process_cpu(pid).values())


def per_worker_cpu(master: int, before: dict[int, float], after: dict[int, float], elapsed: float) -> str:
    """Each worker's CPU seconds between two `process_cpu` samples and its share of a core: shows whether the
    connections were spread over the workers or one worker (one GIL) served almost everything."""
    parts = []
    for pid in sorted(after):
        if pid == master:
            continue
        used = after[pid] - before.get(pid, 0.0)
        parts.append(f"{pid} {used:.1f} s ({100 * used / max(elapsed, 1e-9):.0f}%)")
    master_used = after.get(master, 0.0) - before.get(master, 0.0)
    return ", ".join(parts) + f"; master {master_used:.1f} s"


def _served(stats: Path) -> int:
    """Requests answered during the load (locust's aggregated row)."""
    with (stats.with_name("locust_stats.csv")).open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                return int(row["Request Count"])
    return 0


def postgres_cpu() -> float | None:
    """CPU seconds used so far by the PostgreSQL server this benchmark talks to (on this machine): the postmaster's
    own and its reaped children's (cutime/cstime: backends that exited) plus every live child's — backends,
    autovacuum, checkpointer, WAL writer. None when /proc does not show it."""
    backend = procstat.backend_pid()
    own = procstat.stat_fields(backend) if backend is not None else None
    if own is None:
        return None
    postmaster = int(own[1])
    fields = procstat.stat_fields(postmaster)
    if fields is None:
        return None
    total = sum(int(fields[i]) for i in (11, 12, 13, 14)) / procstat.TICK
    return total + sum(process_cpu(postmaster).get(pid, 0.0) for pid in process_cpu(postmaster) if pid != postmaster)


class ConnectionTally:
    """Samples, once a second while the load runs, which gunicorn worker holds each established client
    connection (`ss -tnp`); the mean per worker shows whether kept-alive connections pile up on one worker."""

    def __init__(self, port: int) -> None:
        import threading

        self.port, self.samples, self.held = port, 0, {}  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionTally:
        if shutil.which("ss"):
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        import re

        while not self._stop.wait(1.0):
            out = subprocess.run(["ss", "-Htnp", "state", "established", f"( sport = :{self.port} )"],
                                 capture_output=True, text=True, check=False).stdout
            self.samples += 1
            for pid in re.findall(r"pid=(\d+)", out):
                self.held[int(pid)] = self.held.get(int(pid), 0) + 1

    def line(self) -> str:
        if not self.samples:
            return "not sampled (no ss)"
        total = sum(self.held.values()) / self.samples
        return ", ".join(f"{pid} {n / self.samples:.1f}" for pid, n in sorted(self.held.items())) + \
            f" (mean {total:.1f} connections open, {self.samples} samples)"


def wait_ready(port: int, master: int, timeout: float = 180) -> float:
    """Wait until gunicorn answers /health/live and its workers have finished booting (their CPU use stopped
    growing for 2 s): on a busy machine booting takes longer than any fixed sleep. Returns the seconds waited."""
    import urllib.request

    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        time.sleep(0.5)
    quiet, last = 0, sum(process_cpu(master).values())
    while quiet < 4 and time.perf_counter() < deadline:
        time.sleep(0.5)
        now = sum(process_cpu(master).values())
        quiet = quiet + 1 if now - last < 0.05 else 0
        last = now
    return time.perf_counter() - started


def raw_sql_baseline(municipality_id: int, residents: int, n: int = 400) -> tuple[list[float], list[float], list[int]]:
    """The same lookups in plain SQL on one connection: the API's kana search (partial match over current and
    past kana, the API's default page of 50 in 宛名番号 order and one more to know there are more, with the
    household number) and a person by number; also how many residents each search matched."""
    search, person, matched = [], [], []
    names = NameMaker(random.Random(3))
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('lgcloud.municipality_id', %s, false)", [str(municipality_id)])
        for _ in range(n):
            kana = names.full_kana()
            t = time.perf_counter()
            cur.cursor.execute("SELECT p.*, h.household_no FROM registry_person p LEFT JOIN registry_household h "
                               "ON h.id = p.household_id WHERE p.municipality_id = %s AND p.search_kanas LIKE %s "
                               "ORDER BY p.person_no LIMIT 51", [municipality_id, f"%{kana}%"])
            matched.append(len(cur.cursor.fetchall()))
            search.append(time.perf_counter() - t)
            t = time.perf_counter()
            cur.cursor.execute("SELECT * FROM registry_person WHERE municipality_id = %s AND person_no = %s",
                               [municipality_id, random.randint(1, residents)])
            cur.cursor.fetchall()
            person.append(time.perf_counter() - t)
    return search, person, matched


def load_members(total: int, work: Path) -> list[dict]:
    """Every demo member with its share of `total` residents (imported unless already there), a clerk and a token."""
    group, _ = Group.objects.get_or_create(name="ベンチマーク協議会")
    targets = []
    for code, name, size in member_sizes(total):
        m = ensure_municipality(code)
        Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
        clerk, _ = Staff.objects.get_or_create(username=f"bench-{code}",
                                               defaults={"role": "counter_clerk", "municipality": m})
        _token, raw = ApiToken.issue(clerk, "bench")
        t = time.perf_counter()
        with municipality_scope(m):
            held = Person.objects.count()
            if held >= size:  # run directly on a database loaded before
                print(f"{name}: reusing the {held:,} residents already loaded", flush=True)
            else:
                folder = generated(size, seed=int(code), place=place_of(code))
                result = import_municipality(folder, replace=True)
                assert result.written, result.problems[:3]
                print(f"{name}: loaded {size:,} residents in {time.perf_counter() - t:.0f} s", flush=True)
            households = Household.objects.count()
        targets.append({"code": code, "id": m.pk, "token": raw, "residents": size, "households": households,
                        "place": place_of(code)})
    return targets


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--port", type=int, default=8100)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--gunicorn-config", default="python:lgcloud.platform.observability.gunicorn_conf",
                    help="gunicorn -c (default: the project's, as make run); a file path to compare another")
    ap.add_argument("--load-only", action="store_true",
                    help="load (or complete) the register, ANALYZE and stop: for a cluster kept across runs")
    args = ap.parse_args()
    assert connection.vendor == "postgresql", "the registry benchmark runs on PostgreSQL (scripts/bench.sh starts one)"
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="lgcloud-rbench-"))
    server = None
    try:
        targets = load_members(args.residents, work)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        if args.load_only:
            print(f"{args.residents:,} residents loaded over {len(targets)} members; database: {durability()}")
            return
        prom = work / "prometheus"  # as make run: every worker writes its metrics there
        prom.mkdir()
        env = {**os.environ, "BENCH_TARGETS": json.dumps(targets), "LGCLOUD_ALLOWED_HOSTS": "127.0.0.1,localhost",
               "PYTHONPATH": str(ROOT / "bench"), "PROMETHEUS_MULTIPROC_DIR": str(prom)}
        # The servers' log (a JSON line per request, as in production) goes to a file; its errors are printed.
        server_log = (work / "server.log").open("w", encoding="utf-8")
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "lgcloud.wsgi:application", "-c", args.gunicorn_config,
             "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.workers), "--threads", str(args.threads), "--forwarded-allow-ips", "127.0.0.1",
             "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)
        print(f"gunicorn ready after {wait_ready(args.port, server.pid):.0f} s", flush=True)
        users = max(1, args.rate // 5)
        stats = work / "locust"
        load_before = os.getloadavg()
        workers_before = process_cpu(server.pid)
        server_cpu = sum(workers_before.values())
        own = resource.getrusage(resource.RUSAGE_CHILDREN)
        pg_before = postgres_cpu()
        started = time.perf_counter()
        with ConnectionTally(args.port) as tally:
            subprocess.run(
                [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless", "-u",
                 str(users), "-r", str(users), "-t", f"{args.duration}s", "--host", f"http://127.0.0.1:{args.port}",
                 "--csv", str(stats), "--only-summary", "--loglevel", "WARNING"],
                env={**env, "BENCH_PER_USER_RPS": str(args.rate / users)}, check=False)
        elapsed = time.perf_counter() - started
        pg_after = postgres_cpu()
        workers_after = process_cpu(server.pid)
        server_cpu = sum(workers_after.values()) - server_cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        locust_cpu = (after.ru_utime - own.ru_utime) + (after.ru_stime - own.ru_stime)
        load_after = os.getloadavg()
        biggest = max(targets, key=lambda t: t["residents"])
        search, person, matched = raw_sql_baseline(biggest["id"], biggest["residents"])
        print(f"\n{args.residents:,} residents over {len(targets)} members (largest {biggest['residents']:,}), "
              f"{args.rate} req/s offered for {args.duration} s (80% reads, 20% writes), "
              f"gunicorn {args.workers} workers × {args.threads} threads ({args.gunicorn_config})")
        print(f"database: {durability()}")
        print(f"CPU during the load ({elapsed:.0f} s wall, 2 cores = {2 * elapsed:.0f} core-s): load generator "
              f"{locust_cpu:.1f} s ({100 * locust_cpu / elapsed:.0f}% of a core), gunicorn {server_cpu:.1f} s "
              f"({100 * server_cpu / elapsed:.0f}% of a core); load average {load_before[0]:.2f} before, "
              f"{load_after[0]:.2f} after")
        served = _served(stats)
        pg_used = None if pg_before is None or pg_after is None else pg_after - pg_before
        print(f"CPU per request served ({served:,} requests): gunicorn {1000 * server_cpu / max(served, 1):.2f} ms, "
              + ("PostgreSQL n/a" if pg_used is None else
                 f"PostgreSQL {1000 * pg_used / max(served, 1):.2f} ms (all its processes: {pg_used:.1f} s, "
                 f"{100 * pg_used / elapsed:.0f}% of a core)"))
        print(f"CPU per gunicorn worker during the load: "
              f"{per_worker_cpu(server.pid, workers_before, workers_after, elapsed)}")
        print(f"client connections held per gunicorn worker (mean of 1 s samples): {tally.line()}")
        print(f"full-name kana search matches (largest member, {len(matched)} draws): median "
              f"{pct(matched, 50)}, p95 {pct(matched, 95)}, max {max(matched)} (page of 51)")
        print(f"{'request':24} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
        with (stats.with_name("locust_stats.csv")).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                print(f"{row['Name']:24} {row['Request Count']:>7} {row['Failure Count']:>6} {row['50%']:>8} "
                      f"{row['95%']:>8} {row['99%']:>8} {float(row['Requests/s']):7.1f}")
        for name, values in (("raw SQL: search", search), ("raw SQL: person", person)):
            print(f"{name:24} {len(values):>7} {0:>6} {pct(values, 50) * 1000:8.2f} {pct(values, 95) * 1000:8.2f} "
                  f"{pct(values, 99) * 1000:8.2f}")
        print("targets: read p95 ≤ 50 ms, write p95 ≤ 100 ms, 0 errors")
        problems = [line for line in (work / "server.log").read_text(encoding="utf-8", errors="replace").splitlines()
                    if any(w in line for w in ('"level": "ERROR"', '"level": "CRITICAL"', "Traceback", "[ERROR]"))]
        for line in problems[-5:]:
            print("server log: " + line[:300])
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
