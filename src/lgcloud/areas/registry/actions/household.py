"""世帯変更: 世帯分離, 世帯合併, 世帯主変更, 世帯構成変更."""

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
    require_resident,
    residents_of,
    validated_relationships,
)
from lgcloud.areas.registry.engine import Change, EventResult, apply_event, new_household
from lgcloud.areas.registry.models import (
    EventKind,
    RestrictedAction,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.areas.registry.restrictions import guarded
from lgcloud.platform.common.errors import ValidationFailed


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def household_split(*, person_nos: list[int], new_head_person_no: int, address: Mapping[str, Any] | None = None,
                    relationships: Mapping[int, str] | None = None, remaining_head_person_no: int | None = None,
                    remaining_relationships: Mapping[int, str] | None = None, effective_on: Any, notified_on: Any,
                    versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    """世帯分離: some members form a new household (at the same address unless another is given)."""
    eff, notified = check_dates(EventKind.HOUSEHOLD_SPLIT, effective_on, notified_on)
    persons = [get_person(int(n)) for n in person_nos]
    for p in persons:
        require_resident(p)
    households = {p.household_id for p in persons}
    if len(households) != 1:
        raise ValidationFailed("分離する世帯員は同じ世帯から選んでください。", field="person_nos")
    old = persons[0].household
    assert old is not None
    remaining = [m for m in residents_of(old) if m.pk not in {p.pk for p in persons}]
    if not remaining:
        raise ValidationFailed("世帯員全員を分離することはできません。", field="person_nos")
    if new_head_person_no not in [p.person_no for p in persons]:
        raise ValidationFailed("新しい世帯の世帯主は分離する人の中から選んでください。", field="new_head_person_no")
    rels = validated_relationships(persons, relationships)
    rels[new_head_person_no] = HEAD
    missing = [p.person_no for p in persons if p.person_no not in rels]
    if missing:
        raise ValidationFailed(f"宛名番号 {', '.join(map(str, missing))} の新しい世帯での続柄を入力してください。",
                               field="relationships")
    addr = address_items(address) if address else {k: getattr(old, k) for k in
                                              ("address", "address_extra", "address_code", "district", "postal_code")}
    new = new_household(addr["address"])
    head = next(p for p in persons if p.person_no == new_head_person_no)
    changes = [Change("household", new, {**addr, "status": "active", "head_id": head.pk})]
    for order, p in enumerate(persons, start=1):
        values: dict[str, Any] = {"household_id": new.pk, "relationship": rels[p.person_no], "household_order": order,
                                  "notified_on": notified}
        if address:
            values.update(address_values(addr, eff))
            values["previous_address"] = f"{p.address}{p.address_extra}"[:200]
        changes.append(Change("person", p, values))
    if old.head_id in {p.pk for p in persons}:
        if remaining_head_person_no not in [m.person_no for m in remaining]:
            raise ValidationFailed("元の世帯に残る世帯員から新しい世帯主を指定してください。", field="remaining_head_person_no")
        rem_rels = validated_relationships(remaining, remaining_relationships)
        rem_rels[int(remaining_head_person_no)] = HEAD
        for m in remaining:
            if m.person_no in rem_rels:
                changes.append(Change("person", m, {"relationship": rem_rels[m.person_no]}))
        new_old_head = next(m for m in remaining if m.person_no == remaining_head_person_no)
        changes.append(Change("household", old, {"head_id": new_old_head.pk}))
    return apply_event(EventKind.HOUSEHOLD_SPLIT, effective_on=eff, notified_on=notified, changes=changes,
                       versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def household_merge(*, from_household_no: int, into_household_no: int, relationships: Mapping[int, str],
                    effective_on: Any, notified_on: Any, versions: dict[int, int] | None = None,
                    reason: str = "") -> EventResult:
    """世帯合併: the members of one household join another; the first is dissolved."""
    eff, notified = check_dates(EventKind.HOUSEHOLD_MERGE, effective_on, notified_on)
    source, target = get_household(from_household_no), get_household(into_household_no)
    if source.pk == target.pk:
        raise ValidationFailed("同じ世帯どうしは合併できません。", field="into_household_no")
    moving = residents_of(source)
    rels = validated_relationships(moving, relationships)
    missing = [p.person_no for p in moving if p.person_no not in rels]
    if missing:
        raise ValidationFailed(f"宛名番号 {', '.join(map(str, missing))} の合併後の続柄を入力してください。",
                               field="relationships")
    if HEAD in rels.values():
        raise ValidationFailed("合併で移る世帯員を世帯主にはできません（世帯主変更は別の届出です）。", field="relationships")
    addr = {k: getattr(target, k) for k in ("address", "address_extra", "address_code", "district", "postal_code")}
    same_place = (source.address, source.address_extra) == (target.address, target.address_extra)
    order = target.members.count()
    changes: list[Change] = [Change("household", source, {"status": "dissolved", "head_id": None})]
    for p in moving:
        order += 1
        values: dict[str, Any] = {"household_id": target.pk, "relationship": rels[p.person_no],
                                  "household_order": order, "notified_on": notified}
        if not same_place:
            values.update(address_values(addr, eff))
        changes.append(Change("person", p, values))
    return apply_event(EventKind.HOUSEHOLD_MERGE, effective_on=eff, notified_on=notified, changes=changes,
                       versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def head_change(*, household_no: int, new_head_person_no: int, relationships: Mapping[int, str],
                effective_on: Any, notified_on: Any, versions: dict[int, int] | None = None,
                reason: str = "") -> EventResult:
    """世帯主変更: a new head, and every member's 続柄 restated relative to them."""
    eff, notified = check_dates(EventKind.HEAD_CHANGE, effective_on, notified_on)
    household = get_household(household_no)
    members = residents_of(household)
    head = next((m for m in members if m.person_no == int(new_head_person_no)), None)
    if head is None:
        raise ValidationFailed("新しい世帯主はこの世帯の世帯員から選んでください。", field="new_head_person_no")
    if head.pk == household.head_id:
        raise ValidationFailed("指定した人は既に世帯主です。", field="new_head_person_no")
    rels = validated_relationships(members, relationships)
    rels[head.person_no] = HEAD
    missing = [m.person_no for m in members if m.person_no not in rels]
    if missing:
        raise ValidationFailed(f"宛名番号 {', '.join(map(str, missing))} の新しい続柄を入力してください。",
                               field="relationships")
    changes = [Change("household", household, {"head_id": head.pk})]
    changes += [Change("person", m, {"relationship": rels[m.person_no], "notified_on": notified}) for m in members]
    return apply_event(EventKind.HEAD_CHANGE, effective_on=eff, notified_on=notified, changes=changes,
                       versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def composition_change(*, household_no: int, relationships: Mapping[int, str], effective_on: Any,
                       notified_on: Any, versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    """世帯構成変更: 続柄 restated (e.g. 同居人 → 妻（未届）) without a new head."""
    eff, notified = check_dates(EventKind.COMPOSITION_CHANGE, effective_on, notified_on)
    household = get_household(household_no)
    members = residents_of(household)
    rels = validated_relationships(members, relationships)
    if not rels:
        raise ValidationFailed("変更する続柄を入力してください。", field="relationships")
    changes = [Change("person", m, {"relationship": rels[m.person_no]}) for m in members if m.person_no in rels]
    return apply_event(EventKind.COMPOSITION_CHANGE, effective_on=eff, notified_on=notified, changes=changes,
                       versions=versions, reason=reason)
