"""Standard-layout definitions as data: files (移行ファイル構成表), items (データ項目一覧表), code tables (コード一覧).

A business area keeps its layouts in its own app (`layouts/*.yaml`) and names them in its adapter
(`lgcloud.platform.interchange.adapters`); this module only reads and documents them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SRC_ROOT = Path(__file__).resolve().parents[4]  # the checkout: src/lgcloud/platform/interchange/layout.py
TYPES = {"文字", "数字", "年月日", "日時", "コード"}


@dataclass(frozen=True)
class CodeTable:
    code: str
    name: str
    to_value: dict[str, Any]  # file code → stored value
    labels: dict[str, str]  # file code → Japanese label

    _codes: dict[Any, str] = field(default_factory=dict, compare=False, repr=False)  # to_code, made once

    def to_code(self) -> dict[Any, str]:
        if not self._codes:
            self._codes.update({v: k for k, v in self.to_value.items()})
        return self._codes


@dataclass(frozen=True)
class Item:
    name: str
    code: str
    type: str
    max_length: int
    required: bool
    gaiji: bool
    code_table: str | None = None
    rule: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class FileDef:
    name: str
    code: str
    file: str
    key: list[str]
    description: str
    items: list[Item]
    sensitive: bool = False

    @property
    def header(self) -> list[str]:
        return [i.name for i in self.items]

    def item(self, code: str) -> Item:
        return next(i for i in self.items if i.code == code)


@dataclass(frozen=True)
class Layout:
    name: str
    version: str
    basis: str
    encoding: str
    files: list[FileDef]
    code_tables: dict[str, CodeTable] = field(default_factory=dict)
    source: Path | None = None  # the YAML file it was read from

    def file(self, code: str) -> FileDef:
        return next(f for f in self.files if f.code == code)


class LayoutError(Exception):
    pass


def _parse(doc: dict[str, Any], source: Path | None = None) -> Layout:
    tables = {
        code: CodeTable(code, t["name"], {k: v[0] for k, v in t["codes"].items()},
                        {k: v[1] for k, v in t["codes"].items()})
        for code, t in doc["code_tables"].items()
    }
    files = []
    for f in doc["files"]:
        items = [Item(**i) for i in f["items"]]
        codes = [i.code for i in items]
        if len(set(codes)) != len(codes) or len({i.name for i in items}) != len(items):
            raise LayoutError(f"{f['name']}: 項目名またはコード名が重複しています")
        for i in items:
            if i.type not in TYPES:
                raise LayoutError(f"{f['name']}.{i.name}: 型「{i.type}」は定義されていません")
            if i.type == "コード" and i.code_table not in tables:
                raise LayoutError(f"{f['name']}.{i.name}: コード表「{i.code_table}」がありません")
        if not set(f["key"]) <= set(codes):
            raise LayoutError(f"{f['name']}: キー項目が項目一覧にありません")
        files.append(FileDef(f["name"], f["code"], f["file"], list(f["key"]), f.get("description", ""), items,
                             bool(f.get("sensitive", False))))
    return Layout(doc["layout"], str(doc["version"]), doc.get("basis", ""), doc.get("encoding", ""), files, tables,
                  source)


@functools.cache
def load_layout(path: Path) -> Layout:
    """A layout definition (YAML), checked: unique items, known types and code tables, keys among the items."""
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def source_name(layout: Layout) -> str:
    """Where the definition lives, as a path in the checkout (an app's layouts/KEY.yaml under src/)."""
    if layout.source is None:
        return "（定義ファイル）"
    try:
        return layout.source.resolve().relative_to(SRC_ROOT).as_posix()
    except ValueError:
        return layout.source.name


def item_table_markdown(layout: Layout) -> str:
    """The readable データ項目一覧表 (docs/), generated from the definitions."""
    out = [f"# {layout.name} データ項目一覧表（レイアウト版 {layout.version}）", "",
           f"このファイルは `{source_name(layout)}` から `lgcloud layout docs` で生成しています。"
           "直接編集しないでください。", "", f"- 準拠: {layout.basis}", f"- 文字コード・形式: {layout.encoding}", "",
           "## 移行ファイル構成表", "", "| No. | ファイル | ファイル名 | キー | 説明 |", "|---|---|---|---|---|"]
    for n, f in enumerate(layout.files, 1):
        keys = "・".join(f.item(k).name for k in f.key)
        note = f.description + ("（要配慮）" if f.sensitive else "")
        out.append(f"| {n} | {f.name} | `{f.file}` | {keys} | {note} |")
    for f in layout.files:
        out += ["", f"## データ項目一覧表: {f.name}（`{f.file}`）", "",
                "| No. | 項目名 | コード名 | 型 | 最大長 | 必須 | 外字 | コード表 | 備考 |",
                "|---|---|---|---|---|---|---|---|---|"]
        for n, i in enumerate(f.items, 1):
            table = layout.code_tables[i.code_table].name if i.code_table else ""
            out.append(f"| {n} | {i.name} | `{i.code}` | {i.type} | {i.max_length} | {'○' if i.required else ''} | "
                       f"{'○' if i.gaiji else ''} | {table} | {i.note or ''} |")
    out += ["", "## コード一覧"]
    for t in layout.code_tables.values():
        out += ["", f"### {t.name}（`{t.code}`）", "", "| コード | 内容 |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in t.labels.items()]
    return "\n".join(out) + "\n"
