"""`lgcloud tax assess --municipality CODE --fiscal-year FY`: the annual 個人住民税 assessment."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from django.core.management.base import CommandParser

from lgcloud.areas.taxation import assessment
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "税務: tax assess --municipality CODE --fiscal-year FY（個人住民税の当初賦課・再計算）"
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        assess = sub.add_parser("assess", help="納税義務者全員の個人住民税を計算し、賦課の記録を書きます")
        self.municipality_argument(assess)
        assess.add_argument("--fiscal-year", type=int, required=True, help="年度（西暦、例: 2026）")
        assess.add_argument("--quiet", action="store_true", help="進捗を表示しない")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options.get("quiet")
        err: TextIO = getattr(self.stderr, "_out", sys.stderr)

        def progress(done: int, total: int) -> None:
            if quiet or (done % 200 and done != total):
                return
            width = 30
            filled = width * done // max(total, 1)
            err.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} 人")
            if done == total:
                err.write("\n")
            err.flush()

        s = assessment.assess_all(options["fiscal_year"], progress=progress)
        self.stdout.write(f"{s.fiscal_year}年度 個人住民税: 納税義務者 {s.taxpayers:,} 人、書込み {s.written:,} 件、"
                          f"変更なし {s.unchanged:,} 件、年税額合計 {s.total:,} 円（パラメータ版 {s.parameter_version[:12]}）")
