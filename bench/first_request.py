"""What a fresh web worker's first requests cost, with and without the warm-up gunicorn runs in `post_worker_init`
(`lgcloud.platform.web.warmup`): this process starts as a worker does (django.setup()), optionally warms up, then
makes a few person and search API calls in-process and prints each one's CPU and wall time.

    bench/first_request.py            # no warm-up: the first call imports the URLs and the API (~0.8 s of CPU)
    bench/first_request.py --warm     # as a worker of the project's gunicorn configuration
    bench/first_request.py --warm --calls 400 --residents 129032   # after a database restart: the buffer misses

Then prints, for all the calls, the median and p95 wall time and the database's blocks read from outside shared
buffers (`pg_stat_database.blks_read`, this database, all sessions) against blocks found there: right after a
PostgreSQL restart this is what pg_prewarm's autoprewarm saves.

Uses the database in DATABASE_URL and a member with residents (e.g. the kept 1,000,000 cluster or one that
`bench/profile_bench.py` loaded: its clerk `bench-clerk`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lgcloud.settings")
os.environ.setdefault("LGCLOUD_ALLOWED_HOSTS", "testserver")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--warm", action="store_true", help="run the workers' warm-up first")
    ap.add_argument("--calls", type=int, default=6)
    ap.add_argument("--clerk", default="bench-clerk")
    ap.add_argument("--residents", type=int, default=2000, help="宛名番号 drawn from 1..N (the clerk's member)")
    ap.add_argument("--quiet", action="store_true", help="print only the first 6 calls")
    args = ap.parse_args()
    t = time.process_time()
    import django

    django.setup()
    print(f"django.setup(): {time.process_time() - t:.3f} s CPU")
    from django.test import Client

    from lgcloud.platform.accounts.models import ApiToken, Staff

    if args.warm:
        from lgcloud.platform.web import warmup

        t = time.process_time()
        took = warmup.warm()
        print(f"warm-up: {time.process_time() - t:.3f} s CPU ({', '.join(f'{k} {v:.3f} s' for k, v in took.items())})")
    from django.db import connection
    from names import NameMaker

    names, rng = NameMaker(random.Random(13)), random.Random(13)
    _token, raw = ApiToken.issue(Staff.objects.get(username=args.clerk), "first-request")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def blocks() -> tuple[int, int]:
        with connection.cursor() as cur:
            cur.execute("SELECT blks_read, blks_hit FROM pg_stat_database WHERE datname = current_database()")
            read, hit = cur.fetchone()
        return int(read), int(hit)

    pg = connection.vendor == "postgresql"
    walls = []
    for i in range(args.calls):
        if i == 1 and pg:
            time.sleep(0.6)  # the statistics collector's 0.5 s flush
            before = blocks()
        t, w = time.process_time(), time.perf_counter()
        if i % 2 == 0:
            r = client.get(f"/api/v1/registry/persons/{rng.randint(1, args.residents)}")
        else:
            r = client.post("/api/v1/registry/search", {"kana": names.full_kana()}, content_type="application/json")
        walls.append(time.perf_counter() - w)
        if i < 6 or not args.quiet:
            print(f"call {i + 1} ({'person' if i % 2 == 0 else 'search'}): HTTP {r.status_code}, "
                  f"CPU {1000 * (time.process_time() - t):.1f} ms, wall {1000 * walls[-1]:.1f} ms")
    rest = sorted(walls[1:])
    if rest:
        print(f"calls 2..{args.calls}: wall median {1000 * statistics.median(rest):.1f} ms, "
              f"p95 {1000 * rest[int(len(rest) * 0.95)]:.1f} ms; load average {os.getloadavg()[0]:.2f}")
    if pg and args.calls > 1:
        time.sleep(0.6)
        after = blocks()
        print(f"database blocks over calls 2..{args.calls} (all sessions): read from outside shared buffers "
              f"{after[0] - before[0]:,}, found in shared buffers {after[1] - before[1]:,}")


if __name__ == "__main__":
    main()
