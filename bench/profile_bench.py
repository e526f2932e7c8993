"""Where one API request spends its time: the registry benchmark's three requests, run in-process (Django's
test client through the whole middleware and API stack) on the database in DATABASE_URL, with the number of
SQL statements, the median wall time, and the top functions by own time under cProfile.

    scripts/bench.sh profile --residents 20000 --requests 200
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")
os.environ.setdefault("LGCLOUD_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402
import procstat  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from gen_layout import generate  # noqa: E402
from names import NameMaker  # noqa: E402

from lgcloud.areas.registry.models import Household, Person  # noqa: E402
from lgcloud.platform.accounts.models import ApiToken, Staff  # noqa: E402
from lgcloud.platform.interchange.importer import import_municipality  # noqa: E402
from lgcloud.platform.tenancy.context import municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Group, Membership  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402

_NAMES = NameMaker(random.Random(11))


def requests(residents: int, households: int) -> dict[str, tuple[str, str, dict | None]]:
    kana = _NAMES.full_kana()  # a full name drawn like the residents' (matches a few to tens)
    return {
        "search": ("post", "/api/v1/registry/search", {"kana": kana}),
        "person": ("get", f"/api/v1/registry/persons/{random.randint(1, residents)}", None),
        "転居": ("post", "/api/v1/registry/events/move_within",
                 {"household_no": random.randint(1, households),
                  "address": {"address": f"埼玉県北足立郡伊奈町小室{random.randint(1, 10**9)}"},
                  "effective_on": "2026-11-01", "notified_on": "2026-11-02", "acknowledge_alerts": True}),
    }


def _backend_cpu() -> float | None:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far, or None on SQLite or when /proc
    cannot be read."""
    global _backend_pid
    if _backend_pid is None:
        _backend_pid = procstat.backend_pid()
    return None if _backend_pid is None else procstat.pid_cpu(_backend_pid)


_backend_pid: int | None = None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--only", default="", help="one of search, person, 転居")
    ap.add_argument("--sort", default="tottime", help="pstats sort key: tottime, cumulative …")
    ap.add_argument("--no-migrate", action="store_true", help="the database is migrated already (repeated runs)")
    args = ap.parse_args()
    if not args.no_migrate:
        call_command("migrate", verbosity=0)
    group, _ = Group.objects.get_or_create(name="ベンチマーク協議会")
    m = ensure_municipality("113018", args.residents)
    Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
    clerk, _ = Staff.objects.get_or_create(username="bench-clerk", defaults={"role": "counter_clerk", "municipality": m})
    _token, raw = ApiToken.issue(clerk, "bench")
    with municipality_scope(m):
        if Person.objects.count() < args.residents:
            work = Path(tempfile.mkdtemp(prefix="lgcloud-prof-"))
            try:
                generate(work / "in", args.residents)
                assert import_municipality(work / "in", replace=True).written
            finally:
                shutil.rmtree(work, ignore_errors=True)
        households = Household.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def call(kind: str) -> int:
        method, path, body = requests(args.residents, households)[kind]
        if method == "get":
            r = client.get(path)
        else:
            r = client.post(path, body, content_type="application/json")
        return r.status_code

    for kind in [args.only] if args.only else ["search", "person", "転居"]:
        for _ in range(10):  # warm up: imports, caches, the connection
            call(kind)
        connection.force_debug_cursor = True
        connection.queries_log.clear()
        status = call(kind)
        queries = list(connection.queries_log)
        connection.force_debug_cursor = False
        # This process's CPU per request, without the profiler (wall time on a shared machine says little).
        cpu = []
        connection.ensure_connection()
        db0 = _backend_cpu()
        for _ in range(args.requests):
            c = time.process_time()
            call(kind)
            cpu.append(time.process_time() - c)
        db1 = _backend_cpu()
        db_cpu = ("n/a" if db0 is None or db1 is None else
                  f"{(db1 - db0) / args.requests * 1000:.2f} ms (backend pid {_backend_pid}, clock ticks of "
                  f"{1000 / os.sysconf('SC_CLK_TCK'):.0f} ms summed over the {args.requests} requests)")
        times = []
        profile = cProfile.Profile()
        for _ in range(args.requests):
            t = time.perf_counter()
            profile.enable()
            call(kind)
            profile.disable()
            times.append(time.perf_counter() - t)
        print(f"\n=== {kind}: HTTP {status}, {len(queries)} SQL statements, CPU of this process per request: mean "
              f"{statistics.mean(cpu) * 1000:.2f} ms, median {statistics.median(cpu) * 1000:.2f} ms (no profiler, "
              f"{args.requests} requests); under cProfile: median wall {statistics.median(times) * 1000:.1f} ms"
              f" (p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.1f} ms); load average {os.getloadavg()[0]:.2f}")
        print(f"    PostgreSQL backend CPU per request: {db_cpu}")
        for q in queries:
            print(f"   {float(q['time']) * 1000:6.2f} ms ", q["sql"][:150])
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
