from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from lgcloud.platform.continuity import pgbackrest, sqlite_backup
from lgcloud.platform.continuity.sqlite_backup import BackupFailed


class Command(BaseCommand):
    help = ("バックアップ: backup create [--type full|diff|incr] | backup verify [--target-time 時刻] "
            "（復元して registry verify・audit verify・全団体の標準レイアウト出力を照合）")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="バックアップを取得し、その時点の全団体の出力チェックサムを記録")
        create.add_argument("--dir", help="SQLite: バックアップの置き場所（既定 var/backups）")
        create.add_argument("--type", default="incr", choices=["full", "diff", "incr"],
                            help="PostgreSQL（pgBackRest）: 完全・差分・増分（既定 incr、初回は自動で full）")
        verify = sub.add_parser("verify", help="最新のバックアップ（または指定時刻）を作業用に復元して検証")
        verify.add_argument("--dir", help="SQLite: バックアップの置き場所（既定 var/backups）")
        verify.add_argument("--file", help="SQLite: 検証するバックアップファイル（既定: 最新）")
        verify.add_argument("--target-time", help="PostgreSQL: この時刻の状態に復元（ISO 8601、その時点以前の最後の記録点）")
        sub.add_parser("inspect", help="（内部用）このデータベースを検査して JSON を出力")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["subcommand"])(options)
        except BackupFailed as e:
            raise CommandError(f"バックアップの検証に失敗しました: {e}") from None

    def _create(self, options: dict[str, Any]) -> None:
        if connection.vendor == "sqlite":
            path = sqlite_backup.create(Path(options["dir"]) if options["dir"] else sqlite_backup.default_dir())
            self.stdout.write(f"バックアップを作成しました: {path}（{path.stat().st_size:,} バイト）")
            return
        self.stdout.write(pgbackrest.create(options["type"]))

    def _verify(self, options: dict[str, Any]) -> None:
        if connection.vendor == "sqlite":
            backup_dir = Path(options["dir"]) if options["dir"] else sqlite_backup.default_dir()
            backup = Path(options["file"]) if options["file"] else sqlite_backup.latest(backup_dir)
            if not backup.exists():
                raise BackupFailed(f"{backup} がありません。")
            problems = sqlite_backup.verify(backup)
            what = backup.name
        else:
                what, problems = pgbackrest.verify(options.get("target_time"))
        if problems:
            for p in problems[:200]:
                self.stderr.write(f"NG  {p}")
            raise BackupFailed(f"{what}: {len(problems)} 件の問題（復元した内容が元と一致しません）")
        self.stdout.write(f"OK  {what}: 復元できました。registry verify・audit verify は問題なし、"
                          f"全団体の標準レイアウト出力のチェックサムはバックアップ時点の元のデータベースと一致しました。")

    def _inspect(self, options: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(sqlite_backup.inspect_here(), ensure_ascii=False))
