"""Foundation demo: one member's 国保税 rate differs from the standard, for the deviation report."""

from __future__ import annotations

from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import Actor, municipality_scope


@demo_step(10)
def parameter_overrides(ctx: DemoContext) -> None:
    ina = next((m for m in ctx.members if m.code == "113018"), None)
    if ina is None:
        return
    with municipality_scope(ina, Actor("demo", "municipal_admin", "system")):
        params.set_override(
            ina, "nhi_tax.medical.income_rate", 2026, "6.80", "デモ: 伊奈町は医療分所得割率を独自に設定"
        )
