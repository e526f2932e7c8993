"""Fixed SQL for the hot paths: statements whose text is built once (per database vendor) from the models' metadata
and then executed with `%s` parameters through the connection's cursor, instead of a queryset compiled on every
request (about 40 % of a counter request's application time was Django compiling SQL).

Still inside the tenant context: the statements run on the same connection, so the PostgreSQL backend sets
`lgcloud.municipality_id` before them and row-level security applies; a scoped model's INSERT checks the
municipality as `ScopedModel.save` does, and SELECTs of scoped rows name the municipality in their WHERE as the
scoped managers do. Rows come back as model instances with the converters Django's compiler would apply.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection, models

from lgcloud.platform.tenancy.context import current_municipality_id, require_municipality

_M = TypeVar("_M", bound=models.Model)

CACHE_LIMIT = 512  # statement texts kept per cache (they are keyed by row count / list length)
_INSERTS: dict[tuple[str, str, int, str], tuple[str, list[models.Field], bool]] = {}
_CONVERTERS: dict[tuple[str, str], list[list[Callable[..., Any]]]] = {}


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, qualified by `alias`, in `_meta.concrete_fields` order (what `build` reads)."""
    return ", ".join(f"{alias}.{_qn(f.column)}" for f in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    return len(model._meta.concrete_fields)


def _converters(model: type[models.Model]) -> list[list[Callable[..., Any]]]:
    key = (connection.vendor, model._meta.label)
    if key not in _CONVERTERS:
        out = []
        f: Any
        for f in model._meta.concrete_fields:
            col = f.get_col(model._meta.db_table)
            out.append([*connection.ops.get_db_converters(col), *f.get_db_converters(connection)])
        _CONVERTERS[key] = out
    return _CONVERTERS[key]


def build(model: type[_M], row: Sequence[Any]) -> _M:
    """A model instance from the `width(model)` values of `columns(model, …)`, converted as the ORM would."""
    fields = model._meta.concrete_fields
    values = []
    for f, value, convs in zip(fields, row, _converters(model), strict=True):
        for conv in convs:
            value = conv(value, f, connection)
        values.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], values)


def _cast_type(f: Any) -> str:
    return str(f.cast_db_type(connection))


def _insert_sql(model: type[models.Model], rows: int = 1, after: str = "") -> tuple[str, list[models.Field], bool]:
    key = (connection.vendor, model._meta.label, rows, after)
    entry = _INSERTS.get(key)  # read once: another thread may clear the cache meanwhile
    if entry is None:
        from lgcloud.platform.tenancy.scoping import ScopedModel

        fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        pk = model._meta.pk
        row = f"({', '.join('%s' for _ in fields)})"
        into = f"INSERT INTO {_qn(model._meta.db_table)} ({', '.join(_qn(f.column) for f in fields)}) "
        if after:  # one row, its values selected FROM `after` (evaluated first), each cast to its column's type
            values = "SELECT " + ", ".join(f"CAST(%s AS {_cast_type(f)})" for f in fields)
            sql = f"{into}{values} FROM {after} RETURNING {_qn(pk.column)}"
        else:
            sql = f"{into}VALUES {', '.join(row for _ in range(rows))} RETURNING {_qn(pk.column)}"
        entry = (sql, fields, issubclass(model, ScopedModel))
        if len(_INSERTS) >= CACHE_LIMIT:  # one text per row count: bounded (a batch of many sizes starts again)
            _INSERTS.clear()
        _INSERTS[key] = entry
    return entry


def insert(obj: models.Model, *, after: tuple[str, Sequence[Any]] | None = None) -> None:
    """INSERT one new record (as `save(force_insert=True)` does, defaults and auto_now_add included) and set its
    primary key. No signals are sent (the models written through here have no receivers).

    `after` (PostgreSQL): (SQL of a function call, its parameters) evaluated before the row is made, in the same
    statement — `INSERT … SELECT … FROM pg_advisory_xact_lock(%s, %s)`: the lock is held before the id (a column
    default) is drawn, one round trip instead of two."""
    insert_many([obj], after=after)


