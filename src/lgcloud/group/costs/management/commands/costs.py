from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.group.costs import importing
from lgcloud.group.costs.sharing import WhatIf, compute_shares, part_label, shares_as_dict
from lgcloud.platform.tenancy.commands import TenantCommand
from lgcloud.platform.tenancy.models import Group


class Command(TenantCommand):
    help = "費用の見える化: costs shares --fiscal-year FY [--format json] / costs import FILE"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--group", help="グループ名（省略時: 登録されている唯一のグループ）")
        sub = parser.add_subparsers(dest="subcommand", required=True)
        shares = sub.add_parser("shares", help="共同費用の各団体の負担額（内訳つき）")
        shares.add_argument("--fiscal-year", type=int, required=True)
        shares.add_argument("--format", choices=["json", "table"], default="table")
        shares.add_argument("--what-if-join", metavar="CODE", help="この団体が加入した場合")
        shares.add_argument("--population", type=int, help="加入を想定する団体の人口")
        shares.add_argument("--what-if-leave", metavar="CODE", help="この団体が脱退した場合")
        imp = sub.add_parser("import", help="費用をCSVまたはExcelから取り込む（全件検証してから一括登録）")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true")

    def _group(self, name: str | None) -> Group:
        groups = Group.objects.filter(name=name) if name else Group.objects.all()
        if groups.count() != 1:
            raise CommandError("グループを特定できません。--group でグループ名を指定してください。")
        return groups.get()

    def handle(self, *args: Any, **options: Any) -> None:
        group = self._group(options.get("group"))
        if options["subcommand"] == "import":
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"ファイル {path} がありません。")
            rows = importing.read_table(path.name, path.read_bytes())
            result = importing.import_costs(group, rows, dry_run=options["dry_run"], entered_by="cli")
            if not result.ok:
                for e in result.errors:
                    self.stderr.write(f"{e.line}行目 {e.column}「{e.value}」: {e.reason}")
                raise CommandError(f"{len(result.errors)}件のエラーがあるため、何も登録していません。")
            verb = "検証しました（登録はしていません）" if options["dry_run"] else "登録しました"
            self.stdout.write(f"{result.rows}行（団体 {result.member_rows}、共通 {result.shared_rows}）を{verb}。")
            return
        what_if = None
        if options.get("what_if_join") or options.get("what_if_leave"):
            what_if = WhatIf(options.get("what_if_join"), options.get("population"), options.get("what_if_leave"))
        report = compute_shares(group, options["fiscal_year"], what_if)
        data = shares_as_dict(report)
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{data['group']} {data['fiscal_year']}年度 共同費用 {data['total']:,}円")
        for m in data["members"]:
            parts = "  ".join(f"{part_label(b['part'])} {float(b['yen']):,.0f}" for b in m["breakdown"])
            mark = "（想定）" if m["hypothetical"] else ""
            self.stdout.write(f"{m['code']} {m['name']}{mark:6} {m['share']:>14,}円  {parts}")
        self.stdout.write(f"合計 {data['sum_of_shares']:,}円")
