"""The parts of the mapping language beyond "their column → our item" (docs/mapping-language.md):
per-row conditions (`when`), a full name split into 氏 and 名 (`split`), value tables with regular-expression
patterns and a default, zero padding kept or restored (`text`, `zero_pad`), and partly unknown dates
(「昭和20年不詳」「昭和20年5月日不詳」「不詳」) read into a date with its precision.

Pure functions over one row's raw values; `lgcloud.platform.interchange.mapping` wires them in.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lgcloud.platform.common.wareki import ERAS

_TABLE_KEYS = {"map", "patterns", "default"}
NO_SPACE = ("error", "first")  # a name without a space: refused, or the whole into the first item (氏)
_SPACES = re.compile(r"[ \u3000]")


class RuleError(ValueError):
    """A value a rule cannot map; the message is Japanese and names what went wrong."""


@dataclass(frozen=True)
class Condition:
    """`when: {column: 住民種別, equals: "2"}` (or a list of values; `not_equals` likewise)."""

    column: str
    equals: tuple[str, ...] | None = None
    not_equals: tuple[str, ...] | None = None

    def holds(self, row: dict[str, str]) -> bool:
        value = norm(row.get(self.column) or "")
        if self.equals is not None and value not in self.equals:
            return False
        return not (self.not_equals is not None and value in self.not_equals)


@dataclass(frozen=True)
class Column:
    """How one of our items is read from their file."""

    column: str
    when: Condition | None = None
    text: bool = False  # keep the digits as written (leading zeros), never a number
    zero_pad: int | None = None  # left-pad a number written without its leading zeros to this width


@dataclass(frozen=True)
class Split:
    """One of their columns holding two of our items separated by the first full- or half-width space."""

    column: str
    into: tuple[str, str]
    no_space: str = "error"
    when: Condition | None = None


@dataclass
class ValueTable:
    """Their value → ours: exact entries first, then patterns (full match, in order), then the default."""

    entries: dict[str, Any] = field(default_factory=dict)
    patterns: list[tuple[re.Pattern[str], Any]] = field(default_factory=list)
    default: Any = None
    has_default: bool = False

    def lookup(self, raw: str) -> Any:
        if raw in self.entries:
            return self.entries[raw]
        for pattern, value in self.patterns:
            m = pattern.fullmatch(raw)
            if m:
                if isinstance(value, str) and "\\" in value:
                    try:
                        return m.expand(value)
                    except (re.error, IndexError) as e:
                        raise RuleError(f"対応表のパターン「{pattern.pattern}」の値「{value}」を展開できません（{e}）") from None
                return value
        if self.has_default:
            return self.default
        raise KeyError(raw)


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _values(v: Any, where: str) -> tuple[str, ...]:
    if isinstance(v, list):
        return tuple(norm(str(x)) for x in v)
    if isinstance(v, (str, int)):
        return (norm(str(v)),)
    raise RuleError(f"{where}: 条件の値は文字列か文字列の一覧で指定してください")


def parse_condition(doc: Any, where: str) -> Condition | None:
    if doc is None:
        return None
    if not isinstance(doc, dict) or "column" not in doc or not ({"equals", "not_equals"} & set(doc)):
        raise RuleError(f"{where}: when は {{column: 列名, equals: 値}} の形で指定してください")
    unknown = set(doc) - {"column", "equals", "not_equals"}
    if unknown:
        raise RuleError(f"{where}: when に定義にないキーがあります: {'、'.join(sorted(unknown))}")
    return Condition(str(doc["column"]),
                     _values(doc["equals"], where) if "equals" in doc else None,
                     _values(doc["not_equals"], where) if "not_equals" in doc else None)


def parse_column(item: str, doc: Any) -> Column:
    if isinstance(doc, str):
        return Column(doc)
    if not isinstance(doc, dict) or not isinstance(doc.get("column"), str):
        raise RuleError(f"columns.{item}: 列名か {{column: 列名, ...}} で指定してください")
    unknown = set(doc) - {"column", "when", "text", "zero_pad"}
    if unknown:
        raise RuleError(f"columns.{item}: 定義にないキーがあります: {'、'.join(sorted(unknown))}")
    pad = doc.get("zero_pad")
    if pad is not None and (not isinstance(pad, int) or isinstance(pad, bool) or not 1 <= pad <= 50):
        raise RuleError(f"columns.{item}: zero_pad は1〜50の桁数で指定してください")
    return Column(doc["column"], parse_condition(doc.get("when"), f"columns.{item}"), bool(doc.get("text", False)), pad)


def parse_split(n: int, doc: Any) -> Split:
    where = f"split の{n}番目"
    if not isinstance(doc, dict) or not isinstance(doc.get("column"), str):
        raise RuleError(f"{where}: {{column: 列名, into: [氏の項目, 名の項目]}} で指定してください")
    into = doc.get("into")
    if not isinstance(into, list) or len(into) != 2 or not all(isinstance(x, str) for x in into):
        raise RuleError(f"{where}: into には項目を2つ（例: [family_name, given_name]）指定してください")
    no_space = doc.get("no_space", "error")
    if no_space not in NO_SPACE:
        raise RuleError(f"{where}: no_space は error（エラー）か first（全体を最初の項目へ）で指定してください")
    unknown = set(doc) - {"column", "into", "no_space", "when"}
    if unknown:
        raise RuleError(f"{where}: 定義にないキーがあります: {'、'.join(sorted(unknown))}")
    return Split(doc["column"], (into[0], into[1]), no_space, parse_condition(doc.get("when"), where))


def parse_table(item: str, doc: Any) -> ValueTable:
    """`{their: ours, ...}`, or `{map: {...}, patterns: [{match: 正規表現, value: ours}], default: ours}`."""
    if not isinstance(doc, dict):
        raise RuleError(f"values.{item}: 対応表は {{他システムの値: lgcloud の値}} で指定してください")
    if not (set(doc) <= _TABLE_KEYS and ({"map", "patterns"} & set(doc) or "default" in doc)):
        return ValueTable({norm(str(k)): v for k, v in doc.items()})
    table = ValueTable({norm(str(k)): v for k, v in (doc.get("map") or {}).items()})
    for n, p in enumerate(doc.get("patterns") or [], start=1):
        if not isinstance(p, dict) or "match" not in p or "value" not in p:
            raise RuleError(f"values.{item}.patterns の{n}番目: {{match: 正規表現, value: 値}} で指定してください")
        try:
            table.patterns.append((re.compile(str(p["match"])), p["value"]))
        except re.error as e:
            raise RuleError(f"values.{item}.patterns の{n}番目: 正規表現「{p['match']}」が正しくありません（{e}）") from None
    if "default" in doc:
        table.default, table.has_default = doc["default"], True
    return table


def split_name(text: str, rule: Split) -> tuple[str, str]:
    """「小川 誠」「小川　誠」 → (小川, 誠) at the first space; the rest (a second space too) stays in 名."""
    text = text.strip(" \u3000")
    parts = _SPACES.split(text, maxsplit=1)
    if len(parts) == 2:
        return parts[0], parts[1].strip(" \u3000")
    if rule.no_space == "first":
        return text, ""
    raise RuleError("氏と名を区切る空白（全角または半角）がありません")


def pad(text: str, width: int) -> str:
    if not text.isdigit():
        raise RuleError("数字で入力してください（桁そろえの対象です）")
    if len(text) > width:
        raise RuleError(f"{width}桁を超えています")
    return text.zfill(width)


# --- partly unknown dates ------------------------------------------------------------------------------------

_ERA = r"(明治|大正|昭和|平成|令和|[MTSHRmtshr])(元|\d{1,2})"
_PARTIAL = (
    (re.compile(r"(?:年月日)?不詳"), "unknown"),
    (re.compile(_ERA + r"年(?:月日)?不詳"), "year"),
    (re.compile(_ERA + r"年(\d{1,2})月日?不詳"), "month"),
    (re.compile(_ERA + r"年頃"), "approx"),
    (re.compile(_ERA + r"[.\-/]0{1,2}[.\-/]0{1,2}"), "year"),
    (re.compile(_ERA + r"[.\-/](\d{1,2})[.\-/]0{1,2}"), "month"),
    (re.compile(r"(\d{4})年(?:月日)?不詳"), "year"),
    (re.compile(r"(\d{4})年(\d{1,2})月日?不詳"), "month"),
    (re.compile(r"(\d{4})年頃"), "approx"),
    (re.compile(r"(\d{4})[-/.]?00[-/.]?00"), "year"),
    (re.compile(r"(\d{4})[-/.]?(\d{2})[-/.]?00"), "month"),
)


def _era_year(era: str, n: str, raw: str) -> int:
    names = {name: start for name, _l, start in ERAS} | {letter: start for _n, letter, start in ERAS}
    start = names[era if era in names else era.upper()]
    year = start.year + (1 if n == "元" else int(n)) - 1
    following = [s for _n, _l, s in ERAS if s > start]
    if following and dt.date(year, 1, 1) >= min(following):
        raise RuleError(f"日付「{raw}」の年はその元号の期間にありません")
    return year


def parse_partial_date(text: str) -> tuple[dt.date | None, str] | None:
    """A partly unknown date as (first day of the known period, precision), or None when the text is not
    one (then it is read as a full date). 「不詳」→ (None, unknown); 「昭和20年不詳」→ (1945-01-01, year);
    「昭和20年5月日不詳」→ (1945-05-01, month); 「昭和20年頃」→ (1945-01-01, approx); 「S20.05.00」, 「19450500」 too."""
    t = unicodedata.normalize("NFKC", text or "").replace(" ", "").replace("\u3000", "")
    for pattern, precision in _PARTIAL:
        m = pattern.fullmatch(t)
        if not m:
            continue
        if precision == "unknown":
            return None, precision
        groups = m.groups()
        if groups[0].isdigit() and len(groups[0]) == 4:
            year, rest = int(groups[0]), groups[1:]
        else:
            year, rest = _era_year(groups[0], groups[1], text), groups[2:]
        month = int(rest[0]) if rest else 1
        if not 1 <= month <= 12:
            raise RuleError(f"日付「{text}」の月が正しくありません")
        return dt.date(year, month, 1), precision
    return None if "不詳" not in t and "頃" not in t else _unreadable(text)


def _unreadable(text: str) -> tuple[dt.date | None, str]:
    raise RuleError(f"一部不詳の日付「{text}」を読み取れません（例: 昭和20年不詳、昭和20年5月日不詳、不詳）")
