"""One service function per 異動. Each validates, then hands the changes to engine.apply_event,
which commits the event, projection, history, audit record and meter in one transaction.

Inputs are plain values (from a form, the API, a CSV or a message); errors are ValidationFailed /
Conflict with a Japanese message naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import jaconv
from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.codes import RESIDENCE_STATUSES
from lgcloud.areas.registry.dates import PartialDate, Precision
from lgcloud.areas.registry.engine import Change, EventResult, apply_event, new_household, new_person
from lgcloud.areas.registry.models import (
    EventKind,
    ForeignCategory,
    Household,
    MoveOutState,
    Person,
    RegistryEvent,
    ResidentType,
    RestrictedAction,
    Sex,
    Status,
)
from lgcloud.areas.registry.normalize import normalize
from lgcloud.areas.registry.relationships import HEAD, validate_relationship
from lgcloud.areas.registry.restrictions import guarded
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import require_municipality

# How far ahead of the move a 転出届 may be made; other notices come on or after the event.
MOVE_OUT_ADVANCE_DAYS = 14

_TEXT_ITEMS = {
    "family_name": 100, "given_name": 100, "family_name_kana": 200, "given_name_kana": 200,
    "former_family_name": 100, "former_family_name_kana": 200, "alphabet_name": 200, "alias": 100,
    "alias_kana": 200, "registered_domicile": 200, "domicile_head": 100, "nationality": 60,
    "residence_status": 60, "period_of_stay": 30, "residence_card_number": 12, "notes": 2000,
}
_KANA_ITEMS = {"family_name_kana", "given_name_kana", "former_family_name_kana", "alias_kana"}
_FOREIGN_ITEMS = ("alphabet_name", "alias", "alias_kana", "nationality", "foreign_category", "residence_status",
                  "period_of_stay", "stay_expires_on", "residence_card_number", "became_foreign_resident_on")
_JAPANESE_ONLY = ("registered_domicile", "domicile_head")


# --- validation helpers ----------------------------------------------------------------------


def _date(value: Any, field: str, label: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationFailed(f"{label}「{value}」は YYYY-MM-DD の形式で入力してください。", field=field) from None


def check_dates(kind: str, effective_on: Any, notified_on: Any) -> tuple[dt.date, dt.date]:
    """異動日 and 届出日: nothing in the future beyond what the law allows."""
    eff = _date(effective_on, "effective_on", "異動日")
    notified = _date(notified_on, "notified_on", "届出日")
    today = timezone.localdate()
    if notified > today:
        raise ValidationFailed("届出日に未来の日付は入力できません。", field="notified_on")
    if kind == EventKind.MOVE_OUT:
        if eff > notified + dt.timedelta(days=MOVE_OUT_ADVANCE_DAYS):
            raise ValidationFailed(
                f"転出予定日は届出日から{MOVE_OUT_ADVANCE_DAYS}日以内の日付にしてください。", field="effective_on"
            )
    elif eff > notified:
        raise ValidationFailed("異動日が届出日より後になっています。この異動は事前に届け出ることはできません。",
                               field="effective_on")
    return eff, notified


def _kana(value: str, field: str) -> str:
    text = jaconv.h2z(jaconv.hira2kata(value.strip()), kana=True, ascii=False, digit=False)
    text = text.replace(" ", "　")
    bad = [c for c in text if not ("ァ" <= c <= "ヶ" or c in "ー　・ヴヵヶ")]
    if bad:
        raise ValidationFailed(f"フリガナはカタカナで入力してください（使えない文字: {''.join(sorted(set(bad)))}）。",
                               field=field)
    return text


def person_items(data: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
    """Validate a person's items from plain input; returns model item values."""
    municipality = require_municipality()
    out: dict[str, Any] = {}
    known = set(_TEXT_ITEMS) | {
        "resident_type", "sex", "birth_date", "birth_date_precision", "foreign_category", "stay_expires_on",
        "became_foreign_resident_on", "individual_number", "resident_code", "electoral_registered", "kana_certified",
        "relationship", "benefits",
    }
    unknown = set(data) - known
    if unknown:
        raise ValidationFailed(f"不明な項目があります: {'、'.join(sorted(unknown))}", field=sorted(unknown)[0])
    for name, max_len in _TEXT_ITEMS.items():
        if name in data:
            value = str(data[name] or "").strip()
            if len(value) > max_len:
                raise ValidationFailed(f"{name} は{max_len}文字以内で入力してください。", field=name)
            out[name] = _kana(value, name) if (name in _KANA_ITEMS and value) else value
    if "resident_type" in data or new:
        rt = data.get("resident_type") or ResidentType.JAPANESE
        if rt not in ResidentType.values:
            raise ValidationFailed("住民種別は「日本人」か「外国人」を指定してください。", field="resident_type")
        out["resident_type"] = rt
    if "sex" in data or new:
        if data.get("sex") not in Sex.values:
            raise ValidationFailed("性別を選択してください（男・女）。", field="sex")
        out["sex"] = data["sex"]
    if "birth_date" in data or "birth_date_precision" in data or new:
        birth = PartialDate.parse(data.get("birth_date"), data.get("birth_date_precision"), field="birth_date")
        if birth.value and birth.value > timezone.localdate():
            raise ValidationFailed("生年月日に未来の日付は入力できません。", field="birth_date")
        out["birth_date"], out["birth_date_precision"] = birth.value, birth.precision
    for name, label in (("stay_expires_on", "在留期間の満了日"), ("became_foreign_resident_on", "外国人住民となった年月日")):
        if data.get(name):
            out[name] = _date(data[name], name, label)
    if out.get("residence_status") and out["residence_status"] not in RESIDENCE_STATUSES:
        raise ValidationFailed(f"在留資格「{out['residence_status']}」は在留資格の一覧にありません。",
                               field="residence_status")
    if data.get("foreign_category"):
        if data["foreign_category"] not in ForeignCategory.values:
            raise ValidationFailed("外国人住民の区分が正しくありません。", field="foreign_category")
        out["foreign_category"] = data["foreign_category"]
    if data.get("individual_number"):
        number = crypto.validate_individual_number(str(data["individual_number"]))
        digest = crypto.search_hash(municipality.code, number)
        holder = Person.objects.filter(individual_number_hash=digest, status=Status.RESIDENT).first()
        if holder is not None:
            raise ValidationFailed(f"この個人番号は既に宛名番号 {holder.person_no} の住民に記載されています。",
                                   field="individual_number")
        out["individual_number_enc"] = crypto.encrypt(municipality.code, number)
        out["individual_number_hash"] = digest
        out["individual_number_last4"] = number[-4:]
    if data.get("resident_code"):
        out["resident_code"] = crypto.validate_resident_code(str(data["resident_code"]))
    for flag in ("electoral_registered", "kana_certified"):
        if flag in data:
            out[flag] = bool(data[flag])
    if "benefits" in data:
        if not isinstance(data["benefits"], dict):
            raise ValidationFailed("国保・年金等の情報の形式が正しくありません。", field="benefits")
        out["benefits"] = data["benefits"]
    if "relationship" in data:
        out["relationship"] = validate_relationship(str(data["relationship"]))
    rt = out.get("resident_type")
    if new:
        if rt == ResidentType.FOREIGN:
            if not out.get("alphabet_name"):
                raise ValidationFailed("外国人住民の氏名（アルファベット）を入力してください。", field="alphabet_name")
            if not out.get("nationality"):
                raise ValidationFailed("国籍・地域を入力してください。", field="nationality")
            if not out.get("foreign_category"):
                raise ValidationFailed("外国人住民の区分を選択してください。", field="foreign_category")
        elif not out.get("family_name"):
            raise ValidationFailed("氏を入力してください。", field="family_name")
    return out


