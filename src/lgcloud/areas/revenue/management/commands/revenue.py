"""`lgcloud revenue …`: the treasury's batches for one municipality.

    lgcloud revenue reminders --municipality CODE [--on YYYY-MM-DD] [--pdf FILE]   督促状（納期限後20日）
    lgcloud revenue check-plans --municipality CODE [--on YYYY-MM-DD]              分納誓約の不履行の判定
    lgcloud revenue import-cvs FILE --municipality CODE                            コンビニ速報・確報
    lgcloud revenue import-debit-results FILE --year YYYY --municipality CODE      口座振替結果（全銀）
    lgcloud revenue debit-request --date YYYY-MM-DD --consignor-code … --out FILE   口座振替依頼（全銀）
    lgcloud revenue refund-transfer --date YYYY-MM-DD --consignor-code … --out FILE 還付金の総合振込（全銀）
    lgcloud revenue light-vehicle-assess --fiscal-year YYYY --municipality CODE    軽自動車税の当初賦課
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from lgcloud.areas.revenue import collection, imports, light_vehicle
from lgcloud.platform.tenancy.commands import TenantCommand


def _date(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日付「{text}」は YYYY-MM-DD で指定してください。") from None


class Command(TenantCommand):
    help = "収納・滞納の一括処理（督促状、分納誓約の判定、収納ファイルの取込、口座振替依頼、軽自動車税の賦課）"
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        p = sub.add_parser("reminders", help="納期限から20日を経過した未納の期別に督促状を発付します")
        p.add_argument("--on")
        p.add_argument("--pdf", help="発付した督促状の PDF を書き出すファイル")
        p = sub.add_parser("check-plans", help="分納誓約の履行を判定します")
        p.add_argument("--on")
        p.add_argument("--grace-days", type=int, default=0)
        p = sub.add_parser("import-cvs", help="コンビニ収納の速報・確報 CSV を取り込みます")
        p.add_argument("file")
        p = sub.add_parser("import-debit-results", help="口座振替結果（全銀協 120バイト）を取り込みます")
        p.add_argument("file")
        p.add_argument("--year", type=int, required=True)
        p = sub.add_parser("debit-request", help="口座振替依頼（全銀協 120バイト）を書き出します")
        p.add_argument("--date", required=True)
        p.add_argument("--out", required=True)
        for name in ("consignor-code", "consignor-name", "bank-code", "bank-name", "branch-code", "branch-name",
                     "account-no"):
            p.add_argument(f"--{name}", required=True)
        p.add_argument("--account-type", default="1")
        p = sub.add_parser("refund-transfer", help="還付金の総合振込（全銀協 120バイト）を書き出します")
        p.add_argument("--date", required=True)
        p.add_argument("--out", required=True)
        for name in ("consignor-code", "consignor-name", "bank-code", "bank-name", "branch-code", "branch-name",
                     "account-no"):
            p.add_argument(f"--{name}", required=True)
        p.add_argument("--account-type", default="1")
        p = sub.add_parser("light-vehicle-assess", help="軽自動車税（種別割）を賦課して収納の台帳に送ります")
        p.add_argument("--fiscal-year", type=int, required=True)
        for p in sub.choices.values():
            self.municipality_argument(p)

    def handle(self, *args: Any, **o: Any) -> None:
        cmd = o["subcommand"]
        if cmd == "reminders":
            notices = collection.issue_reminders(_date(o.get("on")))
            self.stdout.write(f"督促状 {len(notices)}件を発付しました。")
            batch = notices[0].batch if notices else None
            if o.get("pdf") and batch is not None:
                Path(o["pdf"]).write_bytes(bytes(batch.pdf))
                self.stdout.write(f"PDF: {o['pdf']}（発行番号 {batch.document_number}、照合番号 {batch.verification_code}）")
        elif cmd == "check-plans":
            changed = collection.check_plans(_date(o.get("on")), o["grace_days"])
            for plan in changed:
                self.stdout.write(f"宛名番号 {plan.person_no}: {plan.get_status_display()}")
            self.stdout.write(f"{len(changed)}件の分納誓約の状態が変わりました。")
        elif cmd in ("import-cvs", "import-debit-results"):
            path = Path(o["file"])
            if not path.is_file():
                raise CommandError(f"ファイル {path} がありません。")
            try:
                if cmd == "import-cvs":
                    result = imports.import_cvs(path.read_bytes(), path.name)
                else:
                    result = imports.import_debit_results(path.read_bytes(), path.name, o["year"])
            except imports.ImportRefused as e:
                for err in e.errors:
                    self.stderr.write(f"{err.line}行目: {err.reason}")
                raise CommandError(f"{path.name} は取り込めません（{len(e.errors)}件の誤り、何も反映していません）。") from None
            b = result.batch
            self.stdout.write(f"{b.filename}: {b.lines}件（消込 {b.matched}件、未消込 {b.unmatched}件、合計 {b.total:,}円）")
        elif cmd in ("debit-request", "refund-transfer"):
            consignor = imports.Consignor(o["consignor_code"], o["consignor_name"], o["bank_code"], o["bank_name"],
                                          o["branch_code"], o["branch_name"], o["account_type"], o["account_no"])
            write = imports.debit_request_file if cmd == "debit-request" else imports.refund_transfer_file
            content = write(_date(o["date"]), consignor)
            Path(o["out"]).write_bytes(content)
            what = "口座振替依頼" if cmd == "debit-request" else "還付金の振込"
            self.stdout.write(f"{o['out']}: {len(content) // 122 - 3}件の{what}を書き出しました。")
        elif cmd == "light-vehicle-assess":
            n = light_vehicle.assess(o["fiscal_year"])
            self.stdout.write(f"{n}人の納税義務者の軽自動車税を賦課しました。")
