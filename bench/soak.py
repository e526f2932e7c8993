"""Soak: the registry benchmark's counter mix (bench/locustfile.py: 80% reads, 20% 転居 writes) at R requests/s for
D seconds against gunicorn served as `make run` serves it (scripts/run.sh's gunicorn configuration and its events
worker beside it), on the PostgreSQL scripts/bench.sh starts (durable settings unless --relaxed). Prints, per
minute: requests, errors, p50/p95 (ms), the summed RSS of the gunicorn workers and of PostgreSQL's client
backends; the RSS of every gunicorn worker and PostgreSQL backend at the start (after a warm-up) and at the end;
and a verdict line. Exits 1 if any request failed or memory grew by more than --max-growth percent.

    scripts/bench.sh soak                                            # 100,000 residents, 100 req/s, 10 minutes
    scripts/bench.sh soak --residents 100000 --rate 50 --duration 120
    .venv/bin/python bench/soak.py --residents 1000000 …   # on a kept cluster (bench/README.md): reuses its register

The register is loaded as the registry benchmark loads it (registry_bench.load_members): a member already holding
its share of residents is reused, not imported again.

Memory is read with psutil when installed, else from /proc/PID/status. The verdict compares the gunicorn
workers' summed RSS, and PostgreSQL client backends' mean private memory (RssAnon: a backend's RSS also counts
the shared buffers it has touched, which grows without any leak, and backends are replaced as connections reach
CONN_MAX_AGE), between the start and the end of the measured window.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="soak", description=__doc__.split("\n\n")[0])
    ap.add_argument("--residents", type=int, default=100_000, help="residents over the 18 demo members")
    ap.add_argument("--rate", type=float, default=100, help="requests per second offered")
    ap.add_argument("--duration", type=int, default=600, help="seconds measured (after the warm-up)")
    ap.add_argument("--warmup", type=int, default=30, help="seconds of load before the start sample")
    ap.add_argument("--interval", type=int, default=60, help="seconds per printed row")
    ap.add_argument("--max-growth", type=float, default=10.0, help="memory growth allowed, percent")
    ap.add_argument("--port", type=int, default=8130)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers (make run: 2)")
    ap.add_argument("--threads", type=int, default=4, help="gunicorn threads (make run: 4)")
    args = ap.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.interval <= 0 or args.warmup < 0:
        ap.error("rate, duration and interval must be positive, warm-up not negative")
    return args


# ---- memory -----------------------------------------------------------------------------------------------

try:
    import psutil
except ImportError:  # pragma: no cover - depends on the environment
    psutil = None


def _status(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "PPid"):
                values[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, private anonymous RSS) of a process in KiB; (0, 0) if it is gone."""
    status = _status(pid)
    rss = status.get("VmRSS", 0)
    if psutil is not None:
        try:
            rss = psutil.Process(pid).memory_info().rss // 1024
        except psutil.Error:
            rss = 0
    return rss, status.get("RssAnon", 0)


def children(pid: int) -> list[int]:
    if psutil is not None:
        try:
            return sorted(c.pid for c in psutil.Process(pid).children())
        except psutil.Error:
            return []
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _status(int(entry.name)).get("PPid") == pid:
            found.append(int(entry.name))
    return sorted(found)


