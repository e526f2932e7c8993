from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.areas.registry import as_of_lists, engine_asof, invariants, reading, references
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "住民記録: registry verify --municipality CODE（異動から現在の住民票を再構成して差異を報告）"
    municipality_required = True

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="異動の記録から住民票・世帯を再構成し、現在の記録と比べます")
        self.municipality_argument(verify)
        reindex = sub.add_parser("reindex", help="検索用の列を現在の正規化（異体字の同一視を含む）で作り直します")
        self.municipality_argument(reindex)
        residents = sub.add_parser("residents", help="基準日時点の住民（除票）一覧（CSV または JSON、監査記録あり）")
        self.municipality_argument(residents)
        residents.add_argument("--as-of", required=True, help="基準日（西暦または和暦）")
        residents.add_argument("--status", default="resident", choices=["resident", "removed"])
        residents.add_argument("--household", type=int, help="世帯番号（省略すると団体全体）")
        residents.add_argument("--offset", type=int, default=0)
        residents.add_argument("--limit", type=int, default=as_of_lists.MAX_LIMIT)
        residents.add_argument("--format", default="csv", choices=["csv", "json"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "residents":
            self._residents(options)
            return
        if options["subcommand"] == "reindex":
            self._reindex()
            return
        diffs = engine_asof.verify_projection()
        violations = invariants.verify_history()
        dangling = references.verify_references()
        if not diffs and not violations and not dangling:
            self.stdout.write("OK: 異動の記録から再構成した内容は、現在の住民票・世帯の記録と一致しました。"
                              "履歴の全期間で、住民である期間の重なり・死亡後の異動・世帯主のいない世帯はありません。"
                              "検索キー・異動の対象・履歴は、すべてこの団体の住民票・異動・世帯を指しています。")
            return
        for r in dangling[:200]:
            self.stderr.write(r.message)
        for d in diffs[:200]:
            label = "宛名番号" if d.target == "person" else "世帯番号"
            self.stderr.write(f"{label} {d.number} の {d.item}: 記録 {d.projected!r} / 再構成 {d.rebuilt!r}")
        for v in violations[:200]:
            who = f"宛名番号 {v.person_no}" if v.person_no else f"世帯番号 {v.household_no}"
            self.stderr.write(f"{who}（{v.on:%Y-%m-%d}）: {v.message}")
        raise CommandError(f"{len(diffs)}件の差異と{len(violations)}件の履歴上の不整合、"
                           f"{len(dangling)}件の参照先のない行があります。")

    def _reindex(self) -> None:
        from lgcloud.areas.registry.models import Person, SearchKey
        from lgcloud.areas.registry.reindex import refold
        from lgcloud.platform.audit import services as audit
        from lgcloud.platform.tenancy.context import require_municipality

        counts = refold(Person, SearchKey)
        audit.record("registry.reindex", object_type="Municipality", object_id=require_municipality().pk,
                     purpose="検索用の列の再作成", detail=counts)
        self.stdout.write(f"検索用の列を作り直しました: 検索キー {counts['keys']}件、重複の削除 "
                          f"{counts['duplicate_keys_removed']}件、住民票 {counts['persons']}件")

    def _residents(self, options: dict[str, Any]) -> None:
        try:
            on = reading.parse_date(options["as_of"])
            if on is None:
                raise CommandError("基準日を指定してください（--as-of）。", returncode=2)
            page = as_of_lists.list_as_of(on, status=options["status"], household_no=options.get("household"),
                                          offset=options["offset"], limit=options["limit"],
                                          purpose="基準日時点の住民一覧（コマンド）")
        except LgcloudError as e:
            raise CommandError(e.message, returncode=2) from None
        if options["format"] == "json":
            self.stdout.write(json.dumps({"as_of": page.on.isoformat(), "status": page.status, "total": page.total,
                                          "offset": page.offset, "persons": page.rows},
                                         ensure_ascii=False, default=str, indent=1))
            return
        writer = csv.writer(self.stdout)
        writer.writerow([*as_of_lists.ROW_ITEMS, "household_no"])
        for r in page.rows:
            writer.writerow([r.get(k) if r.get(k) is not None else "" for k in (*as_of_lists.ROW_ITEMS, "household_no")])
        self.stderr.write(f"{page.total}件中 {page.offset + 1}〜{page.offset + len(page.rows)}件目")
