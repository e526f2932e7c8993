"""What a certificate says: the cells of each person (氏名, 生年月日, 住所を定めた年月日, 在留資格…, as chosen), the
history lines, the household header, the 認証文 and the title — from the record as it stood on the date asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lgcloud.areas.registry import crypto, display, engine_asof
from lgcloud.areas.registry.certificates.codes import REMOVED_KINDS, TITLES
from lgcloud.areas.registry.certificates.request import Prepared
from lgcloud.areas.registry.dates import PartialDate, Precision
from lgcloud.areas.registry.models import (
    CertificateKind,
    CertificateLayout,
    EventKind,
    ForeignCategory,
    Household,
    Person,
    PersonSnapshot,
    RegistryEvent,
    ResidentType,
    Sex,
    Status,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.documents.pdf import Cell
from lgcloud.platform.tenancy.models import Municipality


def _partial(value: dt.date | None, precision: str) -> str:
    if value is None and precision != Precision.UNKNOWN:
        return ""
    return PartialDate(value, precision).display()


def _western(value: dt.date | None, precision: str) -> str:
    """西暦 with the same precision wording as PartialDate.display (foreign residents' birth dates)."""
    if value is None:
        return "不詳" if precision == Precision.UNKNOWN else ""
    if precision == Precision.MONTH:
        return f"{value.year}年{value.month}月日不詳"
    if precision == Precision.YEAR:
        return f"{value.year}年月日不詳"
    if precision == Precision.APPROXIMATE:
        return f"{value.year}年頃"
    return f"{value.year}年{value.month}月{value.day}日"


def _name(state: Mapping[str, Any]) -> str:
    kanji = f"{state['family_name']}　{state['given_name']}".strip("　")
    if state["resident_type"] == ResidentType.FOREIGN and state["alphabet_name"]:
        return f"{state['alphabet_name']}　{kanji}".strip("　")
    return kanji or state["alphabet_name"]


def _kana(state: Mapping[str, Any]) -> str:
    # An 振り仮名 not yet certified (記載) is printed masked, as the standard requires.
    if not state["kana_certified"]:
        return "********"
    return f"{state['family_name_kana']}　{state['given_name_kana']}".strip("　")


def _label(choices: type[Any], value: str) -> str:
    return str(dict(choices.choices).get(value, value or ""))


class Heads:
    """世帯主 names, looked up once per household and date."""

    def __init__(self, on: dt.date | None) -> None:
        self.on = on
        self.cache: dict[tuple[int, dt.date | None], str] = {}

    def name(self, state: Mapping[str, Any]) -> str:
        if state["relationship"] == HEAD:
            return _name(state)
        hid = state["household_id"]
        if not hid:
            return ""
        day = self.on
        if state["status"] == Status.REMOVED and state["removed_on"]:
            before = state["removed_on"] - dt.timedelta(days=1)
            day = min(day, before) if day else before
        key = (hid, day)
        if key not in self.cache:
            self.cache[key] = self._lookup(hid, day)
        return self.cache[key]

    @staticmethod
    def _lookup(hid: int, day: dt.date | None) -> str:
        if day is None:
            head = Person.objects.filter(household_id=hid, status=Status.RESIDENT, relationship=HEAD).first()
            return head.full_name if head else ""
        household = Household.objects.filter(pk=hid).first()
        if household is None:
            return ""
        _items, members = engine_asof.household_as_of(household, day)
        return next((_name(m) for m in members if m["relationship"] == HEAD), "")


def person_cells(state: Mapping[str, Any], kind: str, options: Mapping[str, bool],
                  municipality: Municipality, past: Past) -> list[Cell]:
    foreign = state["resident_type"] == ResidentType.FOREIGN
    birth = (_western if foreign else _partial)(state["birth_date"], state["birth_date_precision"])
    cells = [
        Cell("氏名", _name(state), wide=True, big=True, mj=True),
        Cell("フリガナ", _kana(state), wide=True),
        Cell("生年月日", birth),
        Cell("性別", _label(Sex, state["sex"])),
    ]
    if options["household_head"]:
        cells.append(Cell("続柄", state["relationship"]))
    cells += [
        Cell("住民となった年月日", _partial(state["became_resident_on"], state["became_resident_precision"])),
        Cell("住所を定めた年月日", _partial(state["address_set_on"], state["address_set_precision"])),
        Cell("届出年月日", format_wareki(state["notified_on"])),
        Cell("転入前住所", past.moved_in_from, wide=True, mj=True),
    ]
    if past.moved_from:
        cells.append(Cell("異動前住所", past.moved_from, wide=True, mj=True))
    if foreign:
        cells += [
            Cell("外国人住民となった年月日", format_wareki(state["became_foreign_resident_on"])),
            Cell("外国人住民の区分", _label(ForeignCategory, state["foreign_category"])),
        ]
        if options["nationality"]:
            cells.append(Cell("国籍・地域", state["nationality"]))
        if options["residence_status"] and state["foreign_category"] == ForeignCategory.MID_LONG_TERM:
            cells.append(Cell("在留資格", state["residence_status"]))
        if options["period_of_stay"] and state["period_of_stay"]:
            cells.append(Cell("在留期間", state["period_of_stay"]))
        if options["stay_expires_on"] and state["stay_expires_on"]:
            cells.append(Cell("在留期間の満了日", format_wareki(state["stay_expires_on"])))
        if options["residence_card_number"]:
            label = ("特別永住者証明書番号" if state["foreign_category"] == ForeignCategory.SPECIAL_PERMANENT
                     else "在留カード等番号")
            cells.append(Cell(label, state["residence_card_number"]))
        if options["alias"] and state["alias"]:
            cells.append(Cell("通称", state["alias"], mj=True))
    elif options["registered_domicile"]:
        cells += [Cell("本籍", state["registered_domicile"], wide=True, mj=True),
                  Cell("筆頭者", state["domicile_head"], mj=True)]
    if options["resident_code"]:
        cells.append(Cell("住民票コード", state["resident_code"]))
    if options["individual_number"]:
        enc = state["individual_number_enc"]
        cells.append(Cell("個人番号", crypto.decrypt(municipality.code, enc) if enc else ""))
    if kind in REMOVED_KINDS:
        reason = state["removal_reason"]
        if state["move_out_state"] == "planned":
            reason += "（予定）"
        removed = (_partial(state["death_date"], state["death_date_precision"]) if state["removal_reason"] == "死亡"
                   else format_wareki(state["removed_on"]))
        cells += [Cell("消除事由", reason), Cell("消除日", removed)]
        if state["moved_to"]:
            cells.append(Cell("転出先", state["moved_to"], wide=True, mj=True))
    return cells


# The items a certificate's 異動の履歴 shows changing, each with the option that must be on (None: always).
_HISTORY_ITEMS: dict[str, str | None] = {
    "family_name": None, "given_name": None, "family_name_kana": None, "given_name_kana": None,
    "alphabet_name": None, "address": None, "address_extra": None, "relationship": "household_head",
    "registered_domicile": "registered_domicile", "domicile_head": "registered_domicile", "alias": "alias",
    "nationality": "nationality", "residence_status": "residence_status", "period_of_stay": "period_of_stay",
    "stay_expires_on": "stay_expires_on", "residence_card_number": "residence_card_number",
}


_MOVE_IN_KINDS = {EventKind.MOVE_IN, EventKind.MOVE_IN_FROM_ABROAD, EventKind.RE_MOVE_IN}


@dataclass
class Past:
    """What a certificate needs of a person's 履歴: 転入前住所, 異動前住所, and the 異動 lines."""

    moved_in_from: str
    moved_from: str
    lines: list[Cell]


def past_of(person: Person, state: Mapping[str, Any], on: dt.date | None, options: Mapping[str, bool]) -> Past:
    """From the snapshots up to `on`: 転入前住所 (set by the last 転入), 異動前住所 (the address before the last
    move since then), and one line per 異動 with what changed (only items the certificate carries)."""
    snapshots = [s for s in PersonSnapshot.objects.filter(person=person).select_related("event").order_by("history_no")
                 if on is None or s.effective_on <= on]
    cancelled = set(RegistryEvent.objects.filter(cancels_id__in=[s.event_id for s in snapshots])
                    .values_list("cancels_id", flat=True))
    shown = [name for name, option in _HISTORY_ITEMS.items() if option is None or options[option]]
    result = Past(str(state.get("previous_address") or ""), "", [])
    previous: Mapping[str, Any] | None = None
    for snap in snapshots:
        ev = snap.event
        live = ev.pk not in cancelled
        if live and (previous is None or ev.kind in _MOVE_IN_KINDS):
            result.moved_in_from, result.moved_from = str(snap.data.get("previous_address") or ""), ""
        elif live and previous is not None:
            before = f"{previous.get('address') or ''}　{previous.get('address_extra') or ''}".strip("　")
            if before and before != f"{snap.data.get('address') or ''}　{snap.data.get('address_extra') or ''}".strip("　"):
                result.moved_from = before
        changes = [] if previous is None else [
            f"{display.label_of(name)}「{old}」→「{new}」" for name in shown
            if (old := display.value_text(name, previous)) != (new := display.value_text(name, snap.data))]
        text = f"{format_wareki(ev.effective_on)}　{EventKind(ev.kind).label}"
        if ev.notified_on:
            text += f"（届出 {format_wareki(ev.notified_on)}）"
        if not live:
            text += "［取消］"
        if changes:
            text += "　" + "、".join(changes)
        result.lines.append(Cell(f"履歴{snap.history_no}", text, wide=True, mj=True))
        if live:
            previous = snap.data
    return result


def header_cells(state: Mapping[str, Any], options: Mapping[str, bool], heads: Heads) -> list[Cell]:
    cells = [Cell("住所", state["address"], wide=True, mj=True)]
    if state["address_extra"]:
        cells.append(Cell("方書", state["address_extra"], wide=True, mj=True))
    if options["household_head"]:
        cells.append(Cell("世帯主", heads.name(state), wide=True, mj=True))
    return cells


def certification_of(req: Prepared) -> str:
    if req.kind == CertificateKind.ENTRY:
        return "上記の事項は、住民票の記載事項と相違ないことを証明する。"
    if req.kind == CertificateKind.REMOVED_ENTRY:
        return "上記の事項は、除票の記載事項と相違ないことを証明する。"
    if req.kind == CertificateKind.REMOVED_RECORD:
        return "この写しは、除票の原本と相違ないことを証明する。"
    if req.whole_household:
        return "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
    return "この写しは、住民票の原本と相違ないことを証明する。"


def title_of(req: Prepared) -> str:
    title = TITLES[CertificateKind(req.kind)]
    if req.layout == CertificateLayout.HOUSEHOLD and req.kind == CertificateKind.RESIDENCE:
        title += "（世帯全員）" if req.whole_household else "（世帯の一部）"
    return title
