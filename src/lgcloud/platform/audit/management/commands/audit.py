from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lgcloud.platform.audit.models import PLATFORM_CHAIN, AuditChainHead
from lgcloud.platform.audit.sealing import seal
from lgcloud.platform.audit.signing import external_chains, generate_key, key_id, key_path
from lgcloud.platform.audit.verifying import verify_chain
from lgcloud.platform.tenancy.commands import TenantCommand


class Command(TenantCommand):
    help = ("監査ログ: audit verify --municipality CODE | --platform | --all（検証）、audit seal（封印と署名）、"
            "audit keygen [--if-missing]（署名鍵の生成）")

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="チェーンを先頭から検証し、外部の署名済み先頭と照合します")
        self.municipality_argument(verify)
        verify.add_argument("--platform", action="store_true", help="事務局・運用者の操作のチェーン")
        verify.add_argument("--all", action="store_true", help="すべてのチェーン")
        sub.add_parser("seal", help="未封印の記録をチェーンに封印し、先頭に署名して外部に書き出します")
        keygen = sub.add_parser("keygen", help="署名鍵（Ed25519）を LGCLOUD_AUDIT_SIGNING_KEY に生成します")
        keygen.add_argument("--if-missing", action="store_true", help="鍵がすでにあれば何もしません")

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["subcommand"]
        if command == "seal":
            for sealed in seal():
                self.stdout.write(sealed.line())
            return
        if command == "keygen":
            self._keygen(key_path(), if_missing=options["if_missing"])
            return
        code = options.get("municipality")
        if options["all"]:
            chains = sorted(set(AuditChainHead.objects.values_list("chain", flat=True)) | set(external_chains()))
        elif options["platform"]:
            chains = [PLATFORM_CHAIN]
        elif code:
            chains = [code]
        else:
            raise CommandError("--municipality CODE、--platform または --all を指定してください。")
        broken = []
        for chain in chains:
            result = verify_chain(chain)
            pending = f"（未封印 {result.unsealed} 件）" if result.unsealed else ""
            if result.ok:
                self.stdout.write(f"OK  {chain}: {result.checked} 件の記録を検証しました。チェーンは完全です。"
                                  f"署名済みの先頭は連番 {result.signed_seq}。{pending}")
            else:
                where = (f"連番 {result.broken_seq}" if result.broken_seq is not None else "署名済み先頭") + (
                    f"（id={result.broken_id}）" if result.broken_id else "")
                self.stderr.write(f"NG  {chain}: {where} で壊れています: {result.reason}{pending}")
                broken.append(chain)
        if broken:
            raise CommandError(f"監査ログの改ざんまたは欠落を検出しました: {', '.join(broken)}")

    def _keygen(self, path: Path, *, if_missing: bool) -> None:
        if path.exists():
            if if_missing:
                return
            raise CommandError(f"署名鍵 {path} はすでにあります。置き換えるときは先に退避してください。")
        key = generate_key(path)
        self.stdout.write(f"署名鍵を {path} に生成しました（公開鍵 {path}.pub、鍵ID {key_id(key.public_key())}）。")
