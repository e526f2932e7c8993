"""`lgcloud token issue|list|revoke`: API tokens from the server's command line (audited)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lgcloud.platform.accounts import credentials
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.common.errors import LgcloudError


class Command(BaseCommand):
    help = "API トークンの発行・一覧・失効"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue", help="発行（トークンはこの一度だけ表示）")
        issue.add_argument("--username", required=True)
        issue.add_argument("--name", required=True, help="用途")
        issue.add_argument("--read-only", action="store_true", help="参照のみ")
        issue.add_argument("--totp", help="管理者用トークン: その職員の確認コード（二要素認証）")
        listing = sub.add_parser("list", help="一覧")
        listing.add_argument("--municipality", help="団体コード")
        listing.add_argument("--username")
        revoke = sub.add_parser("revoke", help="失効")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except LgcloudError as e:
            raise CommandError(e.message, returncode=2) from None

    def _issue(self, o: dict[str, Any]) -> None:
        issued = credentials.issue_token_by_operator(o["username"], o["name"], read_only=o["read_only"],
                                                     totp=o.get("totp"))
        self.stdout.write(issued.raw)
        self.stderr.write(f"発行しました: {issued.token.pk} {issued.token.prefix}… ({issued.token.name})")

    def _list(self, o: dict[str, Any]) -> None:
        municipality_id = None
        if o.get("municipality"):
            found = Staff.objects.filter(municipality__code=o["municipality"]).values_list("municipality_id",
                                                                                           flat=True).first()
            if found is None:
                raise CommandError(f"団体 {o['municipality']} の職員はいません。", returncode=2)
            municipality_id = found
        for t in credentials.tokens_of(municipality_id, o.get("username")):
            state = "失効" if t.revoked else "有効"
            scope = "参照のみ" if t.read_only else t.staff.role
            last = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
            self.stdout.write(f"{t.pk}\t{t.staff.username}\t{t.prefix}…\t{t.name}\t{scope}\t{state}\t{last}")

    def _revoke(self, o: dict[str, Any]) -> None:
        token = credentials.revoke_token(o["token_id"])
        self.stdout.write(f"失効しました: {token.pk} {token.prefix}…")
