"""Template filters every area's screens share: 和暦 dates, fiscal years, yen."""

from __future__ import annotations

import datetime as dt

from django import template

from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki

register = template.Library()


@register.filter
def wareki(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            return format_wareki(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return format_wareki(value.date() if isinstance(value, dt.datetime) else value)


@register.filter
def fiscal_year(value: int | None) -> str:
    return format_fiscal_year(int(value)) if value else ""


@register.filter
def yen(value: int | None) -> str:
    return f"{int(value or 0):,}円"


@register.filter
def month_label(value: dt.date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    era = format_wareki(value)
    return era.rsplit("月", 1)[0] + "月" if "月" in era else era
