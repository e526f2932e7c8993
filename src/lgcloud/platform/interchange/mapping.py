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
from lgcloud.platform.interchange.gaiji import GaijiMap, GaijiMapError, load_gaiji_map, unmapped
from lgcloud.platform.interchange.mapping_rules import (
    Column,
    RuleError,
    Split,
    ValueTable,
    norm,
    pad,
    parse_column,
    parse_partial_date,
    parse_split,
    parse_table,
    split_name,
)


class MappingError(Exception):
    pass


@dataclass
class Mapping:
    name: str
    file: str
    encoding: str
    columns: dict[str, str]  # our item → their column name (for a split item: the column it is split from)
    values: dict[str, ValueTable] = field(default_factory=dict)  # our item → {their value: ours}, patterns, default
    constants: dict[str, Any] = field(default_factory=dict)
    layout: str | None = None  # the adapter's key (None: the only one)
    rules: dict[str, Column] = field(default_factory=dict)  # our item → how it is read (condition, padding)
    splits: list[Split] = field(default_factory=list)
    gaiji_map: str | None = None  # the vendor's 外字 table (relative to the mapping file)
    gaiji: GaijiMap | None = None  # that table, read (or the one the command names: --gaiji-map)


@dataclass(frozen=True)
class _Spec:
    vendor: VendorItems
    known: set[str]
    dates: set[str]
    partial: dict[str, str]  # date item → its precision item (layout rule partial_date:…)
    max_length: dict[str, int]


def _vendor_items(adapter: Adapter) -> _Spec:
    """What the adapter accepts from a vendor: its spec, the items a mapping may name, the date items."""
    if adapter.vendor is None:
        raise MappingError(f"レイアウト「{adapter.key}」は他システムのCSVの取込みに対応していません")
    spec = adapter.vendor
    items = adapter.layout.file(spec.file).items
    partial = {i.code: i.rule.split(":", 1)[1] for i in items if i.rule and i.rule.startswith("partial_date:")}
    return _Spec(spec, {i.code for i in items} | set(spec.extra), {i.code for i in items if i.type == "年月日"} | set(spec.dates),
                 partial, {i.code: i.max_length for i in items if i.type == "文字"})


def _parse(doc: Any) -> Mapping:
    if not isinstance(doc, dict):
        raise MappingError("対応定義の形式が正しくありません")
    rules = {str(item): parse_column(str(item), col) for item, col in (doc.get("columns") or {}).items()}
    splits = [parse_split(n, s) for n, s in enumerate(doc.get("split") or [], start=1)]
    columns = {item: r.column for item, r in rules.items()}
    for s in splits:
        for item in s.into:
            if item in columns:
                raise MappingError(f"項目「{item}」が columns と split の両方にあります")
            columns[item] = s.column
    return Mapping(name=doc["name"], file=doc["file"], encoding=encoding_name(doc.get("encoding", "utf-8")),
                   columns=columns, values={str(k): parse_table(str(k), v) for k, v in (doc.get("values") or {}).items()},
                   constants=dict(doc.get("constants") or {}), layout=doc.get("layout"), rules=rules, splits=splits,
                   gaiji_map=doc.get("gaiji_map"))


def load_mapping(path: Path) -> Mapping:
    try:
        m = _parse(yaml.safe_load(path.read_text(encoding="utf-8")))
    except RuleError as e:
        raise MappingError(f"対応定義ファイル {path.name}: {e}") from None
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as e:
        raise MappingError(f"対応定義ファイル {path.name} を読み取れません（{e}）") from None
    try:
        _check(m)
    except MappingError as e:
        raise MappingError(f"対応定義ファイル {path.name}: {e}") from None
    if m.gaiji_map:
        try:
            m.gaiji = load_gaiji_map(path.parent / m.gaiji_map)
        except GaijiMapError as e:
            raise MappingError(str(e)) from None
    return m


def _check(m: Mapping) -> None:
    spec = _vendor_items(get_adapter(m.layout))
    unknown = (set(m.columns) | set(m.values) | set(m.constants)) - spec.known
    if unknown:
        raise MappingError(f"対応定義に lgcloud にない項目があります: {'、'.join(sorted(unknown))}")
    for needed in spec.vendor.required:
        if needed not in m.columns and needed not in m.constants:
            raise MappingError(f"対応定義に必須の項目「{needed}」がありません")
    for item, rule in m.rules.items():
        if (rule.text or rule.zero_pad) and item in spec.vendor.integers:
            raise MappingError(f"項目「{item}」は番号（整数）として読むため text・zero_pad は指定できません")


