"""異動届の画面's forms: who a 異動 is about (the context), and one builder per 異動 turning the posted form
into the service's keyword arguments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lgcloud.areas.registry import reading
from lgcloud.areas.registry.forms import (
    FOREIGN_ITEMS,
    PersonRowForm,
    RegistryForm,
)
from lgcloud.areas.registry.models import EventKind, TransferMessage
from lgcloud.platform.common.errors import ValidationFailed

MAX_ROWS = 12
DATES = ("effective_on", "notified_on")
ADDRESS = ("address", "address_extra", "postal_code", "district", "address_code")


# --- parsing helpers ------------------------------------------------------------------------------


def _date(form: RegistryForm, name: str) -> str:
    label = str(form.fields[name].label) if name in form.fields else name
    day = reading.parse_date(form.raw(name), name, label)
    return day.isoformat() if day else ""


def _int(form: RegistryForm, name: str) -> int | None:
    raw = form.raw(name)
    if not raw:
        return None
    text = raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text.isdigit():
        label = form.fields[name].label if name in form.fields else name
        raise ValidationFailed(f"{label}は数字で入力してください。", field=name)
    return int(text)


def _ints(form: RegistryForm, name: str) -> list[int]:
    return [int(v) for v in form.raw_list(name) if v.isdigit()]


def _address(form: RegistryForm) -> dict[str, str]:
    return {name: form.raw(name) for name in ADDRESS}


def _rels(form: RegistryForm, numbers: Sequence[int]) -> dict[int, str]:
    return {n: form.raw(f"rel_{n}") for n in numbers if form.raw(f"rel_{n}")}


def _versions(form: RegistryForm) -> dict[int, int] | None:
    seen = {}
    for key in form.data if form.is_bound else ():
        if key.startswith("version_") and key[8:].isdigit() and str(form.data[key]).isdigit():
            seen[int(key[8:])] = int(form.data[key])
    return reading.versions_by_pk(seen)


def _items(form: RegistryForm, names: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        if name == "kana_certified":
            out[name] = form.flag(name)
        elif name in ("birth_date", "stay_expires_on"):
            if form.raw(name):
                out[name] = _date(form, name)
        elif form.raw(name):
            out[name] = form.raw(name)
    return out


# --- the forms' context: who the 異動 is about -------------------------------------------------------


@dataclass
class Member:
    person_no: int
    name: str
    kana: str
    birth: str
    sex: str
    relationship: str
    version: str
    picked: bool = False
    rel_value: str = ""
    subject: bool = False  # the person the 異動 is about (on a person's form): not offered as new head


@dataclass
class Context:
    household: reading.HouseholdFile | None = None
    person: reading.PersonFile | None = None
    message: TransferMessage | None = None
    members: list[Member] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)

    @property
    def member_numbers(self) -> list[int]:
        return [m.person_no for m in self.members]


@dataclass
class Ctx:
    """What a builder reads: the request's form, the context and the person rows."""

    form: RegistryForm
    context: Context
    rows: list[PersonRowForm]


# --- the builders: form → the service's keyword arguments ---------------------------------------------


def _dates(form: RegistryForm, *names: str) -> dict[str, str]:
    return {n: _date(form, n) for n in (names or DATES)}


def _common(c: Ctx, *, versions: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"reason": c.form.raw("reason")}
    if versions:
        out["versions"] = _versions(c.form)
    return out


def _household_no(c: Ctx) -> int:
    assert c.context.household is not None
    return c.context.household.household.household_no


def _person_no(c: Ctx) -> int:
    assert c.context.person is not None
    return c.context.person.person.person_no


def row_items(row: PersonRowForm) -> dict[str, Any]:
    items = row.items()
    for name in ("birth_date", "stay_expires_on"):
        if name in items:
            items[name] = _date(row, name)
    return items


MOVE_IN_KINDS = (EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN)


def check_move_in_kind(kind: str | None) -> None:
    if kind and kind not in MOVE_IN_KINDS:
        allowed = "、".join(f"{k.label}（{k.value}）" for k in MOVE_IN_KINDS)
        raise ValidationFailed(f"転入の種別は {allowed} のいずれかです。", field="kind")


def build_move_in(c: Ctx) -> dict[str, Any]:
    persons, returning = [], {}
    for row in c.rows:
        if row.blank():
            continue
        if row.raw("re_person_no"):
            returning[_int(row, "re_person_no") or 0] = {"relationship": row.raw("relationship")}
            continue
        persons.append(row_items(row))
    kwargs: dict[str, Any] = {
        "persons": persons, "address": _address(c.form), **_dates(c.form),
        "household_no": _int(c.form, "household_no"), "reason": c.form.raw("reason"),
    }
    if returning:
        kwargs["re_move_in"] = returning
    if "move_in_kind" in c.form.fields and c.form.raw("move_in_kind"):
        check_move_in_kind(c.form.raw("move_in_kind"))
        kwargs["kind"] = c.form.raw("move_in_kind")
    if c.form.raw("previous_address") or "move_in_kind" in c.form.fields:
        kwargs["previous_address"] = c.form.raw("previous_address")
    return kwargs


def build_move_in_from_certificate(c: Ctx) -> dict[str, Any]:
    assert c.context.message is not None
    return {"message_id": c.context.message.pk, "address": _address(c.form), **_dates(c.form),
            "household_no": _int(c.form, "household_no"), "relationships": _rels(c.form, c.context.member_numbers)}


