from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def yen(value: int | None) -> str:
    """12345678 → 12,345,678円"""
    return "" if value is None else f"{int(value):,}円"


@register.filter
def comma(value: int | None) -> str:
    return "" if value is None else f"{int(value):,}"


@register.filter
def percent_of(part: int, whole: int) -> str:
    """Share in percent with one decimal, or － when there is nothing to divide."""
    return "－" if not whole else f"{100 * part / whole:.1f}%"
