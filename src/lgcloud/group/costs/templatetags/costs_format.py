from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def yen(value: Any) -> str:
    """12345678 → 12,345,678 (whole yen; the unit is written next to it in the template)."""
    if value is None or value == "":
        return "－"
    try:
        return f"{round(value):,}"
    except (TypeError, ValueError):
        return str(value)
