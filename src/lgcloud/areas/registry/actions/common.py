"""What the 異動 services share: validating plain input (dates, a person's items, an address,
続柄) and loading the persons and households they act on."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Any

import jaconv
from django.utils import timezone

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.codes import RESIDENCE_STATUSES
from lgcloud.areas.registry.dates import PartialDate, Precision
from lgcloud.areas.registry.models import (
    EventKind,
    ForeignCategory,
    Household,
    Person,
    ResidentType,
    Sex,
    Status,
)
from lgcloud.areas.registry.normalize import normalize
from lgcloud.areas.registry.relationships import validate_relationship
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.db import fixed
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
FOREIGN_ITEMS = ("alphabet_name", "alias", "alias_kana", "nationality", "foreign_category", "residence_status",
                  "period_of_stay", "stay_expires_on", "residence_card_number", "became_foreign_resident_on")
JAPANESE_ONLY = ("registered_domicile", "domicile_head")


# --- validation helpers ----------------------------------------------------------------------


def iso_date(value: Any, field: str, label: str) -> dt.date:
    """A date given as a date or as text (西暦 2026-04-01, or 和暦 令和8年4月1日・R8.4.1)."""
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(f"{label}を入力してください。", field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_japanese_date(text)
    except ValueError:
        raise ValidationFailed(f"{label}「{value}」は YYYY-MM-DD（または 令和8年4月1日）の形式で入力してください。",
                               field=field) from None


def check_dates(kind: str, effective_on: Any, notified_on: Any) -> tuple[dt.date, dt.date]:
    """異動日 and 届出日: nothing in the future beyond what the law allows."""
    eff = iso_date(effective_on, "effective_on", "異動日")
    notified = iso_date(notified_on, "notified_on", "届出日")
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


def _emoji(ch: str) -> bool:
    """Pictographs (emoji): no certificate font prints them (文字情報基盤 has none)."""
    o = ord(ch)
    return (0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF) and unicodedata.category(ch) == "So"


def clean_text(value: Any, field: str, label: str = "") -> str:
    """Refuse characters a register must never store: control characters (NUL, BEL …), bidirectional
    overrides and other invisible format characters (the zero-width joiner too: emoji are refused), emoji, and
    private-use code points (外字 need a mapping). Variation selectors (IVS) are not format characters: kept."""
    text = str(value or "").strip()
    for ch in text:
        category = unicodedata.category(ch)
        if _emoji(ch):
            raise ValidationFailed(f"{label or field}に絵文字（{ch} U+{ord(ch):04X}）は使えません。", field=field)
        if category == "Co":
            raise ValidationFailed(f"{label or field}に外字（私用領域の文字 U+{ord(ch):04X}）は使えません。"
                                   "標準の文字か異体字セレクタ付きの文字で入力してください。", field=field)
        if category in ("Cc", "Cf"):
            raise ValidationFailed(f"{label or field}に制御文字（U+{ord(ch):04X}）は使えません。", field=field)
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
            value = clean_text(data[name], name)
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
            out[name] = iso_date(data[name], name, label)
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


def same_person_resident(items: dict[str, Any], on: dt.date | None = None) -> Person | None:
    """A resident with the same name and birth date (the 転入 of someone already resident): now, or — given
    `on` — a removed record that was still resident on that day (its residence would overlap)."""
    name = normalize((items.get("family_name") or "") + (items.get("given_name") or "")) or normalize(
        items.get("alphabet_name"))
    if not name or not items.get("birth_date"):
        return None
    same = Person.objects.filter(search_name=name, birth_date=items["birth_date"])
    found = same.filter(status=Status.RESIDENT).first()
    if found is None and on is not None:
        found = (same.filter(status=Status.REMOVED, removed_on__gt=on, became_resident_on__lte=on)
                 .exclude(removal_reason="").first())
    return found


def address_items(data: Mapping[str, Any]) -> dict[str, str]:
    address = clean_text(data.get("address"), "address", "住所")
    if not address:
        raise ValidationFailed("住所を入力してください。", field="address")
    if len(address) > 200:
        raise ValidationFailed(f"住所は200文字以内で入力してください（{len(address)}文字）。", field="address")
    out = {"address": address}
    for name, limit in (("address_extra", 200), ("address_code", 20), ("district", 40), ("postal_code", 8)):
        value = clean_text(data.get(name), name, "方書" if name == "address_extra" else name)
        if len(value) > limit:
            label = {"address_extra": "方書", "address_code": "住所コード", "district": "地区", "postal_code": "郵便番号"}[name]
            raise ValidationFailed(f"{label}は{limit}文字以内で入力してください。", field=name)
        out[name] = value
    return out


def require_resident(person: Person, field: str = "person") -> None:
    if person.status != Status.RESIDENT:
        raise ValidationFailed(f"宛名番号 {person.person_no} は住民ではありません（{person.get_status_display()}）。",
                               field=field)


def get_person(person_no: int) -> Person:
    person = Person.objects.filter(person_no=person_no).first()
    if person is None:
        raise NotFound(f"宛名番号 {person_no} の住民票はありません。")
    return person


def get_household(household_no: int) -> Household:
    found = fixed.select(Household, "{t}.household_no = %s", [household_no])
    household = found[0] if found else None
    if household is None:
        raise NotFound(f"世帯番号 {household_no} の世帯はありません。")
    return household


def residents_of(household: Household, *, lock: bool = False) -> list[Person]:
    """The household's residents in household order; `lock`: read FOR UPDATE (in pk order, the order apply_event
    locks in), so apply_event can take them as `locked` instead of reading them again."""
    if not lock:
        return list(household.members.filter(status=Status.RESIDENT).order_by("household_order", "person_no"))
    found = fixed.select(Person, "{t}.household_id = %s AND {t}.status = %s", [household.pk, Status.RESIDENT],
                         order_by="{t}.id", for_update=True)
    return sorted(found, key=lambda p: (p.household_order, p.person_no))


def validated_relationships(household_members: list[Person], relationships: Mapping[int, str] | None) -> dict[int, str]:
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


def address_values(addr: Mapping[str, str], on: dt.date) -> dict[str, Any]:
    return {**addr, "address_set_on": on, "address_set_precision": Precision.DAY}
