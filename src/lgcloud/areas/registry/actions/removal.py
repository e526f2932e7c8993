"""Removals from the register: 転出 (and 転出確定), 死亡, 失踪, 職権消除."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import transfer_messages
from lgcloud.areas.registry.actions.common import (
    check_dates,
    get_person,
    iso_date,
    require_resident,
    residents_of,
    validated_relationships,
)
from lgcloud.areas.registry.dates import PartialDate, Precision
from lgcloud.areas.registry.engine import Change, EventResult, apply_event
from lgcloud.areas.registry.models import (
    EventKind,
    MoveOutState,
    Person,
    RestrictedAction,
    Status,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.areas.registry.restrictions import guarded
from lgcloud.platform.common.errors import ValidationFailed


def _removal(kind: str, persons: list[Person], *, eff: dt.date, notified: dt.date | None, reason_label: str,
             moved_to: str = "", new_head: Person | None = None, relationships: Mapping[int, str] | None = None,
             versions: dict[int, int] | None = None, reason: str = "", extra: dict[str, Any] | None = None,
             move_out_state: str = "") -> EventResult:
    if not persons:
        raise ValidationFailed("対象の住民を指定してください。", field="persons")
    for p in persons:
        require_resident(p)
    changes: list[Change] = []
    leaving = {p.pk for p in persons}
    for household in {p.household for p in persons if p.household}:
        remaining = [m for m in residents_of(household) if m.pk not in leaving]
        head_leaves = household.head_id in leaving
        if remaining and head_leaves:
            if new_head is None or new_head.pk not in {m.pk for m in remaining}:
                raise ValidationFailed(
                    f"世帯主が消除されるため、世帯 {household.household_no} に残る世帯員から新しい世帯主を指定してください。",
                    field="new_head")
            rels = validated_relationships(remaining, relationships)
            rels[new_head.person_no] = HEAD
            for m in remaining:
                if m.person_no in rels:
                    changes.append(Change("person", m, {"relationship": rels[m.person_no]}))
            changes.append(Change("household", household, {"head_id": new_head.pk}))
    for p in persons:
        values: dict[str, Any] = {"status": Status.REMOVED, "removal_reason": reason_label, "removed_on": eff,
                                  "moved_to": moved_to[:200], "move_out_state": move_out_state}
        if notified:
            values["notified_on"] = notified
        values.update(extra or {})
        changes.append(Change("person", p, values))
    return apply_event(kind, effective_on=eff, notified_on=notified, changes=changes, versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def move_out(*, person_nos: list[int], destination: str, effective_on: Any, notified_on: Any,
             new_head_person_no: int | None = None, relationships: Mapping[int, str] | None = None,
             destination_code: str | None = None, versions: dict[int, int] | None = None,
             reason: str = "") -> EventResult:
    """転出 (転出予定): removed from the register as of the planned date; 転出確定 follows the 転入通知.
    When the destination is another member of the group (destination_code), the 転出証明書情報 goes
    to it as a message in the same transaction."""
    eff, notified = check_dates(EventKind.MOVE_OUT, effective_on, notified_on)
    if not str(destination or "").strip():
        raise ValidationFailed("転出先を入力してください。", field="destination")
    recipient = None
    if destination_code:
        recipient = transfer_messages.group_member(destination_code)
        if recipient is None:
            raise ValidationFailed(f"団体コード {destination_code} はグループの構成団体ではありません。"
                                   "グループ外への転出は転出先の住所のみ入力してください。", field="destination_code")
    persons = [get_person(int(n)) for n in person_nos]
    new_head = get_person(int(new_head_person_no)) if new_head_person_no else None
    snapshot = [Person.objects.get(pk=p.pk) for p in persons]  # before removal: what the certificate carries
    result = _removal(EventKind.MOVE_OUT, persons, eff=eff, notified=notified, reason_label="転出",
                      moved_to=destination.strip(), new_head=new_head, relationships=relationships,
                      versions=versions, reason=reason, move_out_state=MoveOutState.PLANNED)
    if recipient is not None:
        transfer_messages.send_move_out_certificate(snapshot, recipient, planned_on=eff, destination=destination.strip())
    return result


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def confirm_move_out(*, person_no: int, moved_in_on: Any, destination: str = "", reason: str = "") -> EventResult:
    """転出確定: the new municipality's 転入通知 arrived."""
    person = get_person(person_no)
    if person.move_out_state != MoveOutState.PLANNED:
        raise ValidationFailed(f"宛名番号 {person.person_no} は転出予定ではありません。", field="person_no")
    on = iso_date(moved_in_on, "moved_in_on", "転入日")
    values: dict[str, Any] = {"move_out_state": MoveOutState.CONFIRMED}
    if destination:
        values["moved_to"] = destination[:200]
    return apply_event(EventKind.MOVE_OUT_CONFIRMED, effective_on=max(on, person.removed_on or on), notified_on=None,
                       changes=[Change("person", person, values)], reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def death(*, person_no: int, death_date: Any, death_date_precision: str = Precision.DAY, notified_on: Any,
          new_head_person_no: int | None = None, relationships: Mapping[int, str] | None = None,
          versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    person = get_person(person_no)
    died = PartialDate.parse(death_date, death_date_precision, field="death_date")
    notified = iso_date(notified_on, "notified_on", "届出日")
    if died.value is None:
        raise ValidationFailed("死亡日を入力してください（推定の場合は精度を指定）。", field="death_date")
    if died.value > timezone.localdate() or died.value > notified:
        raise ValidationFailed("死亡日が届出日または今日より後になっています。", field="death_date")
    if person.birth_date and died.latest and died.latest < person.birth_date:
        raise ValidationFailed("死亡日が生年月日より前です。", field="death_date")
    new_head = get_person(int(new_head_person_no)) if new_head_person_no else None
    return _removal(EventKind.DEATH, [person], eff=died.value, notified=notified, reason_label="死亡",
                    new_head=new_head, relationships=relationships, versions=versions, reason=reason,
                    extra={"death_date": died.value, "death_date_precision": died.precision})


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def disappearance(*, person_no: int, declared_on: Any, notified_on: Any, new_head_person_no: int | None = None,
                  relationships: Mapping[int, str] | None = None, reason: str = "") -> EventResult:
    """失踪 (失踪宣告): removed as of the date the declaration takes effect."""
    eff, notified = check_dates(EventKind.DISAPPEARANCE, declared_on, notified_on)
    person = get_person(person_no)
    new_head = get_person(int(new_head_person_no)) if new_head_person_no else None
    return _removal(EventKind.DISAPPEARANCE, [person], eff=eff, notified=notified, reason_label="失踪",
                    new_head=new_head, relationships=relationships, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def ex_officio_removal(*, person_nos: list[int], effective_on: Any, reason: str,
                       new_head_person_no: int | None = None, relationships: Mapping[int, str] | None = None
                       ) -> EventResult:
    """職権消除 (e.g. 実態調査で居住の事実がない)."""
    if not reason.strip():
        raise ValidationFailed("職権消除の理由を入力してください。", field="reason")
    eff = iso_date(effective_on, "effective_on", "異動日")
    persons = [get_person(int(n)) for n in person_nos]
    new_head = get_person(int(new_head_person_no)) if new_head_person_no else None
    return _removal(EventKind.EX_OFFICIO_REMOVAL, persons, eff=eff, notified=None, reason_label="職権消除",
                    new_head=new_head, relationships=relationships, reason=reason)
