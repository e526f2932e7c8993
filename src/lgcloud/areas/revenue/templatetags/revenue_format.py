from __future__ import annotations

import datetime as dt

from django import template

from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki

register = template.Library()


@register.filter
def yen(value: int | None) -> str:
    return "－" if value is None else f"{value:,}円"


@register.filter
def wareki(value: dt.date | None) -> str:
    return format_wareki(value) if value else "－"


@register.filter
def nendo(value: int) -> str:
    return format_fiscal_year(value)
