"""Prometheus metrics through prometheus_client (the project's maintained client library).

Request latency and counts per route pattern, method and role; server errors; batch progress; and, read
from the database when Prometheus scrapes, the domain-event backlog per municipality and the standby's
replication lag. Under gunicorn's several processes `PROMETHEUS_MULTIPROC_DIR` (set by `make run`) makes
every process — web workers and batch commands alike — write to one directory that `/metrics` aggregates.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger("lgcloud.request")

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REQUEST_SECONDS = Histogram(
    "lgcloud_http_request_duration_seconds", "Time to answer a request, by route pattern, method and role",
    ["route", "method", "role"], buckets=LATENCY_BUCKETS)
REQUESTS = Counter(
    "lgcloud_http_requests_total", "Requests answered, by route pattern, method, role and status class",
    ["route", "method", "role", "status"])
SERVER_ERRORS = Counter(
    "lgcloud_http_server_errors_total", "Requests answered with a 5xx status, by route pattern and method",
    ["route", "method"])
BATCH_DONE = Gauge("lgcloud_batch_done", "Units a running or last batch has finished",
                   ["job"], multiprocess_mode="mostrecent")
BATCH_TOTAL = Gauge("lgcloud_batch_total", "Units of a running or last batch in all",
                    ["job"], multiprocess_mode="mostrecent")
BATCH_UPDATED = Gauge("lgcloud_batch_updated_timestamp_seconds", "When a batch last reported progress",
                      ["job"], multiprocess_mode="mostrecent")

UNMATCHED = "(unmatched)"


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request (never the path itself, which may hold personal data)."""
    match = getattr(request, "resolver_match", None)
    return (match.route or match.view_name or UNMATCHED) if match is not None else UNMATCHED


def role_of(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    return getattr(user, "role", "") or ("superuser" if getattr(user, "is_superuser", False) else "none")


def report_progress(job: str, done: int, total: int) -> None:
    """A batch's progress (the tax or 国保 assessment, an import): shown on /metrics while it runs."""
    BATCH_DONE.labels(job).set(done)
    BATCH_TOTAL.labels(job).set(total)
    BATCH_UPDATED.labels(job).set(time.time())


class MetricsMiddleware:
    """Times each request, counts it, and writes one JSON log line about it (route, not path)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route, role, method = route_of(request), role_of(request), request.method or ""
        status = response.status_code
        REQUEST_SECONDS.labels(route, method, role).observe(elapsed)
        REQUESTS.labels(route, method, role, f"{status // 100}xx").inc()
        if status >= 500:
            SERVER_ERRORS.labels(route, method).inc()
        municipality = getattr(getattr(request, "user", None), "municipality_id", None)
        log.info("request", extra={
            "route": route, "method": method, "status": status, "role": role,
            "duration_ms": round(elapsed * 1000, 1), "municipality_id": municipality,
        })
        return response


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time: event backlog and replication lag."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("lgcloud_domain_event_backlog",
                                    "Domain events not yet delivered to the slowest subscriber",
                                    labels=["municipality"])
        for code, behind in event_backlog().items():
            backlog.add_metric([code], behind)
        yield backlog
        lag = GaugeMetricFamily("lgcloud_replication_lag_seconds",
                                "Replay lag of each standby (on the primary) or of this server (on a standby)",
                                labels=["server"])
        for name, seconds in replication_lag().items():
            lag.add_metric([name], seconds)
        yield lag


def event_backlog() -> dict[str, int]:
    """Per municipality, how many events the slowest subscriber has still to receive."""
    from lgcloud.platform.events.catalog import subscribers
    from lgcloud.platform.events.models import DomainEvent, SubscriberCursor
    from lgcloud.platform.tenancy.context import municipality_scope
    from lgcloud.platform.tenancy.models import Municipality

    names = list(subscribers())
    out: dict[str, int] = {}
    for m in Municipality.objects.order_by("code"):
        with municipality_scope(m):
            positions = dict(SubscriberCursor.objects.values_list("subscriber", "position"))
            slowest = min((positions.get(n, 0) for n in names), default=None)
            if slowest is None:
                out[m.code] = 0
                continue
            out[m.code] = DomainEvent.objects.filter(id__gt=slowest).count()
    return out


def replication_lag() -> dict[str, float]:
    """Seconds of replay lag: each standby's as the primary sees it, or this standby's own."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        if cur.fetchone()[0]:
            cur.execute("SELECT COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)")
            return {"self": float(cur.fetchone()[0])}
        cur.execute("SELECT application_name, COALESCE(EXTRACT(EPOCH FROM replay_lag), 0) FROM pg_stat_replication")
        return {str(name): float(lag) for name, lag in cur.fetchall()}


def allowed(request: HttpRequest) -> bool:
    """Scrapes come from the addresses in LGCLOUD_METRICS_ALLOW (default: this machine) or bear the token."""
    token = getattr(settings, "LGCLOUD_METRICS_TOKEN", "")
    if token and request.headers.get("Authorization", "") == f"Bearer {token}":
        return True
    return request.META.get("REMOTE_ADDR", "") in getattr(settings, "LGCLOUD_METRICS_ALLOW", ("127.0.0.1", "::1"))


def exposition() -> bytes:
    """The text Prometheus reads: the process (or all processes') metrics and the database's figures."""
    db = CollectorRegistry()
    db.register(DatabaseCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry: Any = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry) + generate_latest(db)
    return generate_latest(REGISTRY) + generate_latest(db)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse("metrics are served to the monitoring server only\n", status=403,
                            content_type="text/plain; charset=utf-8")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
