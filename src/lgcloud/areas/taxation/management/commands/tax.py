"""`lgcloud tax assess --municipality CODE --fiscal-year FY`: the annual 個人住民税 assessment."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandParser

from lgcloud.areas.taxation import assessment, notices
from lgcloud.platform.observability.progress import progress_bar
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
        notices = sub.add_parser("notices", help="通知書を一括で発行し、PDF をフォルダに書きます")
        self.municipality_argument(notices)
        notices.add_argument("--kind", required=True, choices=["payroll", "ordinary", "property"],
                             help="payroll: 特別徴収税額決定通知書 / ordinary: 個人住民税 納税通知書 / "
                                  "property: 固定資産税 納税通知書・課税明細書")
        notices.add_argument("--fiscal-year", type=int, required=True, help="年度（西暦、例: 2026）")
        notices.add_argument("--out", required=True, help="PDF を書くフォルダ（なければ作ります）")
        notices.add_argument("--quiet", action="store_true", help="進捗を表示しない")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options.get("quiet")
        err: TextIO = getattr(self.stderr, "_out", sys.stderr)

        unit = "人" if options["subcommand"] == "assess" else "通"
        municipality = self.current_municipality()
        job = f"tax-{options['subcommand']}-{municipality.code if municipality else ''}"
        progress = progress_bar(job, unit=unit, stream=err, quiet=bool(quiet))

        if options["subcommand"] == "notices":
            self._notices(options, progress)
            return
        s = assessment.assess_all(options["fiscal_year"], progress=progress)
        self.stdout.write(f"{s.fiscal_year}年度 個人住民税: 納税義務者 {s.taxpayers:,} 人、書込み {s.written:,} 件、"
                          f"変更なし {s.unchanged:,} 件、年税額合計 {s.total:,} 円（パラメータ版 {s.parameter_version[:12]}）")

    def _notices(self, options: dict[str, Any], progress: Callable[[int, int], None]) -> None:
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        total, issued = notices.batch(options["kind"], options["fiscal_year"])
        progress(0, total) if total == 0 else None
        pages = 0
        for done, (stem, document, data) in enumerate(issued, 1):
            (out / f"{stem}.pdf").write_bytes(data)
            pages += document.page_count
            progress(done, total)
        self.stdout.write(f"{options['fiscal_year']}年度 {options['kind']}: 通知書 {total:,} 通（{pages:,} ページ）を "
                          f"{out} に書きました。")
