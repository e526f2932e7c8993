"""`lgcloud calc nhi-tax`: the 国保税 of one household from JSON (schema: docs/insurance.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lgcloud.areas.insurance.rules.nhi_tax import PARTS, Household, Member, NhiParameters, assess
from lgcloud.platform.calc import register_calculator
from lgcloud.platform.calc.fields import get_bool, get_int, get_list, get_object, refuse_unknown
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.common.wareki import format_fiscal_year
from lgcloud.platform.params.standard import standard_values, with_overrides

INPUT = frozenset({"fiscal_year", "household", "parameters", "rates"})
PERSON = frozenset(
    {"age", "insured", "salary_revenue", "pension_revenue", "aggregate_income", "months_insured", "preschool"}
)
RATE_KEYS = {"income_rate": "income_rate", "per_capita": "per_capita", "per_household": "per_household",
             "cap": "levy_cap"}
CHILD_SUPPORT_FROM = 2026


def _person(raw: Any, i: int) -> Member:
    where = f"household[{i}]."
    data = get_object(raw, f"household[{i}]")
    refuse_unknown(data, PERSON, where)
    age = get_int(data, "age", where, low=0, high=130)
    insured = get_bool(data, "insured", where)
    preschool = get_bool(data, "preschool", where, default=False)
    if preschool and age > 6:
        raise ValidationFailed(f"{where}preschool は6歳以下の者にだけ指定できます（age: {age}）。",
                               field=f"{where}preschool")
    return Member(
        age=age,
        insured=insured,
        salary_revenue=get_int(data, "salary_revenue", where, default=0, low=0),
        pension_revenue=get_int(data, "pension_revenue", where, default=0, low=0),
        aggregate_income=get_int(data, "aggregate_income", where, low=0),
        months_insured=get_int(data, "months_insured", where, default=12 if insured else 0, low=0, high=12),
        preschool=preschool,
        household_head=i == 0,
        # a person not insured other than the head: a 特定同一世帯所属者 when 75 or older, else not counted
        former_insured=i > 0 and not insured and age >= 75,
    )


def _rate_overrides(raw: Any, fiscal_year: int) -> dict[str, Any]:
    if raw is None:
        return {}
    rates = get_object(raw, "rates")
    refuse_unknown(rates, set(PARTS), "rates.")
    overrides: dict[str, Any] = {}
    for part, table in rates.items():
        where = f"rates.{part}."
        table = get_object(table, f"rates.{part}")
        refuse_unknown(table, set(RATE_KEYS), where)
        if part == "child_support" and fiscal_year < CHILD_SUPPORT_FROM:
            raise ValidationFailed(
                f"rates.child_support: 子ども・子育て支援納付金分は{format_fiscal_year(CHILD_SUPPORT_FROM)}からです。",
                field="rates.child_support",
            )
        for key, value in table.items():
            name = f"nhi_tax.{part}.{RATE_KEYS[key]}"
            try:
                overrides.update(with_overrides({}, {name: value}, ("nhi_tax.",)))
            except ValidationFailed as e:
                message = e.message.split(": ", 1)[-1]
                raise ValidationFailed(f"{where}{key}: {message}", field=f"{where}{key}") from None
    return overrides


def nhi_tax(data: Mapping[str, Any]) -> dict[str, Any]:
    refuse_unknown(data, INPUT)
    fiscal_year = get_int(data, "fiscal_year", low=2000, high=2100)
    household = Household(tuple(_person(p, i) for i, p in enumerate(get_list(data, "household"))))
    values = standard_values("nhi_tax.", fiscal_year)
    if "nhi_tax.medical.income_rate" not in values:
        raise ValidationFailed(f"fiscal_year: {format_fiscal_year(fiscal_year)}の国保税の標準値がありません。",
                               field="fiscal_year")
    values = with_overrides(values, data.get("parameters"), ("nhi_tax.",))
    values.update(_rate_overrides(data.get("rates"), fiscal_year))
    if fiscal_year < CHILD_SUPPORT_FROM:
        values = {k: v for k, v in values.items() if not k.startswith("nhi_tax.child_support.")}
    result = assess(household, NhiParameters.from_values(fiscal_year, values)).as_dict()
    result["parameters"] = {k: str(v) for k, v in sorted(values.items())}
    return result


register_calculator("nhi-tax", nhi_tax, label="国民健康保険税（1世帯・1年度）")
