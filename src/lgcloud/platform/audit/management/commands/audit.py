from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.platform.audit.models import PLATFORM_CHAIN, AuditChainHead
from lgcloud.platform.audit.services import verify_chain
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = "監査ログのハッシュチェーンを検証します（audit verify --municipality CODE | --platform | --all）"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="チェーンを先頭から検証し、最初に壊れている記録を示します")
        self.municipality_argument(verify)
        verify.add_argument("--platform", action="store_true", help="事務局・運用者の操作のチェーン")
        verify.add_argument("--all", action="store_true", help="すべてのチェーン")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options.get("municipality")
        if options["all"]:
            chains = list(AuditChainHead.objects.order_by("chain").values_list("chain", flat=True))
        elif options["platform"]:
            chains = [PLATFORM_CHAIN]
        elif code:
            chains = [code]
        else:
            raise CommandError("--municipality CODE、--platform または --all を指定してください。")
        broken = []
        for chain in chains:
            result = verify_chain(chain)
            if result.ok:
                self.stdout.write(f"OK  {chain}: {result.checked} 件の記録を検証しました。チェーンは完全です。")
            else:
                where = f"連番 {result.broken_seq}" + (f"（id={result.broken_id}）" if result.broken_id else "")
                self.stderr.write(f"NG  {chain}: {where} で壊れています: {result.reason}")
                broken.append(chain)
        if broken:
            raise CommandError(f"監査ログの改ざんまたは欠落を検出しました: {', '.join(broken)}")
