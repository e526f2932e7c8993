"""Entries into the register: 転入 (国外からの転入, 再転入), 出生, 職権記載."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from lgcloud.areas.registry.actions.common import (
    address_items,
    address_values,
    check_dates,
    get_household,
    get_person,
    person_items,
    same_person_resident,
)
from lgcloud.areas.registry.dates import Precision
from lgcloud.areas.registry.engine import Change, EventResult, apply_event, new_household, new_person
from lgcloud.areas.registry.models import (
    EventKind,
    Person,
    ResidentType,
    RestrictedAction,
    Sex,
    Status,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.areas.registry.restrictions import guarded
from lgcloud.platform.common.errors import ValidationFailed


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def move_in(
    *,
    persons: list[Mapping[str, Any]],
    address: Mapping[str, Any],
    effective_on: Any,
    notified_on: Any,
    previous_address: str,
    household_no: int | None = None,
    from_abroad: bool = False,
    re_move_in: Mapping[int, Mapping[str, Any]] | None = None,
    kind: str | None = None,
    reason: str = "",
) -> EventResult:
    """転入 (国外からの転入, 再転入): new persons, into a new household or an existing one."""
    kind = kind or (EventKind.MOVE_IN_FROM_ABROAD if from_abroad else
                    EventKind.RE_MOVE_IN if re_move_in else EventKind.MOVE_IN)
    eff, notified = check_dates(EventKind.MOVE_IN, effective_on, notified_on)
    if not persons and not re_move_in:
        raise ValidationFailed("転入する人を1人以上入力してください。", field="persons")
    if not str(previous_address or "").strip():
        raise ValidationFailed("転入前住所を入力してください（国外の場合は国名）。", field="previous_address")
    validated = []
    for i, data in enumerate(persons):
        items = person_items(data, new=True)
        if "relationship" not in items:
            raise ValidationFailed(f"{i + 1}人目の続柄を入力してください。", field="relationship")
        twin = same_person_resident(items, eff)
        if twin is not None:
            if twin.status == Status.RESIDENT:
                raise ValidationFailed(f"{i + 1}人目は既に住民として記録されています（宛名番号 {twin.person_no}）。"
                                       "転入はできません。", field="persons")
            raise ValidationFailed(f"{i + 1}人目は異動日（{eff:%Y-%m-%d}）に住民でした（宛名番号 {twin.person_no}、"
                                   f"{twin.removed_on:%Y-%m-%d}に消除）。住民である期間が重なる転入はできません。",
                                   field="effective_on")
        if items.get("birth_date") and items["birth_date"] > eff:
            raise ValidationFailed(f"{i + 1}人目の生年月日が異動日より後です。", field="birth_date")
        validated.append(items)
    returning: list[tuple[Person, dict[str, Any]]] = []
    for number, data in (re_move_in or {}).items():
        person = get_person(int(number))
        if person.status == Status.RESIDENT:
            raise ValidationFailed(f"宛名番号 {person.person_no} は現在も住民です。再転入はできません。", field="persons")
        items = person_items(data, new=False)
        if "relationship" not in items:
            raise ValidationFailed(f"宛名番号 {person.person_no} の続柄を入力してください。", field="relationship")
        returning.append((person, items))
    addr = address_items(address)
    changes: list[Change] = []
    if household_no is not None:
        household = get_household(int(household_no))
        if household.status != "active":
            raise ValidationFailed("指定した世帯は消除されています。", field="household_no")
        if any(i["relationship"] == HEAD for i in validated) or any(i["relationship"] == HEAD for _, i in returning):
            raise ValidationFailed("既存の世帯に入る転入では世帯主を指定できません（世帯主変更は別の届出です）。",
                                   field="relationship")
        addr = {k: getattr(household, k) for k in ("address", "address_extra", "address_code", "district",
                                                  "postal_code")}
        order = household.members.count()
    else:
        heads = [i for i in validated if i["relationship"] == HEAD] + [i for _, i in returning if
                                                                       i["relationship"] == HEAD]
        if len(heads) != 1:
            raise ValidationFailed("新しい世帯には世帯主をちょうど1人指定してください。", field="relationship")
        household = new_household(addr["address"])
        order = 0
    common = {**address_values(addr, eff), "status": Status.RESIDENT, "household_id": household.pk,
              "became_resident_on": eff, "became_resident_precision": Precision.DAY, "notified_on": notified,
              "previous_address": str(previous_address).strip()[:200], "removal_reason": "", "removed_on": None,
              "moved_to": "", "move_out_state": ""}
    head_person = None
    for items in validated:
        order += 1
        person = new_person(items["resident_type"], items["sex"])
        values = {**items, **common, "household_order": order}
        if items["resident_type"] == ResidentType.FOREIGN and not items.get("became_foreign_resident_on"):
            values["became_foreign_resident_on"] = eff
        changes.append(Change("person", person, values))
        if items["relationship"] == HEAD:
            head_person = person
    for person, items in returning:
        order += 1
        changes.append(Change("person", person, {**items, **common, "household_order": order}))
        if items["relationship"] == HEAD:
            head_person = person
    if household_no is None:
        changes.insert(0, Change("household", household, {**addr, "status": "active",
                                                          "head_id": head_person.pk if head_person else None}))
    return apply_event(kind, effective_on=eff, notified_on=notified, changes=changes, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def birth(
    *,
    child: Mapping[str, Any],
    household_no: int,
    effective_on: Any,
    notified_on: Any,
    mother_person_no: int | None = None,
    reason: str = "",
) -> EventResult:
    """出生 (entered ex officio from the family-register notification). effective_on is the birth date."""
    eff, notified = check_dates(EventKind.BIRTH, effective_on, notified_on)
    household = get_household(household_no)
    if household.status != "active":
        raise ValidationFailed("出生を記載する世帯が消除されています。", field="household_no")
    items = person_items({**child, "birth_date": eff.isoformat(), "birth_date_precision": Precision.DAY}, new=True)
    if "relationship" not in items:
        raise ValidationFailed("続柄を入力してください。", field="relationship")
    if items["relationship"] == HEAD:
        raise ValidationFailed("出生した子を世帯主にはできません。", field="relationship")
    if mother_person_no is not None:
        mother = get_person(mother_person_no)
        if mother.birth_date is None or mother.birth_date >= eff:
            raise ValidationFailed("出生日が母の生年月日より前（または同日）です。日付を確認してください。",
                                   field="effective_on")
        if mother.sex != Sex.FEMALE:
            raise ValidationFailed(f"宛名番号 {mother.person_no} は母として記載できません（性別）。", field="mother_person_no")
    addr = {k: getattr(household, k) for k in ("address", "address_extra", "address_code", "district", "postal_code")}
    person = new_person(items["resident_type"], items["sex"])
    values = {**items, **address_values(addr, eff), "status": Status.RESIDENT, "household_id": household.pk,
              "household_order": household.members.count() + 1, "became_resident_on": eff,
              "became_resident_precision": Precision.DAY, "notified_on": notified, "previous_address": ""}
    if items["resident_type"] == ResidentType.FOREIGN:
        values["became_foreign_resident_on"] = eff
    return apply_event(EventKind.BIRTH, effective_on=eff, notified_on=notified,
                       changes=[Change("person", person, values)], reason=reason)


def ex_officio_entry(**kwargs: Any) -> EventResult:
    """職権記載: as a 転入 but by the municipality's own decision."""
    kwargs.setdefault("previous_address", "職権記載")
    return move_in(kind=EventKind.EX_OFFICIO_ENTRY, **kwargs)
