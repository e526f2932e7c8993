"""Reading the fields of a calculator's JSON input: each bad, missing or unknown field is named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from lgcloud.platform.common.errors import ValidationFailed

_MISSING = object()


def refuse_unknown(data: Mapping[str, Any], allowed: set[str] | frozenset[str], where: str = "") -> None:
    for key in data:
        if key not in allowed:
            known = "、".join(sorted(allowed))
            raise ValidationFailed(
                f"{where}{key} はこの計算の項目にありません（使える項目: {known}）。", field=f"{where}{key}"
            )


def get_int(
    data: Mapping[str, Any], key: str, where: str = "", *, default: Any = _MISSING,
    low: int | None = None, high: int | None = None,
) -> int:
    name = f"{where}{key}"
    value = data.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise ValidationFailed(f"{name} を指定してください。", field=name)
        return int(default)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValidationFailed(f"{name} は整数で指定してください（入力値: {value!r}）。", field=name)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{'' if low is None else low} 以上 {'' if high is None else high} 以下"
        raise ValidationFailed(f"{name} は {bounds} で指定してください（入力値: {value}）。", field=name)
    return value


def get_bool(data: Mapping[str, Any], key: str, where: str = "", *, default: Any = _MISSING) -> bool:
    name = f"{where}{key}"
    value = data.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise ValidationFailed(f"{name} を指定してください（true か false）。", field=name)
        return bool(default)
    if not isinstance(value, bool):
        raise ValidationFailed(f"{name} は true か false で指定してください（入力値: {value!r}）。", field=name)
    return value


def get_date(data: Mapping[str, Any], key: str, where: str = "", *, default: Any = _MISSING) -> dt.date:
    name = f"{where}{key}"
    value = data.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise ValidationFailed(f"{name} を指定してください（例: 2026-04-01）。", field=name)
        return cast(dt.date, default)
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else _bad_date(name, value)
    except ValueError:
        return _bad_date(name, value)


def _bad_date(name: str, value: Any) -> dt.date:
    raise ValidationFailed(f"{name} は日付（YYYY-MM-DD）で指定してください（入力値: {value!r}）。", field=name)


def get_list(data: Mapping[str, Any], key: str, where: str = "", *, allow_empty: bool = False) -> list[Any]:
    name = f"{where}{key}"
    value = data.get(key, _MISSING)
    if value is _MISSING:
        raise ValidationFailed(f"{name} を指定してください。", field=name)
    if not isinstance(value, list) or (not value and not allow_empty):
        raise ValidationFailed(f"{name} は1件以上の配列（[…]）で指定してください。", field=name)
    return value


def get_object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationFailed(f"{name} はオブジェクト（{{…}}）で指定してください。", field=name)
    return value