def _same_person_resident(items: dict[str, Any]) -> Person | None:
    """A current resident with the same name and birth date (the 転入 of someone already resident)."""
    name = normalize((items.get("family_name") or "") + (items.get("given_name") or "")) or normalize(
        items.get("alphabet_name"))
    if not name or not items.get("birth_date"):
        return None
    return Person.objects.filter(status=Status.RESIDENT, search_name=name, birth_date=items["birth_date"]).first()


def _address(data: Mapping[str, Any]) -> dict[str, str]:
    address = str(data.get("address") or "").strip()
    if not address:
        raise ValidationFailed("住所を入力してください。", field="address")
    out = {"address": address[:200]}
    for name, limit in (("address_extra", 200), ("address_code", 20), ("district", 40), ("postal_code", 8)):
        value = str(data.get(name) or "").strip()
        if len(value) > limit:
            label = {"address_extra": "方書", "address_code": "住所コード", "district": "地区", "postal_code": "郵便番号"}[name]
            raise ValidationFailed(f"{label}は{limit}文字以内で入力してください。", field=name)
        out[name] = value
    return out


def _resident(person: Person, field: str = "person") -> None:
    if person.status != Status.RESIDENT:
        raise ValidationFailed(f"宛名番号 {person.person_no} は住民ではありません（{person.get_status_display()}）。",
                               field=field)