def build_move_within(c: Ctx) -> dict[str, Any]:
    return {"household_no": _household_no(c), "address": _address(c.form), **_dates(c.form), **_common(c)}


def build_move_out(c: Ctx) -> dict[str, Any]:
    leaving = _ints(c.form, "person_nos")
    staying = [n for n in c.context.member_numbers if n not in leaving]
    return {"person_nos": leaving, "destination": c.form.raw("destination"),
            "destination_code": c.form.raw("destination_code") or None, **_dates(c.form),
            "new_head_person_no": _int(c.form, "new_head_person_no"), "relationships": _rels(c.form, staying),
            **_common(c)}


def build_household_split(c: Ctx) -> dict[str, Any]:
    moving = _ints(c.form, "person_nos")
    staying = [n for n in c.context.member_numbers if n not in moving]
    address = _address(c.form)
    return {"person_nos": moving, "new_head_person_no": _int(c.form, "new_head_person_no"),
            "address": address if address["address"] else None, "relationships": _rels(c.form, moving),
            "remaining_head_person_no": _int(c.form, "remaining_head_person_no"),
            "remaining_relationships": _rels(c.form, staying), **_dates(c.form), **_common(c)}


def build_household_merge(c: Ctx) -> dict[str, Any]:
    return {"from_household_no": _household_no(c), "into_household_no": _int(c.form, "into_household_no"),
            "relationships": _rels(c.form, c.context.member_numbers), **_dates(c.form), **_common(c)}


def build_head_change(c: Ctx) -> dict[str, Any]:
    return {"household_no": _household_no(c), "new_head_person_no": _int(c.form, "new_head_person_no"),
            "relationships": _rels(c.form, c.context.member_numbers), **_dates(c.form), **_common(c)}


def build_composition_change(c: Ctx) -> dict[str, Any]:
    return {"household_no": _household_no(c), "relationships": _rels(c.form, c.context.member_numbers),
            **_dates(c.form), **_common(c)}


BIRTH_ITEMS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "kana_certified", "sex",
               "relationship", "resident_type", "registered_domicile", "domicile_head", "individual_number",
               "resident_code", *FOREIGN_ITEMS)


def build_birth(c: Ctx) -> dict[str, Any]:
    return {"child": _items(c.form, [n for n in BIRTH_ITEMS if n in c.form.fields]),
            "household_no": _household_no(c), **_dates(c.form),
            "mother_person_no": _int(c.form, "mother_person_no"), "reason": c.form.raw("reason")}


def _others(c: Ctx) -> list[int]:
    person = _person_no(c)
    return [n for n in c.context.member_numbers if n != person]


def build_death(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "death_date": _date(c.form, "death_date"),
            "death_date_precision": c.form.raw("death_date_precision") or "day",
            "notified_on": _date(c.form, "notified_on"), "new_head_person_no": _int(c.form, "new_head_person_no"),
            "relationships": _rels(c.form, _others(c)), **_common(c)}


def build_disappearance(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), **_dates(c.form, "declared_on", "notified_on"),
            "new_head_person_no": _int(c.form, "new_head_person_no"), "relationships": _rels(c.form, _others(c)),
            **_common(c, versions=False)}


def build_ex_officio_removal(c: Ctx) -> dict[str, Any]:
    removed = _ints(c.form, "person_nos")
    staying = [n for n in c.context.member_numbers if n not in removed]
    return {"person_nos": removed, **_dates(c.form, "effective_on"), "reason": c.form.raw("reason"),
            "new_head_person_no": _int(c.form, "new_head_person_no"), "relationships": _rels(c.form, staying)}


CORRECTION_ITEMS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "former_family_name",
                    "birth_date", "birth_date_precision", "sex", "registered_domicile", "domicile_head",
                    "alphabet_name", "alias", "nationality", "residence_card_number")


def build_correction(c: Ctx) -> dict[str, Any]:
    items = _items(c.form, [n for n in CORRECTION_ITEMS if n != "birth_date_precision"])
    if c.form.raw("birth_date_precision"):
        items["birth_date_precision"] = c.form.raw("birth_date_precision")
    return {"kind": c.form.raw("correction_kind"), "person_no": _person_no(c), "items": items,
            "reason": c.form.raw("reason"), "corrects_event_id": _int(c.form, "corrects_event_id"),
            "effective_on": _date(c.form, "correction_on") or None, "versions": _versions(c.form)}


def build_individual_number(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "individual_number": c.form.raw("individual_number"),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_resident_code(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "resident_code": c.form.raw("resident_code"),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_residence_status(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "residence_status": c.form.raw("residence_status"),
            "period_of_stay": c.form.raw("period_of_stay"), "stay_expires_on": _date(c.form, "stay_expires_on"),
            "residence_card_number": c.form.raw("residence_card_number"), "renewal": c.form.flag("renewal"),
            **_dates(c.form, "effective_on"), **_common(c)}


NATURALIZATION_ITEMS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "registered_domicile",
                        "domicile_head")


def build_naturalization(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "japanese": _items(c.form, NATURALIZATION_ITEMS),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_nationality_loss(c: Ctx) -> dict[str, Any]:
    return {"person_no": _person_no(c), "foreign": _items(c.form, FOREIGN_ITEMS),
            **_dates(c.form, "effective_on"), **_common(c)}


def build_cancellation(c: Ctx) -> dict[str, Any]:
    return {"event_id": _int(c.form, "event_id"), "reason": c.form.raw("reason")}


