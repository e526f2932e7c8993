"""One codec for every standard-layout file: CSV with a header of Japanese item names, UTF-8 or CP932,
dates as 西暦 YYYYMMDD (00 for the unknown parts of a partly unknown date), codes from the code tables."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from lgcloud.platform.interchange.gaiji import GaijiMap, unmapped
from lgcloud.platform.interchange.layout import FileDef, Item, Layout

JST = ZoneInfo("Asia/Tokyo")
MAX_FILE_BYTES = 1 << 30  # 1 GiB per file: larger is refused before reading
_CHUNK = 1 << 22  # bytes decoded at a time by the scan
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "cp932": "cp932", "windows-31j": "cp932", "shift_jis": "cp932",
             "sjis": "cp932"}
_PRECISION_OF_DATE = {"day": 8, "month": 6, "year": 4}
# Unicode's private-use code points (general category Co, 外字) are exactly these three ranges.
_PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")


@dataclass
class Problem:
    file: str
    line: int  # 0 for the file as a whole
    item: str
    value: str
    reason: str

    def as_row(self) -> list[str]:
        return [self.file, str(self.line or ""), self.item, self.value[:100], self.reason]


class EncodeError(Exception):
    pass


def encoding_name(name: str) -> str:
    key = (name or "utf-8").lower()
    if key not in ENCODINGS:
        raise ValueError(f"文字コード「{name}」には対応していません（utf-8 または cp932）。")
    return ENCODINGS[key]


# --- values ----------------------------------------------------------------------------------------


def encode_date(value: dt.date | None, precision: str | None = None) -> str:
    if value is None:
        return "00000000" if precision == "unknown" else ""
    text = value.strftime("%Y%m%d")
    if precision == "month":
        return text[:6] + "00"
    if precision in ("year", "approx"):
        return text[:4] + "0000"
    return text


def encode(layout: Layout, item: Item, value: Any, row: dict[str, Any]) -> str:
    if value is None or value == "":
        if item.rule and item.rule.startswith("partial_date:"):
            return encode_date(None, row.get(item.rule.split(":", 1)[1]))
        return ""
    if item.type == "コード":
        table = layout.code_tables[item.code_table or ""]
        codes = table.to_code()
        if value not in codes:
            raise EncodeError(f"{item.name}の値「{value}」はコード表「{table.name}」にありません")
        return codes[value]
    if item.type == "年月日":
        precision = row.get(item.rule.split(":", 1)[1]) if item.rule and item.rule.startswith("partial_date:") else None
        return encode_date(value, precision)
    if item.type == "日時":
        return value.astimezone(JST).strftime("%Y%m%d%H%M%S")
    if item.rule == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return str(value)


def decode(layout: Layout, item: Item, text: str) -> tuple[Any, str | None]:
    """(value, error message or None). Empty text decodes to None."""
    if text == "":
        return None, (f"{item.name}は必須です" if item.required else None)
    if len(text) > item.max_length:
        return None, f"{item.name}が最大長（{item.max_length}文字）を超えています（{len(text)}文字）"
    if item.type == "数字":
        if not (text.isascii() and text.isdigit()):
            return None, f"{item.name}は半角数字で入力してください"
        return int(text), None
    if item.type == "コード":
        table = layout.code_tables[item.code_table or ""]
        if text not in table.to_value:
            return None, f"{item.name}のコード「{text}」はコード表「{table.name}」にありません"
        return table.to_value[text], None
    if item.type == "年月日":
        return decode_date(item, text)
    if item.type == "日時":
        try:
            return dt.datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=JST), None
        except ValueError:
            return None, f"{item.name}は YYYYMMDDHHMMSS で入力してください"
    if item.rule == "json":
        try:
            return _json_loads(text), None
        except ValueError:
            return None, f"{item.name}の JSON を読み取れません"
    return text, None


def _json_loads(text: str) -> Any:
    """JSON text as json.loads reads it; by orjson where it can (several times faster, and it shares the keys of every
    document it reads — a file's thousands of changes hold one copy of each item name, not one each)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # beyond orjson (NaN, integers wider than 64 bits, …): json decides
        return json.loads(text)


def decode_date(item: Item, text: str) -> tuple[Any, str | None]:
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        return None, f"{item.name}は西暦 YYYYMMDD の8桁で入力してください"
    partial = bool(item.rule and item.rule.startswith("partial_date:"))
    if text == "00000000" and partial:
        return ("unknown", None), None
    y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
    if partial and m == 0 and d == 0:
        return (dt.date(y, 1, 1), "year"), None
    if partial and d == 0 and m:
        try:
            return (dt.date(y, m, 1), "month"), None
        except ValueError:
            return None, f"{item.name}「{text}」は存在しない年月です"
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return None, f"{item.name}「{text}」は存在しない日付です"
    return ((day, "day") if partial else day), None


# --- files ---------------------------------------------------------------------------------------


def write_file(layout: Layout, fdef: FileDef, rows: list[dict[str, Any]], path: Path, encoding: str
               ) -> tuple[int, list[Problem]]:
    """Write rows; a value the encoding cannot hold is reported (file, record, item), never replaced."""
    problems: list[Problem] = []
    enc = encoding_name(encoding)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(fdef.header)
    for n, row in enumerate(rows, start=2):
        out = []
        for item in fdef.items:
            try:
                text = encode(layout, item, row.get(item.code), row)
            except EncodeError as e:
                problems.append(Problem(fdef.file, n, item.name, str(row.get(item.code)), str(e)))
                text = ""
            if enc != "utf-8" and text:
                try:
                    text.encode(enc)
                except UnicodeEncodeError as e:
                    bad = text[e.start:e.end]
                    problems.append(Problem(fdef.file, n, item.name, text,
                                            f"文字「{bad}」（U+{ord(bad[0]):04X}）は {encoding} で表せません"))
            out.append(text)
        writer.writerow(out)
    if not problems:
        path.write_bytes(buf.getvalue().encode(enc))
    return len(rows), problems


def read_file(layout: Layout, fdef: FileDef, path: Path, encoding: str, problems: list[Problem],
              max_bytes: int = MAX_FILE_BYTES, gaiji: GaijiMap | None = None,
              deferred: frozenset[str] = frozenset()) -> Iterator[tuple[int, dict[str, Any]]]:
    """Decoded rows with their line numbers; every problem is appended to `problems`, bad rows skipped.
    The 外字 table, if any, is applied to the text first; a private-use character left is refused.
    `deferred`: required items whose blanks the adapter judges itself (they decode to None here)."""
    enc = encoding_name(encoding)
    size = path.stat().st_size
    if size > max_bytes:
        problems.append(Problem(fdef.file, 0, "", f"{size:,} バイト",
                                f"ファイルが大きすぎます（上限 {max_bytes:,} バイト）"))
        return
    scan = _scan(path, enc, gaiji)
    if scan is None:  # bytes the encoding cannot read: where, from the whole file (a rare, failing case)
        raw = path.read_bytes()
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            raw.decode(enc)
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            problems.append(Problem(fdef.file, line, "", "", f"文字コード {encoding} として読めないバイト列があります"
                                                             "（文字コードの指定を確認してください）"))
        return
    newlines, last, private = scan
    if last and last not in "\n\r":
        problems.append(Problem(fdef.file, newlines + 1, "", "", "ファイルの最後の行が改行で終わっていません（途中で切れている可能性）"))
        return
    with path.open("rb") as raw_file:
        if raw_file.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            raw_file.seek(0)
        # Streamed: the file is decoded as the CSV reader asks for lines (never held whole, as bytes or text).
        stream = io.TextIOWrapper(raw_file, encoding=enc, newline="")
        lines = map(gaiji.apply, stream) if gaiji is not None and gaiji.chars else stream
        yield from _rows(layout, fdef, lines, problems, gaiji, deferred, private)


def _scan(path: Path, enc: str, gaiji: GaijiMap | None) -> tuple[int, str, bool] | None:
    """One pass over the file, decoded chunk by chunk (the 外字 table applied): (the number of line feeds, the
    last character, whether a private-use character is left), or None if it cannot be decoded."""
    decoder = codecs.getincrementaldecoder(enc)()
    newlines, last, private = 0, "", False
    with path.open("rb") as f:
        head = f.read(len(codecs.BOM_UTF8))
        if head != codecs.BOM_UTF8:
            f.seek(0)
        while True:
            chunk = f.read(_CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                return None
            if gaiji is not None:
                text = gaiji.apply(text)
            if text:
                newlines += text.count("\n")
                last = text[-1]
                private = private or _PRIVATE_USE.search(text) is not None
            if not chunk:
                return newlines, last, private


def _rows(layout: Layout, fdef: FileDef, lines: Iterator[str], problems: list[Problem], gaiji: GaijiMap | None,
          deferred: frozenset[str], private: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        problems.append(Problem(fdef.file, 1, "", "", "見出し行がありません"))
        return
    except csv.Error as e:
        problems.append(Problem(fdef.file, 1, "", "", f"CSVの形式が正しくありません（{e}）"))
        return
    expected = fdef.header
    missing = [h for h in expected if h not in header]
    unknown = [h for h in header if h not in expected]
    if missing or unknown:
        if missing:
            problems.append(Problem(fdef.file, 1, "、".join(missing), "", "見出し行に必要な項目がありません"))
        if unknown:
            problems.append(Problem(fdef.file, 1, "、".join(unknown), "", "見出し行に定義にない項目があります"))
        return
    index = [header.index(h) for h in expected]
    # `private`, from the scan of the whole file: a file without a private-use character needs no per-value 外字 check.
    # Codes, dates and times repeat: each distinct text is decoded once per file (values are immutable).
    caches: list[dict[str, tuple[Any, str | None]] | None] = [
        {} if item.type in ("コード", "年月日", "日時") else None for item in fdef.items]
    # Plain text items (文字, not JSON) of a file without 外字 take a value as it stands when it is within the
    # item's length: `plain` is that length, else -1 (every other value goes through `decode`).
    specs = [(item, i, cache, item.max_length if item.type == "文字" and item.rule != "json" and not private else -1)
             for item, i, cache in zip(fdef.items, index, caches, strict=True)]
    strings: dict[str, str] = {}
    memo = strings.setdefault
    line = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(Problem(fdef.file, reader.line_num, "", "", f"CSVの形式が正しくありません（{e}）"))
            return
        line = reader.line_num
        if len(fields) != len(header):
            problems.append(Problem(fdef.file, line, "", "", f"項目の数が見出しと合いません（{len(fields)}項目、見出しは{len(header)}項目）"))
            continue
        row: dict[str, Any] = {}
        ok = True
        for item, i, cache, plain in specs:
            text = fields[i]
            if text and len(text) <= plain:  # plain text of a valid length, no 外字 in the file: the text itself
                row[item.code] = memo(text, text)  # equal texts held once (a whole file's rows are kept)
                continue
            hit = cache.get(text) if cache is not None else None
            if hit is None:
                hit = decode(layout, item, text)
                if private and hit[1] is None and isinstance(hit[0], str):
                    hit = (hit[0], unmapped(hit[0], gaiji))
                if cache is not None:
                    cache[text] = hit
            value, error = hit
            if error and text == "" and item.code in deferred:
                error = None
            if error:
                problems.append(Problem(fdef.file, line, item.name, fields[i], error))
                ok = False
            row[item.code] = value
        if ok:
            yield line, row