def postgres_backends() -> dict[int, str]:
    """PostgreSQL's server processes (pid → backend type) other than the one serving this script."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pid, backend_type FROM pg_stat_activity WHERE pid <> pg_backend_pid()")
        return {pid: kind or "other" for pid, kind in cur.fetchall()}


def sample(master: int) -> dict:
    workers = {pid: memory_kib(pid) for pid in children(master)}
    backends = {pid: (kind, *memory_kib(pid)) for pid, kind in postgres_backends().items()}
    clients = [v for v in backends.values() if v[0] == "client backend"]
    return {"workers": workers, "backends": backends,
            "workers_rss": sum(v[0] for v in workers.values()),
            "clients_rss": sum(v[1] for v in clients), "clients": len(clients),
            "clients_anon_mean": sum(v[2] for v in clients) / max(1, len(clients))}


def mib(kib: float) -> str:
    return f"{kib / 1024:,.1f}"


def print_memory(label: str, s: dict) -> None:
    print(f"memory at the {label}: gunicorn workers " +
          ", ".join(f"{pid}={mib(rss)} MiB" for pid, (rss, _a) in sorted(s["workers"].items())) +
          f" (total {mib(s['workers_rss'])} MiB)")
    print(f"  PostgreSQL backends ({len(s['backends'])}): " +
          ", ".join(f"{pid} {kind}={mib(rss)}/{mib(anon)}" for pid, (kind, rss, anon) in sorted(s["backends"].items())) +
          " MiB (RSS/private)")


# ---- requests ---------------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def read_log(path: Path, offset: int) -> tuple[list[tuple[float, str, float, str]], int]:
    """Complete lines of the request log from byte `offset`: (time, kind, ms, error)."""
    rows = []
    try:
        with path.open("rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return rows, offset
    end = data.rfind(b"\n") + 1
    for line in data[:end].decode("utf-8").splitlines():
        t, name, ms, error = [*line.split("\t", 3), ""][:4]
        rows.append((float(t), name, float(ms), error))
    return rows, offset + end


def row(label: str, rows: list, s: dict | None) -> str:
    ms = [r[2] for r in rows]
    errors = sum(1 for r in rows if r[3])
    memory = "" if s is None else (f" {mib(s['workers_rss']):>10} {mib(s['clients_rss']):>10} {s['clients']:>3}")
    return f"{label:>12} {len(rows):>8} {errors:>6} {pct(ms, 50):>8.0f} {pct(ms, 95):>8.0f}{memory}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path[:0] = [str(Path(__file__).resolve().parent)]
    import json
    import shutil
    import signal
    import subprocess
    import tempfile
    import time

    from django.core.management import call_command
    from django.db import connection
    from registry_bench import (  # django.setup() on import
        ROOT,
        durability,
        load_members,
        per_worker_cpu,
        process_cpu,
        wait_ready,
    )

    assert connection.vendor == "postgresql", "the soak runs on PostgreSQL (scripts/bench.sh soak starts one)"
    call_command("migrate", verbosity=0)
    work = Path(tempfile.mkdtemp(prefix="lgcloud-soak-"))
    procs: list[subprocess.Popen] = []
    try:
        t = time.perf_counter()
        targets = load_members(args.residents, work)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        print(f"register: {args.residents:,} residents over {len(targets)} members ready in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
        prom = work / "prometheus"
        prom.mkdir()
        log = work / "requests.tsv"
        env = {**os.environ, "BENCH_TARGETS": json.dumps(targets), "LGCLOUD_ALLOWED_HOSTS": "127.0.0.1,localhost",
               "PYTHONPATH": str(ROOT / "bench"), "PROMETHEUS_MULTIPROC_DIR": str(prom),
               "LGCLOUD_STATIC_MANIFEST": "0", "BENCH_REQUEST_LOG": str(log)}
        # As scripts/run.sh (make run): the events worker beside gunicorn with the project's gunicorn configuration.
        # Their logs (a JSON line per request, as in production) go to a file: the tail of its errors is printed.
        server_log = (work / "server.log").open("w", encoding="utf-8")
        procs.append(subprocess.Popen([str(ROOT / ".venv/bin/lgcloud"), "events", "worker", "--interval", "5"],
                                      env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT))
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "lgcloud.wsgi:application", "-c",
             "python:lgcloud.platform.observability.gunicorn_conf", "--bind", f"127.0.0.1:{args.port}",
             "--workers", str(args.workers), "--threads", str(args.threads), "--forwarded-allow-ips", "127.0.0.1",
             "--log-level", "warning"], env=env, cwd=ROOT, stdout=server_log, stderr=subprocess.STDOUT)
        procs.append(server)
        # Booting takes longer than any fixed sleep on a busy machine: wait until every worker is up and idle.
        print(f"gunicorn ready after {wait_ready(args.port, server.pid):.0f} s", flush=True)
        users = max(1, round(args.rate / 5))
        print(f"database: {durability()}")
        print(f"load: {args.rate:g} req/s offered by {users} locust users (80% reads, 20% 転居 writes), "
              f"{args.warmup} s warm-up then {args.duration} s measured; gunicorn {args.workers} workers × "
              f"{args.threads} threads (pid {server.pid}); load average {os.getloadavg()[0]:.2f}", flush=True)
        before_load = sample(server.pid)
        print_memory("start of the warm-up (no load yet)", before_load)
        total = args.warmup + args.duration
        locust = subprocess.Popen(
            [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"), "--headless", "-u", str(users),
             "-r", str(users), "-t", f"{total}s", "--host", f"http://127.0.0.1:{args.port}", "--only-summary",
             "--loglevel", "WARNING"], env={**env, "BENCH_PER_USER_RPS": str(args.rate / users)},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(locust)
        began = time.time()
        offset, all_rows, window = 0, [], []
        start = None
        cpu_start: dict[int, float] = {}
        cpu_started = time.perf_counter()
        print(f"\n{'minute':>12} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'workers MiB':>10} "
              f"{'PG cl. MiB':>10} {'n':>3}  (load average)", flush=True)
        boundary = began + args.warmup
        label = "warm-up"
        n = 0
        while True:
            finished = locust.poll() is not None
            now = time.time()
            if now >= boundary or finished:
                rows, offset = read_log(log, offset)
                all_rows += rows
                window = [r for r in all_rows if r[0] < boundary]
                all_rows = [r for r in all_rows if r[0] >= boundary]
                s = sample(server.pid)
                if start is None:
                    start = s
                    cpu_start, cpu_started = process_cpu(server.pid), time.perf_counter()
                print(row(label, window, s) + f"  ({os.getloadavg()[0]:.2f})", flush=True)
                n += 1
                label = str(n)
                boundary += args.interval
                if finished or boundary > began + total + args.interval:
                    break
            time.sleep(0.5)
        locust.wait(60)
        end = sample(server.pid)
        cpu_end, cpu_ended = process_cpu(server.pid), time.perf_counter()
        rows, offset = read_log(log, offset)
        all_rows += rows
        if all_rows:
            print(row("rest", all_rows, None))
        rows, _ = read_log(log, 0)
        measured = [r for r in rows if r[0] >= began + args.warmup]
        errors = [r for r in rows if r[3]]
        print(row("measured", measured, None) + f"  ({len(measured) / max(1, args.duration):.1f} req/s achieved)")
        for kind in sorted({r[1] for r in measured}):
            print(row(kind, [r for r in measured if r[1] == kind], None))
        print()
        assert start is not None
        print_memory("start (after the warm-up)", start)
        print_memory("end", end)
        print("CPU per gunicorn worker over the measured window: "
              + per_worker_cpu(server.pid, cpu_start, cpu_end, cpu_ended - cpu_started))
        if errors:
            shown: dict[str, int] = {}
            for r in errors:
                shown[f"{r[1]}: {r[3]}"] = shown.get(f"{r[1]}: {r[3]}", 0) + 1
            for what, count in sorted(shown.items(), key=lambda kv: -kv[1])[:10]:
                print(f"  error ×{count}: {what}")
        problems = [line for line in (work / "server.log").read_text(encoding="utf-8", errors="replace").splitlines()
                    if any(w in line for w in ('"level": "ERROR"', '"level": "WARNING"', '"level": "CRITICAL"',
                                               "Traceback", "[ERROR]", "[CRITICAL]"))]
        if problems:
            print(f"servers' log: {len(problems)} warnings or errors; the last ones:")
            for line in problems[-10:]:
                print("  " + line[:300])
        grow_w = 100 * (end["workers_rss"] - start["workers_rss"]) / max(1, start["workers_rss"])
        grow_pg = 100 * (end["clients_anon_mean"] - start["clients_anon_mean"]) / max(1, start["clients_anon_mean"])
        achieved = len(measured) / max(1, args.duration)
        if achieved < 0.9 * args.rate:
            print(f"NOTE: {achieved:.1f} req/s achieved of {args.rate:g} offered: the server (or the machine) was "
                  f"saturated; latency figures are of a saturated server")
        ok = not errors and grow_w <= args.max_growth and grow_pg <= args.max_growth and locust.returncode in (0, 1)
        print(f"\nVERDICT {'PASS' if ok else 'FAIL'}: {len(rows):,} requests, {len(errors)} errors; gunicorn workers' "
              f"RSS {mib(start['workers_rss'])} → {mib(end['workers_rss'])} MiB ({grow_w:+.1f} %), PostgreSQL "
              f"client backends' mean private memory {mib(start['clients_anon_mean'])} → "
              f"{mib(end['clients_anon_mean'])} MiB ({grow_pg:+.1f} %); threshold 0 errors and growth ≤ "
              f"{args.max_growth:g} %; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"(shared machine)", flush=True)
        return 0 if ok else 1
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
