"""`lgcloud nhi assess --municipality CODE --fiscal-year FY`: the annual 国保税 assessment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.areas.insurance.assessment import assess_all
from lgcloud.platform.common.wareki import format_fiscal_year
from lgcloud.platform.observability.progress import progress_bar
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "国民健康保険税: nhi assess --municipality CODE --fiscal-year FY（当初賦課と調定の引き渡し）"
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        assess = sub.add_parser("assess", help="年度の国保税を全世帯について賦課し、調定を収納へ引き渡します")
        self.municipality_argument(assess)
        assess.add_argument("--fiscal-year", type=int, required=True, help="年度（西暦4桁）")
        assess.add_argument("--quiet", action="store_true", help="進捗を表示しない")
        ages = sub.add_parser("age-events", help="その月に75歳になる被保険者の資格喪失（後期高齢者医療）を処理待ち一覧に登録します")
        self.municipality_argument(ages)
        ages.add_argument("--month", required=True, help="対象月（例: 2026-12）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "age-events":
            from lgcloud.areas.insurance.subscribers import propose_age_changes

            try:
                month = dt.date.fromisoformat(options["month"] + "-01")
            except ValueError:
                raise CommandError("--month は 2026-12 の形で指定してください。", returncode=2) from None
            self.stdout.write(f"処理待ち一覧に {propose_age_changes(month)} 件登録しました。")
            return
        municipality = self.current_municipality()
        bar = progress_bar(f"nhi-assess-{municipality.code if municipality else ''}", unit="世帯",
                           stream=getattr(self.stderr, "_out", None), quiet=bool(options["quiet"]))
        run = assess_all(options["fiscal_year"], progress=bar)
        self.stdout.write(
            f"{format_fiscal_year(run.fiscal_year)} 国保税: {run.households} 世帯、調定額合計 {run.total:,} 円"
            f"（処理番号 {run.pk}、結果のハッシュ {run.output_digest[:16]}）"
        )
