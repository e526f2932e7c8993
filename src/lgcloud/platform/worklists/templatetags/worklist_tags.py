from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from lgcloud.platform.common.wareki import format_wareki

register = template.Library()


@register.filter
def wareki_time(value: dt.datetime | None) -> str:
    """令和8年12月4日 14時05分 (local time)."""
    if value is None:
        return "－"
    local = timezone.localtime(value)
    return f"{format_wareki(local.date())} {local.hour}時{local.minute:02d}分"


@register.filter
def get_label(labels: dict[str, str], queue: str) -> str:
    return labels.get(queue, queue)
