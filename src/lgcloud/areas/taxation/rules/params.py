"""Parameter sets for the pure rules: values by name, each read recorded for the breakdown.

The standard values come from this app's `params_catalogue/*.json` (the same files the database mirrors);
a municipality's assessment builds its set from `lgcloud.platform.params.services.value` instead. Rules
never know which of the two they got.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lgcloud.platform.common.errors import ValidationFailed

Value = Decimal | int | str | bool
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "params_catalogue"
FIRST_FISCAL_YEAR = 2021  # five years back from FY2026: the oldest a 更正 can reach


@cache
def catalogue() -> dict[str, dict[str, Any]]:
    """Every taxation parameter's catalogue entry by name."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8"))["parameters"]:
            out[entry["name"]] = entry
    return out


def parse(name: str, raw: object, *, field: str | None = None) -> Value:
    """A raw value (catalogue string, JSON number, override) as the parameter's type, range-checked."""
    entry = catalogue().get(name)
    where = field or f"parameters.{name}"
    if entry is None:
        raise ValidationFailed(f"パラメータ「{name}」は税務のカタログにありません。", field=where)
    kind = entry["type"]
    label = entry["label"]
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise ValidationFailed(f"{label}（{name}）は true か false で指定してください。", field=where)
    if kind == "choice":
        allowed = [c[0] for c in entry.get("choices", [])]
        if str(raw) not in allowed:
            raise ValidationFailed(f"{label}（{name}）は次のいずれかです: {'、'.join(allowed)}", field=where)
        return str(raw)
    if isinstance(raw, bool):
        raise ValidationFailed(f"{label}（{name}）には数値を指定してください。", field=where)
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise ValidationFailed(f"{label}（{name}）には数値を指定してください（入力値: {raw}）。", field=where) from None
    if not number.is_finite():
        raise ValidationFailed(f"{label}（{name}）には数値を指定してください（入力値: {raw}）。", field=where)
    low = None if entry.get("min") is None else Decimal(entry["min"])
    high = None if entry.get("max") is None else Decimal(entry["max"])
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValidationFailed(
            f"{label}（{name}）は {low} 以上 {high} 以下で指定してください（入力値: {raw}）。", field=where)
    if kind in ("yen", "integer"):
        if number != number.to_integral_value():
            raise ValidationFailed(f"{label}（{name}）は整数で指定してください（入力値: {raw}）。", field=where)
        return int(number)
    return number


@cache
def _standard(fiscal_year: int) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for name, entry in catalogue().items():
        years = sorted(int(y) for y in entry["standard"] if int(y) <= fiscal_year)
        if years:
            out[name] = parse(name, entry["standard"][str(years[-1])])
    return out


def standard_values(fiscal_year: int) -> dict[str, Value]:
    """The standard value of every taxation parameter in force in a fiscal year (from the catalogue files)."""
    if fiscal_year < FIRST_FISCAL_YEAR:
        raise ValidationFailed(f"{fiscal_year}年度の税務パラメータはありません（{FIRST_FISCAL_YEAR}年度から）。",
                               field="fiscal_year")
    return dict(_standard(fiscal_year))


class ParamSet:
    """The values one calculation uses. `take_used()` returns (and forgets) what was read since the last call."""

    def __init__(self, fiscal_year: int, values: Mapping[str, Value]) -> None:
        self.fiscal_year = fiscal_year
        self.values = dict(values)
        self._used: dict[str, Value] = {}
        self._json: dict[tuple[str, ...], dict[str, int | str | bool]] = {}

    @classmethod
    def standard(cls, fiscal_year: int, overrides: Mapping[str, object] | None = None) -> ParamSet:
        values = standard_values(fiscal_year)
        for name, raw in (overrides or {}).items():
            values[name] = parse(name, raw)
        return cls(fiscal_year, values)

    def _get(self, name: str) -> Value:
        try:
            v = self.values[name]
        except KeyError:
            raise ValidationFailed(f"パラメータ「{name}」の{self.fiscal_year}年度の値がありません。",
                                   field=f"parameters.{name}") from None
        self._used[name] = v
        return v

    def yen(self, name: str) -> int:
        return int(self._get(name))

    def integer(self, name: str) -> int:
        return int(self._get(name))

    def rate(self, name: str) -> Decimal:
        """A percentage as given (6 means 6%)."""
        return Decimal(str(self._get(name)))

    def flag(self, name: str) -> bool:
        return bool(self._get(name))

    def choice(self, name: str) -> str:
        return str(self._get(name))

    def take_used(self) -> dict[str, Value]:
        used, self._used = self._used, {}
        return used

    def used_json(self) -> dict[str, int | str | bool]:
        """What was read since the last call, as JSON values in name order (and forgets it). The same names
        give the same (shared, not to be changed) dict: the values of a parameter set do not change."""
        used, self._used = self._used, {}
        if not used:
            return {}
        key = tuple(used)
        out = self._json.get(key)
        if out is None:
            out = self._json[key] = {k: jsonable(used[k]) for k in sorted(used)}
        return out


def jsonable(v: Value) -> int | str | bool:
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    return v


class Breakdown:
    """The steps of one calculation: name, Japanese label, amount and the parameters that step read."""

    def __init__(self, params: ParamSet) -> None:
        self.params = params
        self.steps: list[dict[str, Any]] = []

    def add(self, step: str, label: str, amount: int, **facts: object) -> int:
        used = self.params.used_json()
        row: dict[str, Any] = {"step": step, "label": label, "amount": amount, "parameters": used}
        if facts:
            row["facts"] = facts
        self.steps.append(row)
        return amount


def floor_to(amount: int | Decimal, unit: int) -> int:
    """Truncate a non-negative amount to a multiple of `unit` (課税標準 to 1,000 yen, tax to 100 yen)."""
    n = int(amount)  # int() truncates toward zero; callers pass non-negative amounts
    return max(0, n - n % unit)


def percent(amount: int, rate: Decimal) -> int:
    """amount × rate% truncated to the yen."""
    return math.floor(Decimal(amount) * rate / 100)
