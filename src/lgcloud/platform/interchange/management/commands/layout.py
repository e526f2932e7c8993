from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lgcloud.platform.interchange.adapters import UnknownLayout, adapters, get_adapter
from lgcloud.platform.interchange.layout import item_table_markdown, source_name

DOCS = Path("docs")


def default_out(key: str) -> Path:
    return DOCS / f"standard_layout_{key}.md"


class Command(BaseCommand):
    help = ("移行レイアウトの定義からデータ項目一覧表（Markdown）を生成します: layout docs [--layout KEY] [--out FILE]"
            "（既定: 登録されたすべてのレイアウトを docs/standard_layout_<KEY>.md に）")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        docs = sub.add_parser("docs", help="docs/ にデータ項目一覧表を書き出す")
        docs.add_argument("--layout", help="レイアウト（既定: すべて）")
        docs.add_argument("--out", help="出力先（--layout を指定したとき。既定: docs/standard_layout_<KEY>.md）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            keys = [get_adapter(options["layout"]).key] if options.get("layout") else list(adapters())
        except UnknownLayout as e:
            raise CommandError(e.message) from None
        if options.get("out") and len(keys) != 1:
            raise CommandError("--out を指定するときは --layout も指定してください。")
        for key in keys:
            layout = get_adapter(key).layout
            out = Path(options["out"]) if options.get("out") else default_out(key)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(item_table_markdown(layout), encoding="utf-8")
            self.stdout.write(f"{out} を {source_name(layout)} から生成しました。")
