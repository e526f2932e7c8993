"""The reads `apply_event` makes on every 異動, as fixed SQL (`platform.db.fixed`): texts built once per database
vendor and number of ids, not compiled by the ORM per request. Each names the municipality in context as its first
condition (as the scoped managers filter) and runs on the tenant connection (row-level security applies).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection

from lgcloud.areas.registry.models import Person, PersonSnapshot, RegistryEvent, SearchKey, Status
from lgcloud.platform.db import fixed
from lgcloud.platform.tenancy.context import require_municipality

_TEXTS: dict[tuple[Any, ...], str] = {}


def _text(key: tuple[Any, ...], build: Callable[[], str]) -> str:
    full = (connection.vendor, *key)
    sql = _TEXTS.get(full)  # read once: another thread may clear the cache meanwhile
    if sql is None:
        sql = build()
        if len(_TEXTS) >= fixed.CACHE_LIMIT:
            _TEXTS.clear()
        _TEXTS[full] = sql
    return sql


def _marks(n: int) -> str:
    return "(" + ", ".join("%s" for _ in range(n)) + ")"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def events_of(target: str, pks: Iterable[int]) -> dict[int, list[RegistryEvent]]:
    """The live (not cancelled) events of several persons (or households), each list in fold order (異動日, id)."""
    key = "person_id" if target == "person" else "household_id"
    out: dict[int, list[RegistryEvent]] = {pk: [] for pk in pks}
    if not out:
        return out
    q = fixed._qn

    def build() -> str:
        s, e, c = q("registry_eventsubject"), q("registry_registryevent"), q("registry_registryevent")
        return (f"SELECT s.{q(key)}, {fixed.columns(RegistryEvent, 'e')} FROM {s} s INNER JOIN {e} e ON "
                f"(s.{q('event_id')} = e.{q('id')}) WHERE s.{q('municipality_id')} = %s AND s.{q(key)} IN "
                f"{_marks(len(out))} AND NOT EXISTS (SELECT 1 FROM {c} c WHERE c.{q('cancels_id')} = e.{q('id')}) "
                f"ORDER BY e.{q('effective_on')}, e.{q('id')}")

    seen: set[tuple[int, int]] = set()
    sql = _text(("events_of", key, len(out)), build)
    for row in _rows(sql, [require_municipality().pk, *out]):
        event = fixed.build(RegistryEvent, row[1:])
        if (row[0], event.pk) not in seen:
            seen.add((row[0], event.pk))
            out[row[0]].append(event)
    return out


def residents_stored(household_ids: list[int], touched: list[int]) -> list[tuple[int, int, str]]:
    """(household_id, id, 続柄) of the residents of the households as stored, leaving out `touched`."""
    if not household_ids:
        return []
    q, p = fixed._qn, fixed._qn(Person._meta.db_table)

    def build() -> str:
        sql = (f"SELECT {p}.{q('household_id')}, {p}.{q('id')}, {p}.{q('relationship')} FROM {p} WHERE "
               f"{p}.{q('municipality_id')} = %s AND {p}.{q('household_id')} IN {_marks(len(household_ids))} AND "
               f"{p}.{q('status')} = %s")
        if touched:
            sql += f" AND NOT ({p}.{q('id')} IN {_marks(len(touched))})"
        return sql

    sql = _text(("residents", len(household_ids), len(touched)), build)
    rows = _rows(sql, [require_municipality().pk, *household_ids, Status.RESIDENT, *touched])
    return [(h, pk, rel) for h, pk, rel in rows]


def members_ever(household_ids: set[int]) -> set[int]:
    """The persons who have ever belonged to the households (by their history's snapshots)."""
    if not household_ids:
        return set()
    q, t = fixed._qn, fixed._qn(PersonSnapshot._meta.db_table)
    sql = _text(("members_ever", len(household_ids)), lambda: (
        f"SELECT DISTINCT {t}.{q('person_id')} FROM {t} WHERE {t}.{q('municipality_id')} = %s AND "
        f"{t}.{q('household_id_at')} IN {_marks(len(household_ids))}"))
    return {row[0] for row in _rows(sql, [require_municipality().pk, *sorted(household_ids)])}


def search_keys_of(person_ids: list[int]) -> list[tuple[int, str, str]]:
    """(person_id, kind, value) of every search key the persons have."""
    if not person_ids:
        return []
    q, t = fixed._qn, fixed._qn(SearchKey._meta.db_table)
    sql = _text(("search_keys", len(person_ids)), lambda: (
        f"SELECT {t}.{q('person_id')}, {t}.{q('kind')}, {t}.{q('value')} FROM {t} WHERE "
        f"{t}.{q('municipality_id')} = %s AND {t}.{q('person_id')} IN {_marks(len(person_ids))}"))
    return [(pid, kind, value) for pid, kind, value in _rows(sql, [require_municipality().pk, *person_ids])]
