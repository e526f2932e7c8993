"""Parameter sets for pure rules: the standard values of a fiscal year read from the catalogue files.

A calculator (`lgcloud calc`) must not read any municipality's database: it takes the standard of the
catalogue for the fiscal year and applies the `"parameters"` override of the request, each checked
against the parameter's type and range. Business code that serves a municipality uses
`values_in_force`, which reads `services.value` (the municipality's override or the standard).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.params.catalogue import catalogue_files
from lgcloud.platform.params.models import Parameter

Value = Decimal | int | str | bool


@lru_cache(maxsize=1)
def _entries() -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for path in catalogue_files():
        for entry in json.loads(path.read_text(encoding="utf-8"))["parameters"]:
            entries[entry["name"]] = entry
    return entries


def _unsaved(entry: Mapping[str, Any]) -> Parameter:
    def dec(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    return Parameter(
        name=entry["name"], label=entry["label"], area=entry["area"], unit=entry.get("unit", ""),
        value_type=entry["type"], min_value=dec(entry.get("min")), max_value=dec(entry.get("max")),
        choices=entry.get("choices", []),
    )


def standard_values(prefix: str, fiscal_year: int) -> dict[str, Value]:
    """Every catalogue parameter whose name starts with `prefix`, at its standard for the fiscal year.

    A parameter without a standard value yet in that year (e.g. a part that starts later) is left out.
    """
    from lgcloud.platform.params.services import parse_value

    values: dict[str, Value] = {}
    for name, entry in _entries().items():
        if not name.startswith(prefix):
            continue
        years = sorted((int(y) for y in entry["standard"] if int(y) <= fiscal_year), reverse=True)
        if years:
            values[name] = parse_value(_unsaved(entry), str(entry["standard"][str(years[0])]))
    return values


def with_overrides(
    values: Mapping[str, Value], overrides: Any, prefixes: tuple[str, ...], field: str = "parameters"
) -> dict[str, Value]:
    """`values` with a request's overrides applied; unknown names and bad values name the field."""
    from lgcloud.platform.params.services import parse_value

    result = dict(values)
    if overrides is None:
        return result
    if not isinstance(overrides, Mapping):
        raise ValidationFailed(f"{field} はオブジェクト（{{\"名前\": 値}}）で指定してください。", field=field)
    for name, raw in overrides.items():
        entry = _entries().get(name)
        if entry is None or not name.startswith(prefixes):
            raise ValidationFailed(f"{field} の「{name}」はこの計算のパラメータにありません。", field=f"{field}.{name}")
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ValidationFailed(f"{field} の「{name}」には数値か文字列を指定してください。", field=f"{field}.{name}")
        try:
            result[name] = parse_value(_unsaved(entry), str(raw))
        except ValidationFailed as e:
            raise ValidationFailed(f"{field} の「{name}」: {e.message}", field=f"{field}.{name}") from None
    return result


def values_in_force(prefix: str, fiscal_year: int) -> dict[str, Value]:
    """The values in force for the municipality in context (its overrides, else the standard), read in one
    statement."""
    from lgcloud.platform.params.services import value, values

    names = list(standard_values(prefix, fiscal_year))
    found = values(names, fiscal_year)
    # a name the database does not have (catalogue not synced): `value` raises the usual NotFound
    return {name: found[name] if name in found else value(name, fiscal_year) for name in names}
