"""`lgcloud calc resident-tax` and `lgcloud calc property-tax`: the rules on the command line.

Input and output are documented in docs/taxation.md. Every field is checked: an unknown field, a missing
required one or a value out of range is refused with a Japanese message naming it (never guessed).
Parameters are the catalogue's standard values for the fiscal year, each overridable for this one
calculation by `"parameters": {"name": value}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from lgcloud.areas.taxation.rules import property_tax, resident_tax
from lgcloud.areas.taxation.rules.params import FIRST_FISCAL_YEAR, ParamSet
from lgcloud.platform.calc import register_calculator, unknown_fields
from lgcloud.platform.common.errors import ValidationFailed

LAST_FISCAL_YEAR = 2030
MAX_YEN = 100_000_000_000  # 1,000億円: anything above is a typing error


def _refuse_unknown(data: Mapping[str, Any], allowed: set[str], where: str = "") -> None:
    extra = unknown_fields(data, allowed, where)
    if extra:
        raise ValidationFailed(f"知らない項目があります: {'、'.join(extra)}（使える項目: {'、'.join(sorted(allowed))}）",
                               field=extra[0])


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed(f"{field} は JSON のオブジェクト（{{…}}）で指定してください。", field=field)
    return value


def _int(data: Mapping[str, Any], name: str, field: str, *, low: int, high: int, default: int | None = None) -> int:
    if name not in data:
        if default is None:
            raise ValidationFailed(f"必須の項目 {field} がありません。", field=field)
        return default
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValidationFailed(f"{field} は整数で指定してください（入力値: {value!r}）。", field=field)
    if not low <= value <= high:
        raise ValidationFailed(f"{field} は {low:,} 以上 {high:,} 以下で指定してください（入力値: {value:,}）。", field=field)
    return value


def _bool(data: Mapping[str, Any], name: str, field: str, default: bool | None) -> bool | None:
    if name not in data or data[name] is None:
        return default
    if not isinstance(data[name], bool):
        raise ValidationFailed(f"{field} は true か false で指定してください。", field=field)
    return bool(data[name])


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationFailed(f"{name} は JSON の配列（[…]）で指定してください。", field=name)
    return value


def _fiscal_year(data: Mapping[str, Any]) -> int:
    return _int(data, "fiscal_year", "fiscal_year", low=FIRST_FISCAL_YEAR, high=LAST_FISCAL_YEAR)


def _params(data: Mapping[str, Any], fiscal_year: int) -> ParamSet:
    overrides = _object(data.get("parameters", {}), "parameters")
    return ParamSet.standard(fiscal_year, overrides)


RESIDENT_FIELDS = {"fiscal_year", "salary_revenue", "pension_revenue", "other_income", "age", "social_insurance_paid",
                   "life_insurance_deduction", "spouse", "dependants", "grade", "designated_city", "parameters"}
PERSON_FIELDS = {"income", "age"}
DEPENDANT_FIELDS = {"income", "age", "living_together"}


def resident_tax_facts(data: Mapping[str, Any]) -> tuple[resident_tax.ResidentTaxFacts, ParamSet]:
    _refuse_unknown(data, RESIDENT_FIELDS)
    fy = _fiscal_year(data)
    p = _params(data, fy)

    def yen(name: str, high: int = MAX_YEN) -> int:
        return _int(data, name, name, low=0, high=high, default=0)

    spouse = None
    if data.get("spouse") is not None:
        s = _object(data["spouse"], "spouse")
        _refuse_unknown(s, PERSON_FIELDS, "spouse.")
        spouse = resident_tax.Spouse(income=_int(s, "income", "spouse.income", low=0, high=MAX_YEN),
                                     age=_int(s, "age", "spouse.age", low=0, high=130))
    dependants = []
    for i, raw in enumerate(_list(data, "dependants")):
        where = f"dependants[{i}]"
        d = _object(raw, where)
        _refuse_unknown(d, DEPENDANT_FIELDS, where + ".")
        dependants.append(resident_tax.Dependant(
            income=_int(d, "income", where + ".income", low=0, high=MAX_YEN),
            age=_int(d, "age", where + ".age", low=0, high=130),
            living_together=bool(_bool(d, "living_together", where + ".living_together", False)),
        ))
    grade = None
    if data.get("grade") is not None:
        grade = _int(data, "grade", "grade", low=1, high=3)
    facts = resident_tax.ResidentTaxFacts(
        fiscal_year=fy,
        age=_int(data, "age", "age", low=0, high=130),
        salary_revenue=yen("salary_revenue"),
        pension_revenue=yen("pension_revenue"),
        other_income=yen("other_income"),
        social_insurance_paid=yen("social_insurance_paid"),
        life_insurance_deduction=yen("life_insurance_deduction", p.yen("resident_tax.life_insurance.maximum")),
        spouse=spouse,
        dependants=tuple(dependants),
        grade=grade,
        designated_city=_bool(data, "designated_city", "designated_city", None),
    )
    p.take_used()
    return facts, p


def calc_resident_tax(data: Mapping[str, Any]) -> dict[str, Any]:
    facts, p = resident_tax_facts(data)
    return resident_tax.calculate(facts, p).as_dict()


PROPERTY_FIELDS = {"fiscal_year", "land", "buildings", "rate", "parameters"}
LAND_FIELDS = {"area_m2", "value", "previous_tax_base", "residential", "dwellings"}
BUILDING_FIELDS = {"value"}


def _decimal(data: Mapping[str, Any], name: str, field: str, *, low: Decimal, high: Decimal) -> Decimal:
    if name not in data:
        raise ValidationFailed(f"必須の項目 {field} がありません。", field=field)
    raw = data[name]
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise ValidationFailed(f"{field} は数値で指定してください。", field=field)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValidationFailed(f"{field} は数値で指定してください（入力値: {raw!r}）。", field=field) from None
    if not value.is_finite() or not low <= value <= high:
        raise ValidationFailed(f"{field} は {low} 以上 {high} 以下で指定してください（入力値: {raw}）。", field=field)
    return value


def property_tax_input(data: Mapping[str, Any]) -> tuple[int, list[property_tax.LandItem],
                                                          list[property_tax.BuildingItem], ParamSet, Decimal | None]:
    _refuse_unknown(data, PROPERTY_FIELDS)
    fy = _fiscal_year(data)
    p = _params(data, fy)
    land = []
    for i, raw in enumerate(_list(data, "land")):
        where = f"land[{i}]"
        item = _object(raw, where)
        _refuse_unknown(item, LAND_FIELDS, where + ".")
        residential = item.get("residential", property_tax.RESIDENTIAL_NONE)
        if residential not in property_tax.RESIDENTIAL_KINDS:
            raise ValidationFailed(f"{where}.residential は none・small・general のいずれかです（入力値: {residential!r}）。",
                                   field=where + ".residential")
        previous = None
        if item.get("previous_tax_base") is not None:
            previous = _int(item, "previous_tax_base", where + ".previous_tax_base", low=0, high=MAX_YEN)
        dwellings = _int(item, "dwellings", where + ".dwellings", low=0, high=10_000, default=0)
        if residential == property_tax.RESIDENTIAL_SMALL and dwellings < 1:
            raise ValidationFailed(f"{where}.dwellings: 小規模住宅用地（small）には住戸数（1以上）が必要です。",
                                   field=where + ".dwellings")
        land.append(property_tax.LandItem(
            area_m2=_decimal(item, "area_m2", where + ".area_m2", low=Decimal("0.01"), high=Decimal("100000000")),
            value=_int(item, "value", where + ".value", low=0, high=MAX_YEN),
            previous_tax_base=previous, residential=residential, dwellings=dwellings,
        ))
    buildings = []
    for i, raw in enumerate(_list(data, "buildings")):
        where = f"buildings[{i}]"
        item = _object(raw, where)
        _refuse_unknown(item, BUILDING_FIELDS, where + ".")
        buildings.append(property_tax.BuildingItem(value=_int(item, "value", where + ".value", low=0, high=MAX_YEN)))
    rate = None
    if data.get("rate") is not None:
        rate = _decimal(data, "rate", "rate", low=Decimal("0.1"), high=Decimal("5"))
    return fy, land, buildings, p, rate


def calc_property_tax(data: Mapping[str, Any]) -> dict[str, Any]:
    fy, land, buildings, p, rate = property_tax_input(data)
    result = property_tax.calculate(fy, land, buildings, p, rate).as_dict()
    result["instalments"] = result.pop("installments")
    return result


register_calculator("resident-tax", calc_resident_tax, label="個人住民税（所得割・均等割・森林環境税）")
register_calculator("property-tax", calc_property_tax, label="固定資産税（1人の所有者・1団体）")
