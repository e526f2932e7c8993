from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import close_old_connections, connection

from lgcloud.platform.events.catalog import subscribers
from lgcloud.platform.events.processing import process_pending, replay
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = ("ドメインイベントを購読者に配信します（events process / events worker --interval S / "
            "events replay --subscriber NAME --from ID / events subscribers）")

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        process = sub.add_parser("process", help="未配信のイベントを1回配信します（団体ごとに進捗を表示）")
        process.add_argument("--retry-now", action="store_true", help="再試行待ちの購読者も待たずに再試行します")
        self.municipality_argument(process)
        worker = sub.add_parser("worker", help="一定間隔で配信を繰り返します（SIGTERM / Ctrl+C で終了）")
        worker.add_argument("--interval", type=float, default=5.0, help="間隔（秒、既定 5）")
        worker.add_argument("--once", action="store_true", help="1周期だけ実行して終了します（cron などから）")
        replay_ = sub.add_parser("replay", help="購読者のカーソルを戻し、指定した番号のイベントから再配信させます")
        replay_.add_argument("--subscriber", required=True)
        replay_.add_argument("--from", dest="from_id", type=int, required=True, help="再配信を始めるイベント番号")
        self.municipality_argument(replay_)
        sub.add_parser("subscribers", help="登録されている購読者と購読するイベント種別を表示します")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = self.current_municipality()
        command = options["subcommand"]
        if command == "process":
            for progress in process_pending(municipality=municipality, retry_now=options["retry_now"]):
                self.stdout.write(progress.line())
        elif command == "worker":
            self._worker(options["interval"], once=options["once"])
        elif command == "replay":
            if options["from_id"] < 1:
                raise CommandError("--from にはイベント番号（1以上）を指定してください。")
            count = replay(options["subscriber"], options["from_id"], municipality=municipality)
            self.stdout.write(f"購読者 {options['subscriber']} のカーソルを {count} 団体で戻しました"
                              f"（イベント番号 {options['from_id']} から再配信）。")
        else:
            for s in subscribers().values():
                self.stdout.write(f"{s.name}: {', '.join(sorted(s.kinds))}")

    def _worker(self, interval: float, *, once: bool = False) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        if not once:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write(f"イベント配信を {interval:g} 秒ごとに行います。")
        next_seal = 0.0
        while not stopping:
            if not connection.in_atomic_block:  # called inside a transaction (a test, a caller's batch): keep it
                close_old_connections()
            try:
                for progress in process_pending():
                    if progress.delivered or progress.failed:
                        self.stdout.write(progress.line())
                self._after_pass()
            except Exception as e:  # the database may be away for a moment: report and try again next time
                self.stderr.write(f"配信に失敗しました（次の周期で再試行します）: {e}")
            next_seal = self._seal_if_due(next_seal, force=True)
            if once:
                break
            waited = 0.0
            while not stopping and waited < interval:
                time.sleep(min(0.5, interval - waited))
                waited += 0.5
                next_seal = self._seal_if_due(next_seal)

    def _seal_if_due(self, next_seal: float, *, force: bool = False) -> float:
        """The audit sealer, every LGCLOUD_AUDIT_SEAL_INTERVAL seconds (whatever the delivery interval)."""
        from lgcloud.platform.audit.sealing import seal, seal_interval

        now = time.monotonic()
        if not force and now < next_seal:
            return next_seal
        try:
            seal()
        except Exception as e:  # reported; the next run seals what this one could not
            self.stderr.write(f"監査ログの封印に失敗しました（次の周期で再試行します）: {e}")
        return now + seal_interval()

    def _after_pass(self) -> None:
        """Periodic work beside delivery: the meters' increments into their monthly totals."""
        from lgcloud.platform.metering.services import rollup_all

        rollup_all()
