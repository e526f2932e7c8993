"""`lgcloud welfare age-out --municipality CODE --as-of DATE`: 児童手当 消滅 and 額改定 by the children's ages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "児童手当: welfare age-out --municipality CODE [--as-of DATE]（年齢到達による消滅・額改定）"
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        age = sub.add_parser("age-out", help="最後の児童が年齢到達した認定を消滅させ、翌月から減額となる認定を額改定します")
        self.municipality_argument(age)
        age.add_argument("--as-of", help="基準日（例: 2027-03-15、省略時は今日）")

    def handle(self, *args: Any, **options: Any) -> None:
        from lgcloud.areas.welfare.ageing import age_out

        raw = options.get("as_of")
        try:
            as_of = dt.date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise CommandError("--as-of は 2027-03-15 の形で指定してください。", returncode=2) from None
        result = age_out(as_of)
        self.stdout.write(f"{as_of.isoformat()} 時点: 消滅 {len(result.terminated)} 件、額改定 {len(result.revised)} 件")
