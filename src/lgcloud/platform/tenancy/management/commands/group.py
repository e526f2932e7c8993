from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.platform.tenancy.commands import TenantCommand
from lgcloud.platform.tenancy.models import Group
from lgcloud.platform.tenancy.services import join_member, leave_group


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"日付「{value}」は YYYY-MM-DD の形式で指定してください。") from e


class Command(TenantCommand):
    help = "グループの構成団体を管理します（group join CODE / group leave CODE / group members）"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--group", help="グループ名（省略時: 登録されている唯一のグループ）")
        sub = parser.add_subparsers(dest="subcommand", required=True)
        join = sub.add_parser("join", help="後発団体を加入させ、団体管理者アカウントを作成します")
        join.add_argument("code", help="全国地方公共団体コード（6桁）")
        join.add_argument("--joined-on", help="加入日 YYYY-MM-DD（省略時: 今日）")
        join.add_argument("--population", type=int)
        leave = sub.add_parser("leave", help="構成団体を脱退させます")
        leave.add_argument("code")
        leave.add_argument("--left-on", required=True, help="脱退日 YYYY-MM-DD")
        sub.add_parser("members", help="現在の構成団体を表示します")

    def _group(self, name: str | None) -> Group:
        groups = Group.objects.all()
        if name:
            groups = groups.filter(name=name)
        if groups.count() != 1:
            raise CommandError("グループを特定できません。--group でグループ名を指定してください。")
        return groups.get()

    def handle(self, *args: Any, **options: Any) -> None:
        group = self._group(options.get("group"))
        if options["subcommand"] == "join":
            joined_on = _date(options["joined_on"]) if options.get("joined_on") else None
            result = join_member(group, options["code"], joined_on=joined_on, population=options.get("population"))
            self.stdout.write(
                f"{result.municipality}（{result.municipality.code}）が {group} に加入しました"
                f"（加入日 {result.membership.joined_on}）。\n"
                f"団体管理者: ユーザー名 {result.admin_username} / 初期パスワード {result.admin_password}\n"
                "初回ログイン時に二要素認証（TOTP）の設定を求められます。"
            )
        elif options["subcommand"] == "leave":
            ms = leave_group(group, options["code"], left_on=_date(options["left_on"]))
            self.stdout.write(f"{ms.municipality} は {ms.left_on} に {group} を脱退します。")
        else:
            for m in group.members_on().order_by("code"):
                self.stdout.write(f"{m.code}  {m}  人口 {m.population or '-'}")