def insert_many(objs: Sequence[models.Model], *, after: tuple[str, Sequence[Any]] | None = None) -> None:
    """INSERT new records of one model with one statement (its text built once per number of rows) and set their
    primary keys, in order."""
    if not objs:
        return
    if after is not None and len(objs) != 1:
        raise ValueError("insert_many: `after` takes one record")
    model = type(objs[0])
    sql, fields, scoped = _insert_sql(model, len(objs), after[0] if after else "")
    in_context = current_municipality_id() if scoped else None
    if scoped and in_context is None:
        require_municipality()
    params: list[Any] = []
    for obj in objs:
        if type(obj) is not model:
            raise ValueError("insert_many: records of one model only")
        if scoped:
            from lgcloud.platform.tenancy.scoping import CrossTenantWrite

            if obj.municipality_id is None:  # type: ignore[attr-defined]
                obj.municipality_id = in_context  # type: ignore[attr-defined]
            elif obj.municipality_id != in_context:  # type: ignore[attr-defined]
                raise CrossTenantWrite()
        params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    if after is not None:
        params += list(after[1])
    with connection.cursor() as cur:
        cur.execute(sql, params)
        pks = [row[0] for row in cur.fetchall()]
    if len(pks) != len(objs):
        raise RuntimeError(f"insert_many: {len(pks)} of {len(objs)} {model.__name__} rows returned")
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


_SELECTS: dict[tuple[str, str, str, str, bool, tuple[int, ...]], str] = {}


def select(model: type[_M], where: str, params: Sequence[Any], *, order_by: str = "",
           for_update: bool = False) -> list[_M]:
    """Whole rows of `model` matching `where` (SQL with `{t}` for the quoted table name and `%s` parameters; a
    list or tuple parameter stands for `IN (…)` where `where` says `{in}`, one per list in order). A scoped
    model's rows are those of the municipality in context (its id is the first condition, as the scoped manager
    filters). `for_update`: FOR UPDATE where the database has it. The text is built once per shape."""
    from lgcloud.platform.tenancy.scoping import ScopedModel

    lists = tuple(len(p) for p in params if isinstance(p, list | tuple))
    scoped = issubclass(model, ScopedModel)
    key = (connection.vendor, model._meta.label, where, order_by, for_update, lists)
    sql = _SELECTS.get(key)  # read once: another thread may clear the cache meanwhile
    if sql is None:
        t = _qn(model._meta.db_table)
        expanded = where.replace("{t}", t)
        for n in lists:
            expanded = expanded.replace("{in}", "(" + ", ".join("%s" for _ in range(n)) + ")", 1)
        condition = f"{t}.{_qn('municipality_id')} = %s AND ({expanded})" if scoped else expanded
        sql = f"SELECT {columns(model, t)} FROM {t} WHERE {condition}"
        if order_by:
            sql += " ORDER BY " + order_by.replace("{t}", t)
        if for_update and connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        if len(_SELECTS) >= CACHE_LIMIT:  # one text per list length: bounded
            _SELECTS.clear()
        _SELECTS[key] = sql
    flat: list[Any] = [require_municipality().pk] if scoped else []
    for p in params:
        if isinstance(p, list | tuple):
            flat += list(p)
        else:
            flat.append(p)
    with connection.cursor() as cur:
        cur.execute(sql, flat)
        rows = cur.fetchall()
    return [build(model, row) for row in rows]


def json_value(value: Any) -> Any:
    """A value `get_db_prep_save` gave, as JSON that PostgreSQL's input function for the column reads back the same."""
    if value is None or isinstance(value, (str, int, float)):  # bool is an int
        return value
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date
        return value.isoformat()
    from psycopg.types.json import Jsonb  # here: a process on SQLite does not import psycopg (~0.15 s) at all

    if isinstance(value, Jsonb):  # a JSONField's value (psycopg's wrapper): kept as the JSON it is
        # (a field's own encoder: its text read back, so what the encoder makes of a value is what is stored)
        return value.obj if value.dumps in (None, json.dumps) else json.loads(value.dumps(value.obj))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds()} seconds"
    raise TypeError(f"json_value: {type(value).__name__} has no JSON form here")
