"""A person's items: 職権修正・軽微な修正・誤記修正, 個人番号・住民票コードの変更, 在留資格変更・在留期間更新, 帰化, 国籍喪失."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry.actions.common import (
    FOREIGN_ITEMS,
    JAPANESE_ONLY,
    get_person,
    iso_date,
    person_items,
    require_resident,
)
from lgcloud.areas.registry.engine import Change, EventResult, apply_event
from lgcloud.areas.registry.models import (
    EventKind,
    Person,
    RegistryEvent,
    ResidentType,
    RestrictedAction,
)
from lgcloud.areas.registry.restrictions import guarded
from lgcloud.platform.common.errors import ValidationFailed

_CORRECTION_KINDS = {EventKind.EX_OFFICIO_CORRECTION, EventKind.MINOR_CORRECTION, EventKind.CLERICAL_CORRECTION}


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def correct(*, kind: str, person_no: int, items: Mapping[str, Any], reason: str,
            corrects_event_id: int | None = None, effective_on: Any = None,
            versions: dict[int, int] | None = None) -> EventResult:
    """職権修正・軽微な修正・誤記修正. A correction of a recorded event takes effect from that
    event's 異動日, so the register as of earlier dates is corrected too."""
    if kind not in _CORRECTION_KINDS:
        raise ValidationFailed("修正の種類が正しくありません。", field="kind")
    if not reason.strip():
        raise ValidationFailed("修正の理由を入力してください。", field="reason")
    person = get_person(person_no)
    values = person_items(items, new=False)
    if not values:
        raise ValidationFailed("修正する項目を入力してください。", field="items")
    corrects = None
    if corrects_event_id is not None:
        corrects = RegistryEvent.objects.filter(pk=corrects_event_id, subjects__person=person).first()
        if corrects is None:
            raise ValidationFailed("修正の対象とする異動がこの住民の記録にありません。", field="corrects_event_id")
        eff = corrects.effective_on
    else:
        eff = iso_date(effective_on, "effective_on", "異動日") if effective_on else timezone.localdate()
    return apply_event(kind, effective_on=eff, notified_on=None, changes=[Change("person", person, values)],
                       reason=reason, corrects=corrects, versions=versions)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def change_individual_number(*, person_no: int, individual_number: str, effective_on: Any,
                             versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    person = get_person(person_no)
    require_resident(person)
    values = person_items({"individual_number": individual_number}, new=False)
    return apply_event(EventKind.INDIVIDUAL_NUMBER_CHANGE, effective_on=iso_date(effective_on, "effective_on", "異動日"),
                       notified_on=None, changes=[Change("person", person, values)], versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def change_resident_code(*, person_no: int, resident_code: str, effective_on: Any,
                         versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    person = get_person(person_no)
    require_resident(person)
    values = person_items({"resident_code": resident_code}, new=False)
    return apply_event(EventKind.RESIDENT_CODE_CHANGE, effective_on=iso_date(effective_on, "effective_on", "異動日"),
                       notified_on=None, changes=[Change("person", person, values)], versions=versions, reason=reason)


def _foreign(person: Person) -> None:
    require_resident(person)
    if person.resident_type != ResidentType.FOREIGN:
        raise ValidationFailed(f"宛名番号 {person.person_no} は外国人住民ではありません。", field="person_no")


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def change_residence_status(*, person_no: int, residence_status: str, period_of_stay: str, stay_expires_on: Any,
                            effective_on: Any, residence_card_number: str = "", renewal: bool = False,
                            versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    """在留資格変更 / 在留期間更新 (notices from immigration)."""
    person = get_person(person_no)
    _foreign(person)
    data: dict[str, Any] = {"period_of_stay": period_of_stay, "stay_expires_on": stay_expires_on}
    if not renewal:
        if not residence_status:
            raise ValidationFailed("在留資格を入力してください。", field="residence_status")
        data["residence_status"] = residence_status
    if residence_card_number:
        data["residence_card_number"] = residence_card_number
    values = person_items(data, new=False)
    if not values.get("stay_expires_on"):
        raise ValidationFailed("在留期間の満了日を入力してください。", field="stay_expires_on")
    kind = EventKind.PERIOD_OF_STAY_RENEWAL if renewal else EventKind.RESIDENCE_STATUS_CHANGE
    return apply_event(kind, effective_on=iso_date(effective_on, "effective_on", "異動日"), notified_on=None,
                       changes=[Change("person", person, values)], versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def naturalization(*, person_no: int, japanese: Mapping[str, Any], effective_on: Any,
                   versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    """帰化: the foreign resident's record becomes a Japanese resident's."""
    person = get_person(person_no)
    _foreign(person)
    values = person_items({**japanese, "resident_type": ResidentType.JAPANESE}, new=False)
    if not values.get("family_name"):
        raise ValidationFailed("帰化後の氏を入力してください。", field="family_name")
    if not values.get("registered_domicile"):
        raise ValidationFailed("本籍を入力してください。", field="registered_domicile")
    for item in FOREIGN_ITEMS:
        values.setdefault(item, None if item in ("stay_expires_on", "became_foreign_resident_on") else "")
    return apply_event(EventKind.NATURALIZATION, effective_on=iso_date(effective_on, "effective_on", "異動日"),
                       notified_on=None, changes=[Change("person", person, values)], versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def nationality_loss(*, person_no: int, foreign: Mapping[str, Any], effective_on: Any,
                     versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    """国籍喪失: a Japanese resident becomes a foreign resident."""
    person = get_person(person_no)
    require_resident(person)
    if person.resident_type != ResidentType.JAPANESE:
        raise ValidationFailed(f"宛名番号 {person.person_no} は日本人住民ではありません。", field="person_no")
    eff = iso_date(effective_on, "effective_on", "異動日")
    values = person_items({**foreign, "resident_type": ResidentType.FOREIGN}, new=False)
    for required, label in (("alphabet_name", "氏名（アルファベット）"), ("nationality", "国籍・地域"),
                            ("foreign_category", "外国人住民の区分")):
        if not values.get(required):
            raise ValidationFailed(f"{label}を入力してください。", field=required)
    values.update({item: "" for item in JAPANESE_ONLY})
    values["became_foreign_resident_on"] = eff
    return apply_event(EventKind.NATIONALITY_LOSS, effective_on=eff, notified_on=None,
                       changes=[Change("person", person, values)], versions=versions, reason=reason)
