from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from lgcloud.platform.demo.loader import DEMO_PASSWORD, load
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "デモ用のグループ（埼玉県町村情報システム共同化推進協議会）を読み込みます: demo load [--scale N]"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        load_p = sub.add_parser("load", help="デモデータを読み込みます（何度実行しても同じ状態になります）")
        load_p.add_argument("--scale", type=int, default=1, help="住民データの規模（業務データを持つアプリが使用）")
        load_p.add_argument("--quiet-logins", action="store_true", help="ログイン情報を表示しない")

    def handle(self, *args: Any, **options: Any) -> None:
        ctx = load(scale=options["scale"], out=self.stdout)  # type: ignore[arg-type]
        self.stdout.write(f"{ctx.group}（構成団体 {len(ctx.members)}）を読み込みました。")
        if options["quiet_logins"]:
            return
        self.stdout.write("")
        self.stdout.write("=== デモ用ログイン（パスワードはすべて共通: " + DEMO_PASSWORD + "）===")
        self.stdout.write("  secretariat           協議会事務局（初回ログイン時に二要素認証を設定）")
        self.stdout.write("  operator              運用者（初回ログイン時に二要素認証を設定）")
        self.stdout.write("  113018-clerk          伊奈町 窓口職員")
        self.stdout.write("  113018-admin          伊奈町 団体管理者（初回ログイン時に二要素認証を設定）")
        self.stdout.write("  <団体コード>-<役割>     役割: clerk, contractor, tax, insurance, pension, welfare, admin")
        self.stdout.write("  構成団体コード: " + " ".join(f"{m.code}({m.name})" for m in ctx.members))
