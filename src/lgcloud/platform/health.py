"""Liveness and readiness for load balancers, the DR drill and the operator.

`/health/live`: the process answers (no database). `/health/ready`: the database answers and accepts writes
(on PostgreSQL: not a standby in recovery, not a read-only session), so a load balancer sends clerks only to
an application server that can record a 異動, and `lgcloud dr drill` knows service is back after a failover.
Each check is a function returning (ok, detail); the readiness answer is every check's detail as JSON, 200 when
all are ok and 503 otherwise. Further checks (standby lag, event backlog, …) are added to READY_CHECKS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache

Check = Callable[[], tuple[bool, str]]


def database_writable() -> tuple[bool, str]:
    """The database is reachable and this connection may write."""
    try:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
                in_recovery, read_only = cur.fetchone()
                if in_recovery or read_only == "on":
                    return False, "読み取り専用（待機系）に接続しています"
            else:
                cur.execute("SELECT 1")
    except DatabaseError as e:
        connection.close_if_unusable_or_obsolete()
        return False, f"データベースに接続できません: {type(e).__name__}"
    return True, "書き込み可能"


READY_CHECKS: dict[str, Check] = {"database": database_writable}


@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    started = time.perf_counter()
    checks = {}
    ok = True
    for name, check in READY_CHECKS.items():
        passed, detail = check()
        ok = ok and passed
        checks[name] = {"ok": passed, "detail": detail}
    body = {"status": "ok" if ok else "unavailable", "checks": checks,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 1)}
    return JsonResponse(body, status=200 if ok else 503, json_dumps_params={"ensure_ascii": False})


urlpatterns = [
    path("live", live, name="health_live"),
    path("ready", ready, name="health_ready"),
]
