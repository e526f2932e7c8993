"""System check: on PostgreSQL, partial-match search needs LIKE marked LEAKPROOF (see docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import connections


@checks.register(checks.Tags.database)
def like_is_leakproof(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    out: list[checks.CheckMessage] = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cur:
            cur.execute("SELECT proleakproof FROM pg_proc WHERE oid = 'textlike(text, text)'::regprocedure")
            row = cur.fetchone()
        if not (row and row[0]):
            out.append(checks.Warning(
                "PostgreSQL の LIKE（textlike）が LEAKPROOF ではありません。行単位セキュリティの下では住民検索の"
                "部分一致が索引を使えず、全件を読みます。",
                hint="データベースの管理者が ALTER FUNCTION textlike(text, text) LEAKPROOF を実行してください"
                     "（docs/operations.md）。",
                id="registry.W001"))
    return out
