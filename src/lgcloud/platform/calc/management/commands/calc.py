"""`lgcloud calc NAME < input.json`: run one rule calculation and print the result as JSON."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lgcloud.platform.calc import discover
from lgcloud.platform.common.errors import LgcloudError


class Command(BaseCommand):
    help = "計算ルールを実行します（標準入力の JSON を読み、結果と内訳を JSON で出力）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="計算の名前（省略すると一覧）")

    def handle(self, *args: Any, **options: Any) -> None:
        calculators = discover()
        name = options["name"]
        if not name:
            for listed in sorted(calculators.values(), key=lambda s: s.name):
                self.stdout.write(f"{listed.name}\t{listed.label}")
            return
        spec = calculators.get(name)
        if spec is None:
            known = "、".join(sorted(calculators)) or "（なし）"
            raise CommandError(f"計算「{name}」はありません。使える計算: {known}", returncode=2)
        text = sys.stdin.read()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise CommandError(f"入力が JSON として読めません（{e.lineno}行{e.colno}列: {e.msg}）。", returncode=2) from None
        if not isinstance(data, dict):
            raise CommandError("入力は JSON のオブジェクト（{…}）で指定してください。", returncode=2)
        try:
            result = spec.fn(data)
        except LgcloudError as e:
            field = getattr(e, "field", None)
            where = f"（項目: {field}）" if field else ""
            raise CommandError(f"{e}{where}", returncode=2) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str))
