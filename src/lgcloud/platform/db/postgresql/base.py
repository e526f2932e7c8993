"""PostgreSQL backend that tells the server which municipality is in context.

Before each statement it makes sure the session setting
`lgcloud.municipality_id` matches the tenant context, which the row-level
security policies of tenancy.rls key on. The value last sent is remembered
per connection and forgotten on every rollback, because a rollback also
undoes a set_config made inside the rolled-back transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from lgcloud.platform.tenancy.context import current_municipality_id
from lgcloud.platform.tenancy.rls import SETTING

_UNKNOWN = object()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tenant_sent: object = _UNKNOWN
        self._rolling_back = False
        self.execute_wrappers.append(self._apply_tenant)

    def init_connection_state(self) -> None:
        self._tenant_sent = _UNKNOWN
        super().init_connection_state()

    def _apply_tenant(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        wanted = current_municipality_id()
        value = "" if wanted is None else str(wanted)
        if self._tenant_sent != value and not self._rolling_back:
            # A plain cursor of its own: the statement's cursor may be a server-side one. A driver error becomes
            # Django's (OperationalError when the server went away: a 503, not a 500).
            with self.wrap_database_errors, self.connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])
            self._tenant_sent = value
        return execute(sql, params, many, context)

    def _rollback(self) -> None:
        self._tenant_sent = _UNKNOWN
        super()._rollback()  # type: ignore[misc]

    def _savepoint_rollback(self, sid: str) -> None:
        # ROLLBACK TO SAVEPOINT first, as it is: after an error the transaction accepts no other statement (a
        # set_config sent before it would fail, and the savepoint would never be rolled back)
        self._rolling_back = True
        try:
            super()._savepoint_rollback(sid)  # type: ignore[misc]
        finally:
            self._rolling_back = False
            self._tenant_sent = _UNKNOWN

    def _close(self) -> None:
        self._tenant_sent = _UNKNOWN
        super()._close()  # type: ignore[misc]
