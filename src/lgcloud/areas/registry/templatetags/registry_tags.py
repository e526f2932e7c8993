"""Template filters for registry pages: dates as the clerk reads them, names, the masked 個人番号."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import template
from django.utils import timezone

from lgcloud.areas.registry import display
from lgcloud.areas.registry.models import Person
from lgcloud.platform.common.wareki import format_wareki

register = template.Library()


def _state(obj: Mapping[str, Any] | Person) -> Mapping[str, Any]:
    return display.as_state(obj)


@register.filter
def wareki(value: dt.date | dt.datetime | str | None) -> str:
    """令和8年4月1日; a date-time is shown in local time with hours and minutes; an ISO date string is read."""
    if isinstance(value, str):
        try:
            return format_wareki(dt.date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return f"{format_wareki(local.date())} {local.hour}時{local.minute:02d}分"
    return format_wareki(value)


@register.filter
def birth(obj: Mapping[str, Any] | Person) -> str:
    """生年月日: 和暦 for Japanese residents, 西暦 for foreign residents, with the precision wording."""
    return display.birth_text(_state(obj))


@register.filter
def person_name(obj: Mapping[str, Any] | Person) -> str:
    return display.name_text(_state(obj))


@register.filter
def person_kana(obj: Mapping[str, Any] | Person) -> str:
    return display.kana_text(_state(obj))


@register.filter
def sex_label(obj: Mapping[str, Any] | Person) -> str:
    return display.value_text("sex", _state(obj))
