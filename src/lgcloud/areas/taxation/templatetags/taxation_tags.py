from __future__ import annotations

import datetime as dt

from django import template

from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki

register = template.Library()


@register.filter
def wareki(value: dt.date | str | None) -> str:
    if isinstance(value, str):
        try:
            return format_wareki(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return format_wareki(value) if value else "－"


@register.filter
def yen(value: int | None) -> str:
    return "－" if value is None else f"{int(value):,}円"


@register.filter
def fiscal_year(value: int) -> str:
    return format_fiscal_year(int(value))
