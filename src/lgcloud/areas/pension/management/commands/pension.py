"""`lgcloud pension age-events --municipality CODE --month YYYY-MM`: 20歳到達・60歳到達 proposals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "国民年金: pension age-events --municipality CODE --month YYYY-MM（20歳・60歳到達を処理待ち一覧へ）"
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        ages = sub.add_parser("age-events", help="その月に20歳・60歳に達する人の資格取得・喪失を処理待ち一覧に登録します")
        self.municipality_argument(ages)
        ages.add_argument("--month", required=True, help="対象月（例: 2026-12）")

    def handle(self, *args: Any, **options: Any) -> None:
        from lgcloud.areas.pension.subscribers import propose_age_changes

        try:
            month = dt.date.fromisoformat(options["month"] + "-01")
        except ValueError:
            raise CommandError("--month は 2026-12 の形で指定してください。", returncode=2) from None
        self.stdout.write(f"処理待ち一覧に {propose_age_changes(month)} 件登録しました。")
