"""Another system's CSV in, through a mapping file (YAML): its column names and order, encoding,
和暦 dates as people write them, half-width kana, full-width digits, its code values mapped to ours.
The result goes through the same checks and the same all-or-nothing import as the standard layout.

A mapping describes one file with one row per record (the usual shape of a vendor's extract, e.g. one
row per resident): the engine reads, cleans and maps each row to the items of the layout named by the
adapter (`Adapter.vendor`), and the adapter derives its records from those rows (`from_vendor`).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jaconv
import yaml

from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.interchange.adapters import Adapter, VendorItems, get_adapter
from lgcloud.platform.interchange.codec import Problem, encoding_name


class MappingError(Exception):
    pass


@dataclass
class Mapping:
    name: str
    file: str
    encoding: str
    columns: dict[str, str]  # our item → their column name
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # our item → {their value: ours}
    constants: dict[str, Any] = field(default_factory=dict)
    layout: str | None = None  # the adapter's key (None: the only one)


def _vendor_items(adapter: Adapter) -> tuple[VendorItems, set[str], set[str]]:
    """What the adapter accepts from a vendor: its spec, the items a mapping may name, the date items."""
    if adapter.vendor is None:
        raise MappingError(f"レイアウト「{adapter.key}」は他システムのCSVの取込みに対応していません")
    spec = adapter.vendor
    items = adapter.layout.file(spec.file).items
    return spec, {i.code for i in items} | set(spec.extra), {i.code for i in items if i.type == "年月日"}


def load_mapping(path: Path) -> Mapping:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        m = Mapping(name=doc["name"], file=doc["file"], encoding=encoding_name(doc.get("encoding", "utf-8")),
                    columns=dict(doc["columns"]), values={k: {str(a): b for a, b in v.items()}
                                                          for k, v in (doc.get("values") or {}).items()},
                    constants=dict(doc.get("constants") or {}), layout=doc.get("layout"))
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as e:
        raise MappingError(f"対応定義ファイル {path.name} を読み取れません（{e}）") from None
    spec, known, _ = _vendor_items(get_adapter(m.layout))
    unknown = (set(m.columns) | set(m.values) | set(m.constants)) - known
    if unknown:
        raise MappingError(f"対応定義に lgcloud にない項目があります: {'、'.join(sorted(unknown))}")
    for needed in spec.required:
        if needed not in m.columns and needed not in m.constants:
            raise MappingError(f"対応定義に必須の項目「{needed}」がありません")
    return m


def _clean(spec: VendorItems, dates: set[str], item: str, text: str) -> str:
    text = text.strip()
    if item in spec.kana:
        return jaconv.h2z(jaconv.hira2kata(text), kana=True, ascii=False, digit=False).replace(" ", "　")
    if item in spec.numbers or item in dates:
        return unicodedata.normalize("NFKC", text).replace(",", "")
    return unicodedata.normalize("NFKC", text) if item in spec.nfkc else text


def read_records(m: Mapping, folder: Path, problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    """The vendor file's rows as our items (cleaned, mapped, dates and numbers decoded), with line numbers;
    a row with a problem is reported and left out."""
    spec, _, dates = _vendor_items(get_adapter(m.layout))
    path = folder / m.file
    if not path.exists():
        problems.append(Problem(m.file, 0, "", "", f"対応定義「{m.name}」のファイル {m.file} がありません"))
        return []
    try:
        text = path.read_bytes().decode(m.encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        problems.append(Problem(m.file, 0, "", "", f"文字コード {m.encoding} として読めません"))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in m.columns.values() if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(Problem(m.file, 1, "、".join(missing), "", "見出し行に対応定義の列がありません"))
        return []
    records = []
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(Problem(m.file, line, "", "", "列の数が見出しより多い行です"))
            continue
        bad = len(problems)
        rec: dict[str, Any] = {**spec.defaults, **m.constants}
        for item, column in m.columns.items():
            raw = _clean(spec, dates, item, row.get(column) or "")
            if item in m.values and raw != "":
                if raw not in m.values[item]:
                    problems.append(Problem(m.file, line, column, raw, f"この値は対応定義の「{item}」の対応表にありません"))
                    continue
                rec[item] = m.values[item][raw]
            elif raw == "":
                rec.setdefault(item, None)
            elif item in dates:
                try:
                    rec[item] = parse_japanese_date(raw)
                except ValueError as e:
                    problems.append(Problem(m.file, line, column, raw, str(e)))
            elif item in spec.numbers:
                if not raw.isdigit():
                    problems.append(Problem(m.file, line, column, raw, "数字で入力してください"))
                    continue
                rec[item] = int(raw) if item in spec.integers else raw
            else:
                rec[item] = raw
        if len(problems) == bad:
            records.append((line, rec))
    return records


def read_vendor(m: Mapping, folder: Path, problems: list[Problem]) -> Any:
    """A batch for the import from the vendor's file, through the adapter of the mapping's layout."""
    records = read_records(m, folder, problems)
    return get_adapter(m.layout).from_vendor(m.file, records, problems, m.columns)