def _clean(spec: VendorItems, dates: set[str], item: str, text: str) -> str:
    text = text.strip()
    if item in spec.kana:
        return jaconv.h2z(jaconv.hira2kata(text), kana=True, ascii=False, digit=False).replace(" ", "　")
    if item in spec.numbers or item in dates:
        return unicodedata.normalize("NFKC", text).replace(",", "")
    return unicodedata.normalize("NFKC", text) if item in spec.nfkc else text


def _needed_columns(m: Mapping) -> list[str]:
    """Every column the mapping reads: mapped, split, and those the conditions look at."""
    out = list(m.columns.values())
    conditions = [r.when for r in m.rules.values()] + [s.when for s in m.splits]
    out += [c.column for c in conditions if c is not None]
    return list(dict.fromkeys(out))


def _read_value(m: Mapping, spec: _Spec, item: str, column: str, text: str, rec: dict[str, Any]) -> str | None:
    """One item of a row into `rec`; the reason when the value cannot be read (nothing set then)."""
    vendor = spec.vendor
    rule = m.rules.get(item)
    refused = unmapped(text, m.gaiji)
    if refused:
        return refused
    raw = _clean(vendor, spec.dates, item, text)
    if rule is not None and rule.zero_pad and raw != "":
        try:
            raw = pad(unicodedata.normalize("NFKC", raw), rule.zero_pad)
        except RuleError as e:
            return str(e)
    if item in m.values and raw != "":
        try:
            rec[item] = m.values[item].lookup(norm(raw))
        except KeyError:
            return f"この値は対応定義の「{item}」の対応表にありません"
        except RuleError as e:
            return str(e)
    elif raw == "":
        rec.setdefault(item, None)
    elif item in spec.dates:
        try:
            partial = parse_partial_date(raw)
            if partial is None:
                rec[item] = parse_japanese_date(raw)
            elif item not in spec.partial:
                return "この項目は一部不詳（年月日不詳など）の日付にできません"
            else:
                rec[item] = (partial[0], partial[1])
                if spec.partial[item] not in m.columns:
                    rec[spec.partial[item]] = partial[1]
        except ValueError as e:
            return str(e)
    elif item in vendor.numbers and not (rule is not None and rule.text):
        if not raw.isdigit():
            return "数字で入力してください"
        rec[item] = int(raw) if item in vendor.integers else raw
    else:
        rec[item] = raw
    value = rec.get(item)
    limit = spec.max_length.get(item)
    if isinstance(value, str) and limit and len(value) > limit:
        del rec[item]
        return f"最大長（{limit}文字）を超えています（{len(value)}文字）"
    return None


def read_records(m: Mapping, folder: Path, problems: list[Problem]) -> list[tuple[int, dict[str, Any]]]:
    """The vendor file's rows as our items (split, conditioned, cleaned, mapped, dates and numbers decoded),
    with the vendor file's own line numbers; a row with a problem is reported and left out."""
    spec = _vendor_items(get_adapter(m.layout))
    path = folder / m.file
    if not path.exists():
        problems.append(Problem(m.file, 0, "", "", f"対応定義「{m.name}」のファイル {m.file} がありません"))
        return []
    try:
        text = path.read_bytes().decode(m.encoding).lstrip("\ufeff")
        if m.gaiji is not None:
            text = m.gaiji.apply(text)
    except UnicodeDecodeError:
        problems.append(Problem(m.file, 0, "", "", f"文字コード {m.encoding} として読めません"))
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in _needed_columns(m) if c not in (reader.fieldnames or [])]
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
        rec: dict[str, Any] = {**spec.vendor.defaults, **m.constants}
        for s in m.splits:
            if s.when is not None and not s.when.holds(row):
                continue
            whole = (row.get(s.column) or "").strip(" \u3000")
            try:
                parts = split_name(whole, s) if whole else ("", "")
            except RuleError as e:
                problems.append(Problem(m.file, line, s.column, whole, str(e)))
                continue
            for item, part in zip(s.into, parts, strict=True):
                reason = _read_value(m, spec, item, s.column, part, rec)
                if reason:
                    problems.append(Problem(m.file, line, s.column, part, reason))
        for item, rule in m.rules.items():
            if rule.when is not None and not rule.when.holds(row):
                continue
            raw = row.get(rule.column) or ""
            reason = _read_value(m, spec, item, rule.column, raw, rec)
            if reason:
                problems.append(Problem(m.file, line, rule.column, raw.strip(), reason))
        if len(problems) == bad:
            records.append((line, rec))
    return records


def read_vendor(m: Mapping, folder: Path, problems: list[Problem]) -> Any:
    """A batch for the import from the vendor's file, through the adapter of the mapping's layout."""
    records = read_records(m, folder, problems)
    return get_adapter(m.layout).from_vendor(m.file, records, problems, m.columns)
