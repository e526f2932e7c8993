"""The rules' parameters: from the database (`params.services.value`, for the ledger) or from the
catalogue's standard values plus an override object (for `lgcloud calc`, which reads no database)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lgcloud.areas.revenue.rules.light_vehicle import AGED_TYPES, VEHICLE_TYPES, LightVehicleParams
from lgcloud.areas.revenue.rules.rates import LateFeeRates, Roundings, YearTable
from lgcloud.platform.common.errors import ValidationFailed

CATALOGUE = Path(__file__).parent / "params_catalogue"
FIRST_YEAR = 2014  # the first year of the tables (older 延滞金 rules are not implemented)
LAST_YEAR = 2100

Lookup = Callable[[str, int], Decimal]


@cache
def standard_values() -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for path in sorted(CATALOGUE.glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8"))["parameters"]:
            out[entry["name"]] = {int(y): str(v) for y, v in entry["standard"].items()}
    return out


def _at(table: Mapping[int, str], year: int) -> str | None:
    years = [y for y in table if y <= year]
    return table[max(years)] if years else None


def catalogue_lookup(overrides: Mapping[str, Any] | None = None) -> Lookup:
    """Standard values, with `overrides` = {name: value | {year: value}} on top (validated here)."""
    std = standard_values()
    merged: dict[str, dict[int, str]] = {k: dict(v) for k, v in std.items()}
    for name, given in (overrides or {}).items():
        if name not in std:
            raise ValidationFailed(f"パラメータ「{name}」はありません。", field=f"parameters.{name}")
        if isinstance(given, Mapping):
            for y, v in given.items():
                try:
                    merged[name][int(y)] = _number(v, name)
                except ValueError:
                    raise ValidationFailed(f"パラメータ「{name}」の年「{y}」は西暦4桁で指定してください。",
                                           field=f"parameters.{name}") from None
        else:
            merged[name] = {FIRST_YEAR: _number(given, name)}

    def lookup(name: str, year: int) -> Decimal:
        raw = _at(merged[name], year)
        if raw is None:
            raise ValidationFailed(f"{year}年のパラメータ「{name}」が定められていません。", field="parameters")
        return Decimal(raw)

    return lookup


def _number(value: Any, name: str) -> str:
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"パラメータ「{name}」には数値を指定してください（{value!r}）。",
                               field=f"parameters.{name}") from None
    if not d.is_finite() or d < 0:
        raise ValidationFailed(f"パラメータ「{name}」には0以上の数値を指定してください（{value!r}）。",
                               field=f"parameters.{name}")
    return str(d)


def database_lookup() -> Lookup:
    """The values in force for the municipality in context (cached per lookup object)."""
    from lgcloud.platform.params import services as params

    memo: dict[tuple[str, int], Decimal] = {}
    years: set[int] = set()

    def lookup(name: str, year: int) -> Decimal:
        if (name, year) not in memo and year not in years:
            # the whole catalogue of the year in one statement (a 延滞金 needs six values, a 軽自動車税 run 25)
            years.add(year)
            for n, v in params.values(standard_values(), year).items():
                memo[(n, year)] = Decimal(str(v))
        if (name, year) not in memo:  # not in the catalogue, or no value for the year: value() says which
            memo[(name, year)] = Decimal(str(params.value(name, year)))
        return memo[(name, year)]

    return lookup


def _table(lookup: Lookup, name: str, years: range) -> YearTable:
    return YearTable.of({y: lookup(name, y) for y in years})


def roundings(lookup: Lookup, year: int) -> Roundings:
    return Roundings(
        minimum_tax=int(lookup("revenue.late_fee.minimum_tax", year)),
        base_unit=int(lookup("revenue.late_fee.base_unit", year)),
        result_unit=int(lookup("revenue.late_fee.result_unit", year)),
        minimum_result=int(lookup("revenue.late_fee.minimum_result", year)),
    )


def late_fee_rates(lookup: Lookup, first_year: int, last_year: int) -> LateFeeRates:
    if first_year < FIRST_YEAR:
        raise ValidationFailed(f"{FIRST_YEAR}年より前の期間の延滞金は計算できません（納期限 {first_year}年）。",
                               field="due_date")
    years = range(first_year, max(first_year, last_year) + 1)
    return LateFeeRates(
        first_month=_table(lookup, "revenue.late_fee.first_month_rate", years),
        after=_table(lookup, "revenue.late_fee.rate", years),
        roundings=roundings(lookup, last_year),
    )


def refund_interest_rates(lookup: Lookup, first_year: int, last_year: int) -> YearTable:
    if first_year < FIRST_YEAR:
        raise ValidationFailed(f"{FIRST_YEAR}年より前の期間の還付加算金は計算できません。", field="paid_on")
    return _table(lookup, "revenue.refund_interest.rate", range(first_year, max(first_year, last_year) + 1))


def light_vehicle_params(lookup: Lookup, fiscal_year: int) -> LightVehicleParams:
    def yen(name: str) -> int:
        return int(lookup(name, fiscal_year))

    return LightVehicleParams(
        rates={t: yen(f"light_vehicle_tax.rate.{t}") for t in VEHICLE_TYPES},
        old_rates={t: yen(f"light_vehicle_tax.rate_before_2015.{t}") for t in AGED_TYPES},
        heavy_rates={t: yen(f"light_vehicle_tax.heavy_rate.{t}") for t in AGED_TYPES},
        heavy_after_years=yen("light_vehicle_tax.heavy_after_years"),
        old_rate_before=yen("light_vehicle_tax.old_rate_before"),
    )
