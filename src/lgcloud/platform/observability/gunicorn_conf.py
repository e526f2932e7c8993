"""gunicorn settings `make run`, the soak and the registry benchmark load
(`-c python:lgcloud.platform.observability.gunicorn_conf`).

The access log is off: gunicorn would write each request's full path and query, and a search query holds
a resident's name. The application's own JSON line per request (route pattern, status, duration, request id)
replaces it. A worker that exits has its live metrics files marked dead for the multiprocess collector.

Connections are spread over the workers. A gthread worker accepts new connections while all its threads are
busy (up to `worker_connections`, 1,000 by default) and keeps every kept-alive connection for itself, so a few
persistent clients (a reverse proxy's upstream pool, a load generator) end up on one worker — one process, one
GIL, at most one core — while the others idle. Here a worker takes no more connections than it has threads
(`worker_connections` = `threads`, set when gunicorn starts so `--threads` keeps working): a busy worker stops
accepting and the next connection goes to one with a free thread. With no room for kept-alive connections
gunicorn answers every request with `Connection: close` (keepalive 0 says so explicitly), so each request is
placed afresh. On loopback or a data-centre LAN a new connection costs about 0.1 ms; the reverse proxy in
front keeps its own keep-alive towards the clients. `LGCLOUD_GUNICORN_KEEPALIVE=N` brings keep-alive back
(N seconds, and as many kept-alive connections per worker as it has threads) where a deployment has no proxy.

Each worker warms up before it accepts its first connection (`post_worker_init`: the URL configuration, the API's
schemas, translations and templates — `lgcloud.platform.web.warmup`; no database, no personal data, no audit), so
the first requests after a start or a deployment do not pay ~0.8 s of CPU a worker on their clock.
`LGCLOUD_GUNICORN_WARMUP=0` turns it off.

`reuse_port` was not chosen: gunicorn 27 then gives each worker its own SO_REUSEPORT socket and the kernel
hashes each new connection to one of them by address — connections are spread by count, not by which worker
is free, and a kept-alive connection still stays on its worker.
"""

from __future__ import annotations

import os
from typing import Any

accesslog = None

_keepalive_extra = int(os.environ.get("LGCLOUD_GUNICORN_KEEPALIVE", "0"))
keepalive = _keepalive_extra


def on_starting(server: Any) -> None:
    """Bound each worker's connections by its threads (plus the kept-alive allowance, if any)."""
    threads = max(1, int(server.cfg.threads))
    server.cfg.set("worker_connections", threads + (threads if _keepalive_extra else 0))


def post_worker_init(worker: Any) -> None:
    """Warm the worker up before it accepts connections (see the module's docstring)."""
    if os.environ.get("LGCLOUD_GUNICORN_WARMUP", "1") == "0":
        return
    from lgcloud.platform.web import warmup

    took = warmup.warm()
    worker.log.info("warm-up: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in took.items()))


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