def get_person(person_no: int) -> Person:
    person = Person.objects.filter(person_no=person_no).first()
    if person is None:
        raise NotFound(f"宛名番号 {person_no} の住民票はありません。")
    return person


def get_household(household_no: int) -> Household:
    household = Household.objects.filter(household_no=household_no).first()
    if household is None:
        raise NotFound(f"世帯番号 {household_no} の世帯はありません。")
    return household


def _residents_of(household: Household) -> list[Person]:
    return list(household.members.filter(status=Status.RESIDENT).order_by("household_order", "person_no"))


def _relationships(household_members: list[Person], relationships: Mapping[int, str] | None) -> dict[int, str]:
    """Validated 続柄 per person number (keys may be ints or strings from JSON)."""
    out = {}
    for key, value in (relationships or {}).items():
        out[int(key)] = validate_relationship(value)
    numbers = {p.person_no for p in household_members}
    stray = set(out) - numbers
    if stray:
        raise ValidationFailed(f"宛名番号 {', '.join(map(str, sorted(stray)))} はこの世帯の世帯員ではありません。",
                               field="relationships")
    return out


def _addr_values(addr: Mapping[str, str], on: dt.date) -> dict[str, Any]:
    return {**addr, "address_set_on": on, "address_set_precision": Precision.DAY}


