"""`column IN (values)` for long lists of ids or keys, as one parameter.

Django binds (and prepares) every value of an `__in` lookup as its own parameter: a ledger read over a year's
instalments spends more time preparing a thousand parameters than the database spends answering. On PostgreSQL
the list is one array parameter (`= ANY(%s)`); on SQLite one JSON text read by `json_each` (built into SQLite
since 3.38; a value is compared as the INTEGER or TEXT it is, so the column's index is used as with `IN`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

SHORT = 20  # up to this many values, the ordinary `__in` (its text is the same for every call of a length)


def among(model: type[models.Model], column: str, values: Sequence[Any]) -> Q | RawSQL:
    """A filter `column IN values` of `model`'s own table (the names are the model's, never input)."""
    if connection.vendor == "postgresql":
        return RawSQL(f'"{model._meta.db_table}"."{column}" = ANY(%s)', [list(values)],  # noqa: S611
                      output_field=BooleanField())
    if connection.vendor == "sqlite" and len(values) > SHORT and all(type(v) in (int, str) for v in values):
        return RawSQL(f'"{model._meta.db_table}"."{column}" IN (SELECT value FROM json_each(%s))',  # noqa: S611
                      [json.dumps(list(values))], output_field=BooleanField())
    return Q(**{f"{column}__in": values})
