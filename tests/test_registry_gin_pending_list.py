"""Registry 0018 on PostgreSQL: the search columns' trigram indexes keep a short pending list, and registry_person's
autovacuum thresholds are PostgreSQL's defaults again (no 11-second ANALYZE every few minutes at the counter's rate)."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="GIN pending lists and autovacuum options are PostgreSQL's")

INDEXES = ("registry_person_search_names_trgm", "registry_person_search_kanas_trgm",
           "registry_person_search_addresses_trgm")


def _options(relname: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE relname = %s", [relname])
        row = cursor.fetchone()
    assert row is not None, relname
    return set(row[0])


@pytest.mark.django_db
def test_the_trigram_indexes_have_a_64_kb_pending_list() -> None:
    for index in INDEXES:
        assert _options(index) == {"fastupdate=on", "gin_pending_list_limit=64"}, index


@pytest.mark.django_db
def test_registry_person_uses_the_default_autovacuum_thresholds() -> None:
    assert not {o for o in _options("registry_person") if o.startswith("autovacuum_")}

