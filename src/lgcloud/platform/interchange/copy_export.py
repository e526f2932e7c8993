"""The export's PostgreSQL path: each file produced by `COPY (SELECT …) TO STDOUT` where the SELECT does the
codec's formatting (code tables as CASE, dates with to_char, empty values unquoted), streamed into the file.

The output is byte-for-byte what `codec.write_file` writes: the same CSV quoting (PostgreSQL's CSV quotes
exactly the values Python's csv module quotes — a delimiter, a quote, CR or LF — once empty strings are
NULL), CRLF line ends (PostgreSQL ends each row with LF; each COPY row arrives separately, so only its
last byte is replaced), and the same encoding. Values only the application can produce (a decrypted
個人番号, JSON in the codec's canonical form) are computed in Python for the rows that need them and
copied into a temporary table the adapter's SELECT joins.

The adapter gives, per file, a source SELECT with one column per item of the layout (named by the item's
code, holding the stored value: text, date, timestamptz, boolean, number) and the Python-made columns.
Anything the SQL cannot say the way the codec would — a value not in its code table, a character the
encoding cannot hold — makes the file fall back to `codec.write_file`, which reports it (file, line, item).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from lgcloud.platform.interchange.codec import encode, encoding_name
from lgcloud.platform.interchange.layout import FileDef, Item, Layout


@dataclass
class Prepared:
    """A column made in Python: (key, value) pairs copied into the temporary table `table` (k bigint, v text);
    `item` names the layout item whose codec encodes the value (JSON, numbers). The source SELECT joins
    the table and names `v` after the item (NULL where the table has no row)."""

    table: str
    item: str
    rows: Iterable[tuple[int, Any]]


@dataclass
class CopySource:
    sql: str  # SELECT … with a column per item code, in output order
    params: list[Any] = field(default_factory=list)
    prepared: list[Prepared] = field(default_factory=list)
    # The file's last item made in Python, one value per row in the rows' order (the SELECT leaves it out):
    # appended to each COPY row as it arrives, with no round trip through the database.
    last: Iterable[Any] | None = None
    last_encoded: bool = False  # `last` yields the text as the codec writes it, UTF-8 bytes (not the value)


class Unformattable(Exception):
    """The SQL path cannot write this file as the codec would; the caller writes it the Python way."""


def available() -> bool:
    return connection.vendor == "postgresql"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _text(sql: str) -> str:
    return f"NULLIF(({sql})::text, '')"


# A value outside the code table cannot be written: this cast fails (a non-digit first character), the COPY
# stops, and the file is written by the codec, which reports the value with its line and item.
_REFUSE = "(('x' || ({col})::text)::integer)::text"


def _partial_date(col: str, precision: str) -> str:
    return (f"CASE WHEN {col} IS NULL THEN CASE WHEN {precision} = 'unknown' THEN '00000000' END "
            f"WHEN {precision} = 'month' THEN to_char({col}, 'YYYYMM') || '00' "
            f"WHEN {precision} IN ('year', 'approx') THEN to_char({col}, 'YYYY') || '0000' "
            f"ELSE to_char({col}, 'YYYYMMDD') END")


def expression(layout: Layout, item: Item, col: str, prepared: bool = False) -> str:
    """The SQL giving `codec.encode(layout, item, value, row)` for the column `col` (NULL for an empty text)."""
    if prepared:
        return _text(col)
    if item.type == "コード":
        table = layout.code_tables[item.code_table or ""]
        whens = " ".join(f"WHEN {col} = {_literal(v)} THEN {_literal(c)}" for v, c in table.to_code().items())
        return (f"CASE WHEN {col} IS NULL OR ({col})::text = '' THEN NULL {whens} "
                f"ELSE {_REFUSE.format(col=col)} END")
    if item.type == "年月日":
        if item.rule and item.rule.startswith("partial_date:"):
            return _partial_date(col, f's."{item.rule.split(":", 1)[1]}"')
        return f"to_char({col}, 'YYYYMMDD')"
    if item.type == "日時":
        return f"to_char({col} AT TIME ZONE 'Asia/Tokyo', 'YYYYMMDDHH24MISS')"
    if item.rule == "json":
        raise ValueError(f"{item.code}: JSON items are prepared in Python")
    return _text(col)


def select(layout: Layout, fdef: FileDef, source: CopySource) -> str:
    prepared = {p.item for p in source.prepared}
    items = fdef.items[:-1] if source.last is not None else fdef.items
    cols = ", ".join(expression(layout, i, f's."{i.code}"', i.code in prepared) for i in items)
    return f"SELECT {cols} FROM ({source.sql}) AS s"


def _prepare(layout: Layout, fdef: FileDef, cursor: Any, p: Prepared) -> None:
    item = fdef.item(p.item)
    # Made before the COPY starts: the rows may come from queries on this connection, busy during a COPY.
    texts = [(key, encode(layout, item, value, {})) for key, value in p.rows]
    cursor.execute(f'DROP TABLE IF EXISTS "{p.table}"')
    cursor.execute(f'CREATE TEMPORARY TABLE "{p.table}" (k bigint PRIMARY KEY, v text) ON COMMIT DROP')
    with cursor.copy(f'COPY "{p.table}" (k, v) FROM STDIN') as copy:
        for row in texts:
            copy.write_row(row)
    cursor.execute(f'ANALYZE "{p.table}"')


def repeatable_read() -> None:
    """The first statement of an export's outermost transaction on PostgreSQL: every file from one snapshot (at READ
    COMMITTED each statement takes its own, so a change committed between two files would make them disagree). Sent
    on the driver's cursor: Django's would first send the tenant setting, which would then be the first query."""
    with connection.connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def session() -> None:
    """Settings for the export's transaction: no JIT compilation. The SELECTs' estimated costs (a subquery per
    row) exceed `jit_above_cost`, and compiling them took 1–3 s per file, more than a small member's whole
    export; the work itself is simple expressions over rows read once."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")


