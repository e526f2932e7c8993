from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.areas.registry import engine, invariants
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "住民記録: registry verify --municipality CODE（異動から現在の住民票を再構成して差異を報告）"
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="異動の記録から住民票・世帯を再構成し、現在の記録と比べます")
        self.municipality_argument(verify)

    def handle(self, *args: Any, **options: Any) -> None:
        diffs = engine.verify_projection()
        violations = invariants.verify_history()
        if not diffs and not violations:
            self.stdout.write("OK: 異動の記録から再構成した内容は、現在の住民票・世帯の記録と一致しました。"
                              "履歴の全期間で、住民である期間の重なり・死亡後の異動・世帯主のいない世帯はありません。")
            return
        for d in diffs[:200]:
            label = "宛名番号" if d.target == "person" else "世帯番号"
            self.stderr.write(f"{label} {d.number} の {d.item}: 記録 {d.projected!r} / 再構成 {d.rebuilt!r}")
        for v in violations[:200]:
            who = f"宛名番号 {v.person_no}" if v.person_no else f"世帯番号 {v.household_no}"
            self.stderr.write(f"{who}（{v.on:%Y-%m-%d}）: {v.message}")
        raise CommandError(f"{len(diffs)}件の差異と{len(violations)}件の履歴上の不整合があります。")
