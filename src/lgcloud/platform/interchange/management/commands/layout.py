from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lgcloud.platform.interchange.layout import item_table_markdown, registry_layout

DEFAULT_OUT = Path("docs") / "standard_layout_registry.md"


class Command(BaseCommand):
    help = "移行レイアウトの定義からデータ項目一覧表（Markdown）を生成します: layout docs [--out FILE]"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        docs = sub.add_parser("docs", help="docs/ にデータ項目一覧表を書き出す")
        docs.add_argument("--out", default=str(DEFAULT_OUT))

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(item_table_markdown(registry_layout()), encoding="utf-8")
        self.stdout.write(f"{out} を生成しました。")
