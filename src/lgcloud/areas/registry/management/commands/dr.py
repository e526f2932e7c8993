from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lgcloud.areas.registry.drill import run_drill


class Command(BaseCommand):
    help = "災害対策訓練: dr drill（負荷をかけたまま主系を停止し、待機系を昇格して RPO・RTO を測ります）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        drill = sub.add_parser("drill", help="主系の SIGKILL → 待機系の昇格 → 再接続、RPO・RTO・検証結果を報告")
        drill.add_argument("--cluster", default=os.environ.get("LGCLOUD_DR_CLUSTER"),
                           help="scripts/standby.sh start のフォルダ（既定: $LGCLOUD_DR_CLUSTER）")
        drill.add_argument("--kill-command", help="主系を停止するコマンド（実際の 2 拠点ではこちら）")
        drill.add_argument("--promote-command", help="待機系を昇格するコマンド（実際の 2 拠点ではこちら）")
        drill.add_argument("--rate", type=float, default=20.0, help="要求/秒（既定 20）")
        drill.add_argument("--before", type=float, default=10.0, help="停止前に負荷をかける秒数")
        drill.add_argument("--after", type=float, default=10.0, help="復旧後に負荷をかけ続ける秒数")
        drill.add_argument("--port", type=int, default=8108)
        drill.add_argument("--households", type=int, default=40)

    def handle(self, *args: Any, **options: Any) -> None:
        cluster = Path(options["cluster"]) if options["cluster"] else None
        if cluster is None and not (options["kill_command"] and options["promote_command"]):
            raise CommandError("--cluster（scripts/standby.sh のフォルダ）か --kill-command と --promote-command を"
                               "指定してください。")
        report = run_drill(cluster=cluster, kill_command=options["kill_command"],
                           promote_command=options["promote_command"], rate=options["rate"],
                           before=options["before"], after=options["after"], port=options["port"],
                           households=options["households"], log=lambda s: self.stdout.write(s, ending="\n"))
        self.stdout.write(report.render())
        if not report.ok:
            raise CommandError("DR 訓練で問題がありました: "
                               + ("応答済みの異動が失われました。" if report.missing else "")
                               + ("検証に失敗しました。" if not report.verify_ok else "")
                               + ("書き込みが再開しませんでした。" if report.rto is None else ""))
