"""`lgcloud calc late-fee`, `refund-interest`, `light-vehicle-tax`: the revenue rules on the command line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.rules.late_fee import late_fee
from lgcloud.areas.revenue.rules.light_vehicle import light_vehicle_tax
from lgcloud.areas.revenue.rules.refund_interest import refund_interest
from lgcloud.platform.calc import register_calculator, unknown_fields
from lgcloud.platform.common.errors import ValidationFailed


def _require(data: Mapping[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = unknown_fields(data, allowed)
    if unknown:
        raise ValidationFailed(f"知らない項目があります: {'、'.join(unknown)}", field=unknown[0])
    for name in sorted(required):
        if name not in data or data[name] is None:
            raise ValidationFailed(f"項目「{name}」がありません。", field=name)


def yen(data: Mapping[str, Any], name: str) -> int:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"項目「{name}」は円単位の整数で指定してください（{value!r}）。", field=name)
    if value < 0:
        raise ValidationFailed(f"項目「{name}」が負です（{value}円）。", field=name)
    return value


def date(data: Mapping[str, Any], name: str) -> dt.date:
    value = data[name]
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"項目「{name}」は YYYY-MM-DD の日付で指定してください（{value!r}）。", field=name) from None


def _overrides(data: Mapping[str, Any]) -> Mapping[str, Any]:
    given = data.get("parameters") or {}
    if not isinstance(given, Mapping):
        raise ValidationFailed("項目「parameters」はオブジェクト（{…}）で指定してください。", field="parameters")
    return given


def late_fee_calculator(data: Mapping[str, Any]) -> Mapping[str, Any]:
    _require(data, {"tax", "due_date", "paid_on", "partial_payments", "parameters"}, {"tax", "due_date", "paid_on"})
    tax, due_on, paid_on = yen(data, "tax"), date(data, "due_date"), date(data, "paid_on")
    partial: list[tuple[dt.date, int]] = []
    raw = data.get("partial_payments") or []
    if not isinstance(raw, list):
        raise ValidationFailed("項目「partial_payments」は配列で指定してください。", field="partial_payments")
    for i, item in enumerate(raw, 1):
        where = f"partial_payments[{i}]"
        if not isinstance(item, Mapping):
            raise ValidationFailed(f"{where} は {{\"date\", \"amount\"}} で指定してください。", field=where)
        _require(item, {"date", "amount"}, {"date", "amount"})
        partial.append((date(item, "date"), yen(item, "amount")))
    lookup = P.catalogue_lookup(_overrides(data))
    rates = P.late_fee_rates(lookup, due_on.year, max(paid_on.year, due_on.year))
    return late_fee(tax, due_on, paid_on, rates, tuple(partial)).as_dict()


def refund_interest_calculator(data: Mapping[str, Any]) -> Mapping[str, Any]:
    _require(data, {"refund", "paid_on", "due_date", "decided_on", "parameters"},
             {"refund", "paid_on", "due_date", "decided_on"})
    refund, paid_on, due_on, decided_on = (yen(data, "refund"), date(data, "paid_on"), date(data, "due_date"),
                                           date(data, "decided_on"))
    lookup = P.catalogue_lookup(_overrides(data))
    first = max(paid_on, due_on).year
    rates = P.refund_interest_rates(lookup, first, max(first, decided_on.year))
    return refund_interest(refund, paid_on, due_on, decided_on, rates, P.roundings(lookup, decided_on.year)).as_dict()


def light_vehicle_calculator(data: Mapping[str, Any]) -> Mapping[str, Any]:
    _require(data, {"vehicle_type", "first_registered", "fiscal_year", "heavy_exempt", "parameters"},
             {"vehicle_type", "first_registered", "fiscal_year"})
    fy = data["fiscal_year"]
    if isinstance(fy, bool) or not isinstance(fy, int) or not 2015 <= fy <= 2100:
        raise ValidationFailed(f"項目「fiscal_year」は2015以降の西暦4桁で指定してください（{fy!r}）。", field="fiscal_year")
    first = data["first_registered"]
    if isinstance(first, str) and len(first) == 7 and first[4] == "-" and first.replace("-", "").isdigit():
        first = int(first.replace("-", ""))
    if isinstance(first, bool) or not isinstance(first, int):
        raise ValidationFailed(f"項目「first_registered」は YYYY-MM で指定してください（{first!r}）。", field="first_registered")
    params = P.light_vehicle_params(P.catalogue_lookup(_overrides(data)), fy)
    return light_vehicle_tax(str(data["vehicle_type"]), first, fy, params,
                             heavy_exempt=bool(data.get("heavy_exempt", False))).as_dict()


register_calculator("late-fee", late_fee_calculator, label="延滞金（地方税）")
register_calculator("refund-interest", refund_interest_calculator, label="還付加算金")
register_calculator("light-vehicle-tax", light_vehicle_calculator, label="軽自動車税（種別割）")
