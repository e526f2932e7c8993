"""PostgreSQL row-level security: the second line behind the scoped managers.

Run after every migrate (post_migrate), so a new scoped model is covered
without anyone remembering to. Every scoped table gets ENABLE + FORCE ROW
LEVEL SECURITY (FORCE so that even the table owner is bound) and one policy
keyed on the session setting `lgcloud.municipality_id`, which the
lgcloud.platform.db.postgresql backend sets from the tenant context before each query.
When LGCLOUD_DB_APP_ROLE names the role the application connects as, it gets
DML on everything except the audit log, where it may only INSERT and SELECT (and the sealer
fill in a record's place in its chain).
"""

from __future__ import annotations

import os
from typing import Any

from django.db import connections

SETTING = "lgcloud.municipality_id"
POLICY = "lgcloud_tenant_isolation"
APPEND_ONLY_TABLES = ("audit_auditrecord", "audit_sealedhead")
# The sealer fills these columns of an appended record once (audit.sealing); nothing else may change.
SEALING_COLUMNS = {"audit_auditrecord": ("seq", "prev_hash", "hash")}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rls_statements(table: str) -> list[str]:
    t = _quote(table)
    expr = f"municipality_id = NULLIF(current_setting('{SETTING}', true), '')::bigint"
    return [
        f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {POLICY} ON {t}",
        f"CREATE POLICY {POLICY} ON {t} USING ({expr}) WITH CHECK ({expr})",
    ]


def grant_statements(role: str, tables: list[str]) -> list[str]:
    r = _quote(role)
    stmts = [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
    ]
    for table in tables:
        if table in APPEND_ONLY_TABLES:
            stmts.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {r}")
            if table in SEALING_COLUMNS:
                cols = ", ".join(_quote(c) for c in SEALING_COLUMNS[table])
                stmts.append(f"GRANT UPDATE ({cols}) ON {_quote(table)} TO {r}")
    return stmts


def apply_row_level_security(using: str = "default", **kwargs: Any) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    from lgcloud.platform.tenancy.scoping import scoped_models

    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in scoped_models():
            if model._meta.db_table in existing:
                for sql in rls_statements(model._meta.db_table):
                    cursor.execute(sql)
        role = os.environ.get("LGCLOUD_DB_APP_ROLE")
        if role:
            for sql in grant_statements(role, sorted(existing)):
                cursor.execute(sql)
