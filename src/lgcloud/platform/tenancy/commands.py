"""Base for `lgcloud` commands: the one place the CLI sets the tenant context."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.tenancy.context import Actor, activate, deactivate
from lgcloud.platform.tenancy.models import Municipality


class TenantCommand(BaseCommand):
    """A command that may act for one municipality, named by --municipality CODE."""

    municipality_required = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="CODE", help="全国地方公共団体コード（6桁）")

    @staticmethod
    def municipality_argument(subparser: Any) -> None:
        """Let a subcommand take --municipality after its name too (lgcloud registry verify --municipality X)."""
        subparser.add_argument("--municipality", metavar="CODE", default=argparse.SUPPRESS,
                               help="全国地方公共団体コード（6桁）")

    def current_municipality(self) -> Municipality | None:
        from lgcloud.platform.tenancy.context import current_municipality

        return current_municipality()

    def execute(self, *args: Any, **options: Any) -> Any:
        municipality = None
        code = options.get("municipality")
        if self.municipality_required and not code:
            raise CommandError("--municipality で全国地方公共団体コード（6桁）を指定してください。")
        if code:
            municipality = Municipality.objects.filter(code=code).first()
            if municipality is None:
                raise CommandError(f"団体コード {code} の団体は登録されていません。")
        actor = Actor(username=f"cli:{getpass.getuser()}", role="cli", channel="cli")
        tokens = activate(municipality, actor)
        try:
            return super().execute(*args, **options)
        except LgcloudError as e:
            raise CommandError(e.message) from e
        finally:
            deactivate(tokens)
