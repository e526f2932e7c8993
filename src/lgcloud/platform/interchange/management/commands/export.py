from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.platform.observability.progress import progress_bar
from lgcloud.platform.tenancy.commands import TenantCommand
from lgcloud.platform.tenancy.context import municipality_scope
from lgcloud.platform.tenancy.models import Group


class Command(TenantCommand):
    help = ("標準レイアウトで出力します: export --municipality CODE --out DIR [--layout KEY] [--encoding cp932] "
            "[--as-of DATE] | export --group --out DIR")

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--out", required=True, help="出力先フォルダ")
        parser.add_argument("--group", action="store_true", help="グループの全構成団体をそれぞれのフォルダに出力（年度末納品）")
        parser.add_argument("--layout", help="レイアウト（登録が1つなら省略可）")
        parser.add_argument("--encoding", default="utf-8", help="utf-8（既定）または cp932")
        parser.add_argument("--as-of", help="この日現在の内容で出力（YYYY-MM-DD または和暦）")
        parser.add_argument("--include-sensitive", "--include-support-measures", dest="include_sensitive",
                            action="store_true", help="要配慮のファイル（支援措置など）も出力（要: --purpose）")
        parser.add_argument("--purpose", default="", help="利用目的（監査記録に残ります）")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: dt.date | None = None
        if options.get("as_of"):
            try:
                as_of = parse_japanese_date(options["as_of"])
            except ValueError as e:
                raise CommandError(str(e)) from None
        out = Path(options["out"])
        if options["group"]:
            groups = list(Group.objects.all())
            if len(groups) != 1:
                raise CommandError("グループを特定できません。")
            targets = list(groups[0].members_on().order_by("code"))
        else:
            municipality = self.current_municipality()
            if municipality is None:
                raise CommandError("--municipality CODE か --group を指定してください。")
            targets = [municipality]
        failed = 0
        for m in targets:
            folder = out / m.code if options["group"] else out
            with municipality_scope(m):
                result = export_municipality(folder, layout=options["layout"], encoding=options["encoding"], as_of=as_of,
                                             include_sensitive=options["include_sensitive"],
                                             purpose=options["purpose"],
                                             progress=progress_bar(f"export-{m.code}").labelled)
            if not result.ok:
                failed += 1
                for p in result.problems[:200]:
                    self.stderr.write(f"{m.code} {p.file} {p.line}行目 {p.item}: {p.reason}")
                continue
            rows = "、".join(f"{v['name']} {v['rows']}件" for v in result.files.values())
            self.stdout.write(f"{m}（{m.code}）: {folder} に出力しました（{rows}）。")
        if failed:
            raise CommandError(f"{failed}団体で出力できない値があったため、その団体のファイルは作成していません。")
