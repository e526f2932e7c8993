"""Publishing: a domain event is written into the outbox in the writer's own transaction.

It commits with the change it reports or not at all: a rolled-back 異動 publishes nothing.
On PostgreSQL, publishers of one municipality take a transaction-scoped advisory lock before they
draw an id, so ids become visible in the order they were drawn (a committed id is never overtaken
by a smaller one committing later) and a subscriber's cursor — "everything up to id N" — never skips
an event. SQLite runs one writing transaction at a time and needs nothing more.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from lgcloud.platform.db import fixed
from lgcloud.platform.events.models import DomainEvent
from lgcloud.platform.tenancy.context import require_municipality

# First key of the advisory lock (the second is the municipality's id): "lgev" as an integer.
LOCK_NAMESPACE = 0x6C676576


def publish(kind: str, payload: dict[str, Any], *, source: str = "") -> DomainEvent:
    """Append an event of `kind` ("area.what") for the municipality in context; returns it."""
    municipality = require_municipality()
    if "." not in kind:
        raise ValueError(f"event kind {kind!r} must read 'area.what'")
    # No savepoint of its own: an event that cannot be written must fail the writer's transaction.
    with transaction.atomic(savepoint=False):
        event = DomainEvent(municipality=municipality, kind=kind, payload=payload, source=source or kind.split(".", 1)[0])
        # INSERT text built once: every 異動 publishes one. On PostgreSQL the row is selected FROM the advisory lock,
        # so the lock is taken before the id is drawn — in the same statement.
        if connection.vendor == "postgresql":
            fixed.insert(event, after=("pg_advisory_xact_lock(%s::int, %s::int)", [LOCK_NAMESPACE, municipality.pk]))
        else:
            fixed.insert(event)
        return event
