"""Parsing the clerk's input (dates in 西暦 or 和暦, yen with commas or full-width digits)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date

_FULLWIDTH = str.maketrans("０１２３４５６７８９，", "0123456789,")


def date(value: Any, field: str, label: str, default: dt.date | None = None) -> dt.date:
    text = str(value or "").strip()
    if not text:
        if default is not None:
            return default
        raise ValidationFailed(f"{label}を入力してください。", field=field)
    try:
        return parse_japanese_date(text)
    except ValueError as e:
        raise ValidationFailed(f"{label}: {e}", field=field) from None


def yen(value: Any, field: str, label: str) -> int:
    text = str(value or "").strip().translate(_FULLWIDTH).replace(",", "").removesuffix("円")
    if not text.isdigit():
        raise ValidationFailed(f"{label}は円単位の整数で入力してください（{value}）。", field=field)
    amount = int(text)
    if amount <= 0:
        raise ValidationFailed(f"{label}は1円以上で入力してください。", field=field)
    return amount


def integer(value: Any, field: str, label: str, low: int, high: int) -> int:
    text = str(value or "").strip().translate(_FULLWIDTH)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValidationFailed(f"{label}は{low}〜{high}の数字で入力してください（{value}）。", field=field)
    return int(text)
