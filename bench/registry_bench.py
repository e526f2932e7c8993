"""Registry benchmark: N residents in PostgreSQL, a mixed load of R requests/s for D seconds (80% reads:
search and person view; 20% 転居 writes) through gunicorn, driven by locust; prints p50/p95/p99 for reads
and writes, errors, and the raw-SQL time of the same lookups measured in the same run as baseline.

    scripts/bench.sh registry --residents 1000000 --rate 100 --duration 60
"""

from __future__ import annotations

import argparse
import csv
import os
import random
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

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from gen_layout import FAMILY_KANA, generate  # noqa: E402

from lgcloud.platform.accounts.models import ApiToken, Staff  # noqa: E402
from lgcloud.platform.interchange.importer import import_municipality  # noqa: E402
from lgcloud.areas.registry.models import Household, Person  # noqa: E402
from lgcloud.platform.tenancy.context import municipality_scope  # noqa: E402
from lgcloud.platform.tenancy.models import Group, Membership  # noqa: E402
from lgcloud.platform.tenancy.services import ensure_municipality  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def raw_sql_baseline(municipality_id: int, residents: int, n: int = 400) -> tuple[list[float], list[float]]:
    """The same lookups in plain SQL on one connection: the API's kana search (partial match over current and
    past kana, the API's default page of 50 in 宛名番号 order and one more to know there are more, with the
    household number) and a person by number."""
    search, person = [], []
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('lgcloud.municipality_id', %s, false)", [str(municipality_id)])
        for _ in range(n):
            t = time.perf_counter()
            kana = random.choice(FAMILY_KANA[:10]) + random.choice(["", "ヒロト", "ミサキ", "レン"])
            cur.cursor.execute("SELECT p.*, h.household_no FROM registry_person p LEFT JOIN registry_household h "
                               "ON h.id = p.household_id WHERE p.municipality_id = %s AND p.search_kanas LIKE %s "
                               "ORDER BY p.person_no LIMIT 51", [municipality_id, f"%{kana}%"])
            cur.cursor.fetchall()
            search.append(time.perf_counter() - t)
            t = time.perf_counter()
            cur.cursor.execute("SELECT * FROM registry_person WHERE municipality_id = %s AND person_no = %s",
                               [municipality_id, random.randint(1, residents)])
            cur.cursor.fetchall()
            person.append(time.perf_counter() - t)
    return search, person


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--port", type=int, default=8100)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    assert connection.vendor == "postgresql", "the registry benchmark runs on PostgreSQL (scripts/bench.sh starts one)"
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="lgcloud-rbench-"))
    server = None
    try:
        group, _ = Group.objects.get_or_create(name="ベンチマーク協議会")
        m = ensure_municipality("113018", args.residents)
        Membership.objects.get_or_create(group=group, municipality=m, defaults={"joined_on": dt.date(2014, 4, 1)})
        clerk, _ = Staff.objects.get_or_create(username="bench-clerk",
                                               defaults={"role": "counter_clerk", "municipality": m})
        _token, raw = ApiToken.issue(clerk, "bench")
        t = time.perf_counter()
        with municipality_scope(m):
            if Person.objects.count() >= args.residents:  # run directly on a database loaded before
                print(f"reusing the {Person.objects.count():,} residents already loaded", flush=True)
            else:
                generate(work / "in", args.residents)
                result = import_municipality(work / "in", replace=True)
                assert result.written, result.problems[:3]
                print(f"loaded {args.residents:,} residents in {time.perf_counter() - t:.0f} s", flush=True)
            households = Household.objects.count()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        env = {**os.environ, "BENCH_TOKEN": raw, "BENCH_RESIDENTS": str(args.residents),
               "BENCH_HOUSEHOLDS": str(households), "LGCLOUD_ALLOWED_HOSTS": "127.0.0.1,localhost"}
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "lgcloud.wsgi:application", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.workers), "--threads", str(args.threads), "--log-level", "warning"],
            env=env, cwd=ROOT)
        time.sleep(4)
        users = max(1, args.rate // 5)
        stats = work / "locust"
        subprocess.run(
            [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless", "-u", str(users),
             "-r", str(users), "-t", f"{args.duration}s", "--host", f"http://127.0.0.1:{args.port}", "--csv", str(stats),
             "--only-summary", "--loglevel", "WARNING"], env={**env, "BENCH_PER_USER_RPS": str(args.rate / users)},
            check=False)
        search, person = raw_sql_baseline(m.pk, args.residents)
        print(f"\n{args.residents:,} residents, {args.rate} req/s offered for {args.duration} s (80% reads, 20% writes), "
              f"gunicorn {args.workers} workers × {args.threads} threads")
        print(f"{'request':24} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}")
        with (stats.with_name("locust_stats.csv")).open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                print(f"{row['Name']:24} {row['Request Count']:>7} {row['Failure Count']:>6} {row['50%']:>8} "
                      f"{row['95%']:>8} {row['99%']:>8} {float(row['Requests/s']):7.1f}")
        for name, values in (("raw SQL: search", search), ("raw SQL: person", person)):
            print(f"{name:24} {len(values):>7} {0:>6} {pct(values, 50) * 1000:8.2f} {pct(values, 95) * 1000:8.2f} "
                  f"{pct(values, 99) * 1000:8.2f}")
        print("targets: read p95 ≤ 50 ms, write p95 ≤ 100 ms, 0 errors")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
