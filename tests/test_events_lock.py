"""On PostgreSQL a domain event is written by one statement that first takes the municipality's advisory lock
(`INSERT … SELECT … FROM pg_advisory_xact_lock(…)`), so publishers of one municipality draw ids in commit order: the
lock is held, by this transaction, once publish returns; the row is written with every column as given."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from lgcloud.platform import events
from lgcloud.platform.events.models import DomainEvent
from lgcloud.platform.events.outbox import LOCK_NAMESPACE

pytestmark = pytest.mark.django_db(transaction=True)


def _held() -> list[tuple[int, int]]:
    with connection.cursor() as cur:
        cur.execute("SELECT classid::int, objid::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    " AND granted")
        return [tuple(row) for row in cur.fetchall()]


def test_publish_takes_the_municipality_lock_in_the_insert_and_holds_it_to_commit(in_a):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks: PostgreSQL only")
    with transaction.atomic():
        assert _held() == []
        event = events.publish("test.locked", {"n": 1, "名": "テスト"}, source="test")
        assert _held() == [(LOCK_NAMESPACE, in_a.pk)]
    assert _held() == []
    stored = DomainEvent.objects.get(pk=event.pk)
    assert (stored.kind, stored.payload, stored.source, stored.municipality_id) == ("test.locked", {"n": 1, "名": "テスト"},
                                                                                  "test", in_a.pk)
    assert stored.occurred_at == event.occurred_at
