"""Number and date formats for the 全国状況 pages (django.contrib.humanize is not installed)."""

from __future__ import annotations

import datetime as dt

from django import template

from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki

register = template.Library()


@register.filter
def comma(value: int) -> str:
    """9947042 → 9,947,042"""
    return f"{value:,}"


@register.filter
def percent(ratio: float) -> str:
    """0.446 → 44.6%, 0.5 → 50%"""
    return f"{ratio * 100:.1f}".removesuffix(".0") + "%"


@register.filter
def approx_people(thousands: float) -> str:
    """The paper gives members' populations in thousands: 44 → 約44,000人, 0.4 → 約400人."""
    return f"約{round(thousands * 1000):,}人"


@register.filter
def fiscal_year(year: int) -> str:
    """2006 → 2006年度（平成18年度）"""
    return f"{year}年度（{format_fiscal_year(year)}）"


@register.filter
def wareki(day: dt.date) -> str:
    """2015-04-01 → 平成27年（2015年）4月1日"""
    era = format_wareki(day)
    year_end = era.index("年")
    return f"{era[:year_end + 1]}（{day.year}年）{era[year_end + 1:]}"


@register.filter
def wareki_short(day: dt.date) -> str:
    """2015-01-01 → 平成27年1月1日 (inside parentheses, where the 西暦 would nest them)"""
    return format_wareki(day)
