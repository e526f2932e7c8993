"""Fast bulk writes for imports: ids allocated up front, rows sent without per-field ORM work.

PostgreSQL: `insert` COPYs rows into a temporary table and moves them with one INSERT … SELECT, which row-level
security checks like any insert (COPY FROM itself is not allowed on tables with RLS); `insert_once` writes them
once, by INSERT … SELECT FROM unnest(…) over binary array parameters, a chunk per statement. SQLite: one
prepared executemany. Used only inside the caller's transaction, for models it has validated.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.db import connection, models


def allocate_ids(model: type[models.Model], n: int) -> int:
    """Reserve n consecutive primary keys; returns the first. Holds a table lock until the transaction ends."""
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cur.fetchone()[0]
            cur.execute("SELECT nextval(%s)", [seq])
            first = cur.fetchone()[0]
            if n > 1:
                cur.execute("SELECT setval(%s, %s)", [seq, first + n - 1])
            return int(first)
        cur.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
        return int(cur.fetchone()[0]) + 1


def _json(value: Any) -> str | None:
    """JSON text for a JSONField (orjson: the same document as json.dumps, several times faster)."""
    if value is None:
        return None
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # beyond orjson (e.g. an integer wider than 64 bits)
        return json.dumps(value, ensure_ascii=False)


def _datetime_adapter() -> Any:
    """SQLite's text of a datetime, the last one remembered: a batch's rows mostly carry the same `created_at`."""
    last: list[Any] = [None, None]

    def adapt(v: Any) -> Any:
        if v is None:
            return None
        if v is not last[0]:
            last[0], last[1] = v, connection.ops.adapt_datetimefield_value(v)
        return last[1]

    return adapt


def _adapter(field: models.Field) -> Any:
    if isinstance(field, models.JSONField):
        return _json
    if connection.vendor == "sqlite":
        if isinstance(field, models.DateTimeField):
            return _datetime_adapter()
        if isinstance(field, models.DateField):
            return lambda v: None if v is None else (v.isoformat() if isinstance(v, dt.date) else v)
        if isinstance(field, models.BooleanField):
            return lambda v: None if v is None else int(bool(v))
    return None


def insert(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows (tuples in `columns` order, attnames incl. "id") into the model's table."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    adapters = [(_adapter(fields[c])) for c in columns]
    table = model._meta.db_table
    cols = ", ".join(f'"{fields[c].column}"' for c in columns)
    count = 0

    todo = [(i, a) for i, a in enumerate(adapters) if a]

    def adapted() -> Iterable[Sequence[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            if len(row) != len(columns):
                raise ValueError(f"{table}: {len(row)} values for {len(columns)} columns")
            if todo:
                row = list(row)
                for i, a in todo:
                    row[i] = a(row[i])
            yield row

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            tmp = f"bulk_{table}"
            cur.execute(f'CREATE TEMP TABLE "{tmp}" ON COMMIT DROP AS SELECT {cols} FROM "{table}" WITH NO DATA')
            with cur.cursor.copy(f'COPY "{tmp}" ({cols}) FROM STDIN') as copy:
                for row in adapted():
                    copy.write_row(row)
            cur.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{tmp}"')
            cur.execute(f'DROP TABLE "{tmp}"')
        else:
            marks = ", ".join("?" * len(columns))
            cur.cursor.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', adapted())
    return count


def _array_type(field: models.Field) -> tuple[str, str]:
    """(SQL type of the array parameter's elements, cast applied to the unnested value)."""
    if isinstance(field, models.JSONField):
        return "text", "::jsonb"  # orjson's text, parsed once by the server (jsonb's binary form is that text too)
    return str(field.db_type(connection)), ""  # a foreign key's is its target's (bigint)


def insert_once(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                chunk: int = 1_000) -> int:
    """As `insert`, but on PostgreSQL each row is written once: per chunk of rows one
    `INSERT INTO t (…) SELECT … FROM unnest(%b::bigint[], %b::text[], …)` with the columns as binary array
    parameters (server-side binding), which row-level security's WITH CHECK accepts like any insert — no
    temporary table, no second copy of the rows. The statements go in pipeline mode: the server inserts a chunk
    while the caller's generator computes the next (as COPY streams), and the call returns once all are done
    (an error is raised then, and the caller's transaction rolls back). SQLite: as `insert`."""
    if connection.vendor != "postgresql":
        return insert(model, columns, rows)
    import psycopg  # here: a process on SQLite does not import psycopg (~0.15 s) at all

    fields = {f.attname: f for f in model._meta.concrete_fields}
    adapters = [_adapter(fields[c]) for c in columns]
    types = [_array_type(fields[c]) for c in columns]
    names = [f"c{i}" for i in range(len(columns))]
    sql = (f'INSERT INTO "{model._meta.db_table}" ({", ".join(chr(34) + fields[c].column + chr(34) for c in columns)}) '
           f'SELECT {", ".join(n + cast for n, (_t, cast) in zip(names, types, strict=True))} '
           f'FROM unnest({", ".join(f"%b::{t}[]" for t, _c in types)}) AS u({", ".join(names)})')
    width = len(columns)
    count = 0
    with connection.cursor() as django_cursor:  # through the backend's wrappers: the tenant setting RLS keys on
        django_cursor.execute("SELECT 1")
    raw = connection.connection
    with connection.wrap_database_errors, raw.pipeline(), psycopg.Cursor(raw) as cur:
        # server-side binding (Django's cursors bind client-side): the arrays travel as binary

        def flush(cols: list[list[Any]]) -> None:
            for i, a in enumerate(adapters):
                if a:
                    cols[i] = [a(v) for v in cols[i]]
            cur.execute(sql, cols)

        cols: list[list[Any]] = [[] for _ in range(width)]
        n = 0
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{model._meta.db_table}: {len(row)} values for {width} columns")
            for i, v in enumerate(row):
                cols[i].append(v)
            n += 1
            if n == chunk:
                flush(cols)
                count += n
                cols, n = [[] for _ in range(width)], 0
        if n:
            flush(cols)
            count += n
    return count