# --- 転入・出生・職権記載 --------------------------------------------------------------------------


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
        twin = _same_person_resident(items)
        if twin is not None:
            raise ValidationFailed(f"{i + 1}人目は既に住民として記録されています（宛名番号 {twin.person_no}）。"
                                   "転入はできません。", field="persons")
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
    addr = _address(address)
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
    common = {**_addr_values(addr, eff), "status": Status.RESIDENT, "household_id": household.pk,
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
    values = {**items, **_addr_values(addr, eff), "status": Status.RESIDENT, "household_id": household.pk,
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


# --- 転居・住所設定 -----------------------------------------------------------------------------


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def move_within(*, household_no: int, address: Mapping[str, Any], effective_on: Any, notified_on: Any,
                versions: dict[int, int] | None = None, reason: str = "",
                kind: str = EventKind.MOVE_WITHIN) -> EventResult:
    """転居: the whole household moves to another address in the municipality."""
    eff, notified = check_dates(kind, effective_on, notified_on)
    household = get_household(household_no)
    members = _residents_of(household)
    if not members:
        raise ValidationFailed("世帯に住民がいません。", field="household_no")
    addr = _address(address)
    if (addr["address"], addr["address_extra"]) == (household.address, household.address_extra) and kind == EventKind.MOVE_WITHIN:
        raise ValidationFailed("新しい住所が現在の住所と同じです。", field="address")
    changes = [Change("household", household, addr)]
    for p in members:
        values: dict[str, Any] = {**_addr_values(addr, eff), "notified_on": notified}
        if kind == EventKind.MOVE_WITHIN:
            values["previous_address"] = f"{p.address}{p.address_extra}"[:200]
        changes.append(Change("person", p, values))
    return apply_event(kind, effective_on=eff, notified_on=notified, changes=changes, versions=versions, reason=reason)


def address_setting(**kwargs: Any) -> EventResult:
    """住所設定 (e.g. 住居表示の実施): the address changes without anyone moving."""
    return move_within(kind=EventKind.ADDRESS_SETTING, **kwargs)


# --- 転出・死亡・失踪・職権消除 ---------------------------------------------------------------------


def _removal(kind: str, persons: list[Person], *, eff: dt.date, notified: dt.date | None, reason_label: str,
             moved_to: str = "", new_head: Person | None = None, relationships: Mapping[int, str] | None = None,
             versions: dict[int, int] | None = None, reason: str = "", extra: dict[str, Any] | None = None,
             move_out_state: str = "") -> EventResult:
    if not persons:
        raise ValidationFailed("対象の住民を指定してください。", field="persons")
    for p in persons:
        _resident(p)
    changes: list[Change] = []
    leaving = {p.pk for p in persons}
    for household in {p.household for p in persons if p.household}:
        remaining = [m for m in _residents_of(household) if m.pk not in leaving]
        head_leaves = household.head_id in leaving
        if remaining and head_leaves:
            if new_head is None or new_head.pk not in {m.pk for m in remaining}:
                raise ValidationFailed(
                    f"世帯主が消除されるため、世帯 {household.household_no} に残る世帯員から新しい世帯主を指定してください。",
                    field="new_head")
            rels = _relationships(remaining, relationships)
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
    from lgcloud.areas.registry import transfer

    eff, notified = check_dates(EventKind.MOVE_OUT, effective_on, notified_on)
    if not str(destination or "").strip():
        raise ValidationFailed("転出先を入力してください。", field="destination")
    recipient = None
    if destination_code:
        recipient = transfer.group_member(destination_code)
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
        transfer.send_move_out_certificate(snapshot, recipient, planned_on=eff, destination=destination.strip())
    return result


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def confirm_move_out(*, person_no: int, moved_in_on: Any, destination: str = "", reason: str = "") -> EventResult:
    """転出確定: the new municipality's 転入通知 arrived."""
    person = get_person(person_no)
    if person.move_out_state != MoveOutState.PLANNED:
        raise ValidationFailed(f"宛名番号 {person.person_no} は転出予定ではありません。", field="person_no")
    on = _date(moved_in_on, "moved_in_on", "転入日")
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
    notified = _date(notified_on, "notified_on", "届出日")
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
    eff = _date(effective_on, "effective_on", "異動日")
    persons = [get_person(int(n)) for n in person_nos]
    new_head = get_person(int(new_head_person_no)) if new_head_person_no else None
    return _removal(EventKind.EX_OFFICIO_REMOVAL, persons, eff=eff, notified=None, reason_label="職権消除",
                    new_head=new_head, relationships=relationships, reason=reason)


# --- 世帯変更 -----------------------------------------------------------------------------------


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
        _resident(p)
    households = {p.household_id for p in persons}
    if len(households) != 1:
        raise ValidationFailed("分離する世帯員は同じ世帯から選んでください。", field="person_nos")
    old = persons[0].household
    assert old is not None
    remaining = [m for m in _residents_of(old) if m.pk not in {p.pk for p in persons}]
    if not remaining:
        raise ValidationFailed("世帯員全員を分離することはできません。", field="person_nos")
    if new_head_person_no not in [p.person_no for p in persons]:
        raise ValidationFailed("新しい世帯の世帯主は分離する人の中から選んでください。", field="new_head_person_no")
    rels = _relationships(persons, relationships)
    rels[new_head_person_no] = HEAD
    missing = [p.person_no for p in persons if p.person_no not in rels]
    if missing:
        raise ValidationFailed(f"宛名番号 {', '.join(map(str, missing))} の新しい世帯での続柄を入力してください。",
                               field="relationships")
    addr = _address(address) if address else {k: getattr(old, k) for k in
                                              ("address", "address_extra", "address_code", "district", "postal_code")}
    new = new_household(addr["address"])
    head = next(p for p in persons if p.person_no == new_head_person_no)
    changes = [Change("household", new, {**addr, "status": "active", "head_id": head.pk})]
    for order, p in enumerate(persons, start=1):
        values: dict[str, Any] = {"household_id": new.pk, "relationship": rels[p.person_no], "household_order": order,
                                  "notified_on": notified}
        if address:
            values.update(_addr_values(addr, eff))
            values["previous_address"] = f"{p.address}{p.address_extra}"[:200]
        changes.append(Change("person", p, values))
    if old.head_id in {p.pk for p in persons}:
        if remaining_head_person_no not in [m.person_no for m in remaining]:
            raise ValidationFailed("元の世帯に残る世帯員から新しい世帯主を指定してください。", field="remaining_head_person_no")
        rem_rels = _relationships(remaining, remaining_relationships)
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
    moving = _residents_of(source)
    rels = _relationships(moving, relationships)
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
            values.update(_addr_values(addr, eff))
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
    members = _residents_of(household)
    head = next((m for m in members if m.person_no == int(new_head_person_no)), None)
    if head is None:
        raise ValidationFailed("新しい世帯主はこの世帯の世帯員から選んでください。", field="new_head_person_no")
    if head.pk == household.head_id:
        raise ValidationFailed("指定した人は既に世帯主です。", field="new_head_person_no")
    rels = _relationships(members, relationships)
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
    members = _residents_of(household)
    rels = _relationships(members, relationships)
    if not rels:
        raise ValidationFailed("変更する続柄を入力してください。", field="relationships")
    changes = [Change("person", m, {"relationship": rels[m.person_no]}) for m in members if m.person_no in rels]
    return apply_event(EventKind.COMPOSITION_CHANGE, effective_on=eff, notified_on=notified, changes=changes,
                       versions=versions, reason=reason)


# --- 修正・番号・外国人住民 -------------------------------------------------------------------------

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
        eff = _date(effective_on, "effective_on", "異動日") if effective_on else timezone.localdate()
    return apply_event(kind, effective_on=eff, notified_on=None, changes=[Change("person", person, values)],
                       reason=reason, corrects=corrects, versions=versions)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def change_individual_number(*, person_no: int, individual_number: str, effective_on: Any,
                             versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    person = get_person(person_no)
    _resident(person)
    values = person_items({"individual_number": individual_number}, new=False)
    return apply_event(EventKind.INDIVIDUAL_NUMBER_CHANGE, effective_on=_date(effective_on, "effective_on", "異動日"),
                       notified_on=None, changes=[Change("person", person, values)], versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def change_resident_code(*, person_no: int, resident_code: str, effective_on: Any,
                         versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    person = get_person(person_no)
    _resident(person)
    values = person_items({"resident_code": resident_code}, new=False)
    return apply_event(EventKind.RESIDENT_CODE_CHANGE, effective_on=_date(effective_on, "effective_on", "異動日"),
                       notified_on=None, changes=[Change("person", person, values)], versions=versions, reason=reason)


def _foreign(person: Person) -> None:
    _resident(person)
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
    return apply_event(kind, effective_on=_date(effective_on, "effective_on", "異動日"), notified_on=None,
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
    for item in _FOREIGN_ITEMS:
        values.setdefault(item, None if item in ("stay_expires_on", "became_foreign_resident_on") else "")
    return apply_event(EventKind.NATURALIZATION, effective_on=_date(effective_on, "effective_on", "異動日"),
                       notified_on=None, changes=[Change("person", person, values)], versions=versions, reason=reason)


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def nationality_loss(*, person_no: int, foreign: Mapping[str, Any], effective_on: Any,
                     versions: dict[int, int] | None = None, reason: str = "") -> EventResult:
    """国籍喪失: a Japanese resident becomes a foreign resident."""
    person = get_person(person_no)
    _resident(person)
    if person.resident_type != ResidentType.JAPANESE:
        raise ValidationFailed(f"宛名番号 {person.person_no} は日本人住民ではありません。", field="person_no")
    eff = _date(effective_on, "effective_on", "異動日")
    values = person_items({**foreign, "resident_type": ResidentType.FOREIGN}, new=False)
    for required, label in (("alphabet_name", "氏名（アルファベット）"), ("nationality", "国籍・地域"),
                            ("foreign_category", "外国人住民の区分")):
        if not values.get(required):
            raise ValidationFailed(f"{label}を入力してください。", field=required)
    values.update({item: "" for item in _JAPANESE_ONLY})
    values["became_foreign_resident_on"] = eff
    return apply_event(EventKind.NATIONALITY_LOSS, effective_on=eff, notified_on=None,
                       changes=[Change("person", person, values)], versions=versions, reason=reason)


# --- 異動の取消し ---------------------------------------------------------------------------------


@transaction.atomic
def cancel_event(*, event_id: int, reason: str) -> EventResult:
    """異動の取消し: the cancellation is itself an event. Only the latest live event of each person it
    touched can be cancelled, so nothing recorded later stands on it."""
    if not reason.strip():
        raise ValidationFailed("取消しの理由を入力してください。", field="reason")
    event = RegistryEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound("取り消す異動がありません。")
    if event.kind == EventKind.CANCELLATION:
        raise ValidationFailed("取消しの異動は取り消せません。", field="event_id")
    if event.cancellations.exists():
        raise Conflict("この異動は既に取り消されています。")
    persons = list(Person.objects.filter(event_links__event=event).distinct())
    for p in persons:
        later = (RegistryEvent.objects.filter(subjects__person=p, cancellations__isnull=True)
                 .exclude(kind=EventKind.CANCELLATION).exclude(pk=event.pk)
                 .filter(processed_at__gt=event.processed_at).exists())
        if later:
            raise ValidationFailed(
                f"宛名番号 {p.person_no} にはこの異動より後の異動があるため取り消せません。後の異動から取り消してください。",
                field="event_id")
    return apply_event(EventKind.CANCELLATION, effective_on=event.effective_on, notified_on=None, changes=[],
                       reason=reason, cancels=event, extra_persons=persons)