def copy_file(layout: Layout, fdef: FileDef, source: CopySource, path: Path, encoding: str,
              on_chunk: Callable[[bytes], None] | None = None) -> tuple[int, str]:
    """Write the file from the database; (rows, SHA-256). Raises Unformattable (nothing usable written)
    when the codec has to write it instead. Runs in a savepoint of the caller's transaction."""
    enc = encoding_name(encoding)
    head = io.StringIO()
    csv.writer(head, lineterminator="\r\n").writerow(fdef.header)
    digest = hashlib.sha256()
    rows = 0
    try:
        with transaction.atomic(), connection.cursor() as wrapper, path.open("wb") as out:
            cursor = wrapper.cursor  # psycopg's own cursor (COPY)
            for p in source.prepared:
                _prepare(layout, fdef, cursor, p)
            last = None
            if source.last is not None:
                item = fdef.items[-1]
                texts = (source.last if source.last_encoded
                         else (encode(layout, item, v, {}).encode("utf-8") for v in source.last))
                last = iter([b"," + _field(t) for t in texts])

            def emit(data: bytes) -> None:
                digest.update(data)
                out.write(data)
                if on_chunk:
                    on_chunk(data)

            emit(head.getvalue().encode(enc))
            batch: list[bytes] = []
            with cursor.copy(f"COPY ({select(layout, fdef, source)}) TO STDOUT WITH (FORMAT csv)",
                             source.params or None) as copy:
                for row in copy:  # one COPY row per chunk, ending in LF
                    batch.append(bytes(row)[:-1] + next(last) if last is not None else bytes(row)[:-1])
                    if len(batch) >= 4096:
                        rows += len(batch)
                        emit(_lines(batch, enc))
                        batch = []
            rows += len(batch)
            if batch:
                emit(_lines(batch, enc))
            if last is not None and next(last, None) is not None:
                raise RuntimeError(f"{fdef.file}: more values of {fdef.items[-1].code} than rows")
    except UnicodeError as e:
        raise Unformattable(str(e)) from e
    except Exception as e:
        from psycopg import errors

        if isinstance(e, errors.InvalidTextRepresentation | errors.DataError):
            raise Unformattable(str(e)) from e
        raise
    return rows, digest.hexdigest()


def _field(text: bytes) -> bytes:
    """One CSV field (UTF-8) as Python's csv module writes it (QUOTE_MINIMAL)."""
    if b'"' in text:
        return b'"' + text.replace(b'"', b'""') + b'"'
    if b"," in text or b"\r" in text or b"\n" in text:
        return b'"' + text + b'"'
    return text


def _lines(batch: list[bytes], enc: str) -> bytes:
    data = b"\r\n".join(batch) + b"\r\n"
    if enc != "utf-8":
        data = data.decode("utf-8").encode(enc)  # strict: a character the encoding lacks → Unformattable
    return data
