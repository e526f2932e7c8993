"""固定資産 entered and changed on the screens: the form's text checked and converted (Japanese messages naming
the field), then the ledger's own services (history of every change) and the year's assessment run again (a
taxpayer whose properties did not change keeps its version)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from lgcloud.areas.taxation import property_ledger as ledger
from lgcloud.areas.taxation.entry import _amount, _text
from lgcloud.areas.taxation.property_models import Building, LandParcel, PropertyOwner
from lgcloud.areas.taxation.rules import property_tax
from lgcloud.platform.common.errors import NotFound, ValidationFailed

LAND_TEXT = [("location", "所在"), ("lot_number", "地番"), ("land_category", "地目")]
BUILDING_TEXT = [("location", "所在"), ("building_number", "家屋番号"), ("kind", "種類"), ("structure", "構造")]


def _area(form: Mapping[str, Any], name: str, label: str) -> Decimal:
    raw = _text(form, name).replace(",", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(f"{label}を数値（㎡）で入力してください（入力値: {raw}）。", field=name) from None
    if not value.is_finite() or value <= 0 or value >= Decimal("10000000000") or value != round(value, 2):
        raise ValidationFailed(f"{label}は 0 より大きい数値（小数2桁まで）で入力してください（入力値: {raw}）。",
                               field=name)
    return value


def land_fields(form: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, label in LAND_TEXT:
        out[name] = _text(form, name)
        if not out[name]:
            raise ValidationFailed(f"{label}を入力してください。", field=name)
    out["area_m2"] = _area(form, "area_m2", "地積")
    out["value"] = _amount(form, "value", "評価額")
    previous = _text(form, "previous_tax_base")
    out["previous_tax_base"] = _amount(form, "previous_tax_base", "前年度課税標準額") if previous else None
    out["residential"] = _text(form, "residential") or property_tax.RESIDENTIAL_NONE
    if out["residential"] not in property_tax.RESIDENTIAL_KINDS:
        raise ValidationFailed("住宅用地の区分を選んでください。", field="residential")
    out["dwellings"] = _amount(form, "dwellings", "住戸数")
    if out["residential"] == property_tax.RESIDENTIAL_SMALL and out["dwellings"] < 1:
        raise ValidationFailed("小規模住宅用地には住戸数（1以上）が必要です。", field="dwellings")
    return out


def building_fields(form: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, label in BUILDING_TEXT:
        out[name] = _text(form, name)
        if not out[name]:
            raise ValidationFailed(f"{label}を入力してください。", field=name)
    out["floor_area_m2"] = _area(form, "floor_area_m2", "床面積")
    out["value"] = _amount(form, "value", "評価額")
    return out


@transaction.atomic
def add(what: str, fiscal_year: int, owner_id: int, form: Mapping[str, Any]) -> LandParcel | Building:
    """A parcel or building owned by one owner alone, then the year's assessment."""
    owner = PropertyOwner.objects.filter(pk=owner_id).first()
    if owner is None:
        raise NotFound("所有者が見つかりません。")
    obj: LandParcel | Building
    if what == "land":
        obj = ledger.add_land(fiscal_year, [(owner, 1, 1)], **land_fields(form))
    else:
        obj = ledger.add_building(fiscal_year, [(owner, 1, 1)], **building_fields(form))
    ledger.assess_all(fiscal_year)
    return obj


@transaction.atomic
def change(what: str, object_id: int, form: Mapping[str, Any]) -> LandParcel | Building:
    """A change of a parcel or building with its reason (kept in the history), then the year's assessment."""
    reason = _text(form, "reason")
    if not reason:
        raise ValidationFailed("変更の理由を入力してください。", field="reason")
    obj: LandParcel | Building
    if what == "land":
        obj = ledger.change_land(object_id, reason, **land_fields(form))
    else:
        obj = ledger.change_building(object_id, reason, **building_fields(form))
    ledger.assess_all(obj.fiscal_year)
    return obj
