"""How registry items read on screen: 和暦 for Japanese residents' dates, 西暦 for foreign residents' birth
dates, labels for codes, the 個人番号 masked, and what changed between two history snapshots.

Pure presentation: values in (a Person's items or an as-of state dict), text out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.dates import PartialDate, Precision
from lgcloud.areas.registry.engine import PERSON_ITEMS
from lgcloud.areas.registry.models import (
    EventKind,
    ForeignCategory,
    MoveOutState,
    Person,
    PersonSnapshot,
    ResidentType,
    Sex,
    Status,
)
from lgcloud.platform.common.wareki import format_wareki

# Dates that may be partly unknown, with the item holding their precision.
PRECISION_OF = {
    "birth_date": "birth_date_precision",
    "became_resident_on": "became_resident_precision",
    "address_set_on": "address_set_precision",
    "death_date": "death_date_precision",
}
# Dates of foreign residents held and shown in 西暦 (as on the 在留カード).
WESTERN_FOR_FOREIGN = {"birth_date", "stay_expires_on"}
_CHOICES: dict[str, dict[str, str]] = {
    "sex": dict(Sex.choices),
    "status": dict(Status.choices),
    "resident_type": dict(ResidentType.choices),
    "foreign_category": dict(ForeignCategory.choices),
    "move_out_state": dict(MoveOutState.choices),
}
_FLAGS = {"electoral_registered": ("有", "無"), "kana_certified": ("記載済み", "未記載")}
# Internal or folded into another item: never a row of their own.
_HIDDEN = {"id", "household_order", "individual_number_enc", "individual_number_hash", "person_no",
           *PRECISION_OF.values()}
NUMBER_LABEL = "個人番号"


def western(value: dt.date | None, precision: str = Precision.DAY) -> str:
    if value is None:
        return "不詳" if precision == Precision.UNKNOWN else ""
    if precision == Precision.MONTH:
        return f"{value.year}年{value.month}月日不詳"
    if precision == Precision.YEAR:
        return f"{value.year}年月日不詳"
    if precision == Precision.APPROXIMATE:
        return f"{value.year}年頃"
    return f"{value.year}年{value.month}月{value.day}日"


def wareki(value: dt.date | None, precision: str = Precision.DAY) -> str:
    if value is None and precision != Precision.UNKNOWN:
        return ""
    return PartialDate(value, precision).display()


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) or value is None:
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def date_item(state: Mapping[str, Any], name: str) -> str:
    """A date item of a person as the clerk reads it."""
    value = _as_date(state.get(name))
    precision = str(state.get(PRECISION_OF.get(name, ""), Precision.DAY) or Precision.DAY)
    if name in WESTERN_FOR_FOREIGN and state.get("resident_type") == ResidentType.FOREIGN:
        return western(value, precision)
    return wareki(value, precision)


def birth_text(state: Mapping[str, Any] | Person) -> str:
    return date_item(as_state(state), "birth_date")


def masked_number(state: Mapping[str, Any]) -> str:
    last4 = state.get("individual_number_last4") or ""
    return crypto.mask("0" * 8 + last4) if last4 else ""


def name_text(state: Mapping[str, Any]) -> str:
    kanji = f"{state.get('family_name') or ''}　{state.get('given_name') or ''}".strip("　")
    alphabet = state.get("alphabet_name") or ""
    if state.get("resident_type") == ResidentType.FOREIGN and alphabet:
        return f"{alphabet}（{kanji}）" if kanji else alphabet
    return kanji or alphabet


def kana_text(state: Mapping[str, Any]) -> str:
    return f"{state.get('family_name_kana') or ''}　{state.get('given_name_kana') or ''}".strip("　")


def as_state(obj: Mapping[str, Any] | Person) -> Mapping[str, Any]:
    """A Person's items as a state dict (what an as-of read gives), so both display alike."""
    if isinstance(obj, Person):
        return {k: getattr(obj, k) for k in (*PERSON_ITEMS, "person_no")}
    return obj


def label_of(name: str) -> str:
    if name in ("individual_number_last4", "individual_number"):
        return NUMBER_LABEL
    if name == "household_id":
        return "世帯番号"
    field = Person._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def value_text(name: str, state: Mapping[str, Any], households: Mapping[int, int] | None = None) -> str:
    value = state.get(name)
    if name in PRECISION_OF or name in ("notified_on", "removed_on", "stay_expires_on", "became_foreign_resident_on"):
        return date_item(state, name)
    if name in _CHOICES:
        return _CHOICES[name].get(str(value or ""), str(value or ""))
    if name in _FLAGS:
        return _FLAGS[name][0 if value else 1]
    if name == "individual_number_last4":
        return masked_number(state)
    if name == "household_id":
        return str((households or {}).get(value, "")) if value else ""
    if name == "benefits":
        return "、".join(f"{k}: {v}" for k, v in (value or {}).items())
    return "" if value is None else str(value)


# The order of the items on the person page; foreign-only and removal items appear when they apply.
_BASIC = ["family_name", "given_name", "family_name_kana", "given_name_kana", "kana_certified",
          "former_family_name", "former_family_name_kana", "birth_date", "sex", "relationship"]
_FOREIGN = ["alphabet_name", "alias", "alias_kana", "nationality", "foreign_category", "residence_status",
            "period_of_stay", "stay_expires_on", "residence_card_number", "became_foreign_resident_on"]
_JAPANESE = ["registered_domicile", "domicile_head"]
_RESIDENCE = ["became_resident_on", "address", "address_extra", "postal_code", "district", "address_code",
              "address_set_on", "notified_on", "previous_address"]
_NUMBERS = ["individual_number_last4", "resident_code", "electoral_registered"]
_REMOVAL = ["removal_reason", "removed_on", "moved_to", "move_out_state", "death_date"]


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)


def person_sections(state: Mapping[str, Any], *, households: Mapping[int, int] | None = None,
                    head_name: str = "") -> list[Section]:
    """The items of a person (current or as of a date) in labelled sections."""
    foreign = state.get("resident_type") == ResidentType.FOREIGN

    def rows(names: list[str], keep_empty: bool = True) -> list[tuple[str, str]]:
        out = []
        for n in names:
            text = value_text(n, state, households)
            if text or keep_empty:
                out.append((label_of(n), text))
        return out

    basic = Section("基本事項", [("住民状態", value_text("status", state)),
                                ("住民種別", value_text("resident_type", state))])
    basic.rows += rows(_BASIC[:5]) + rows(_BASIC[5:7], keep_empty=False) + rows(_BASIC[7:9])
    basic.rows += [("世帯主", head_name), ("続柄", value_text("relationship", state)),
                   ("世帯番号", value_text("household_id", state, households))]
    sections = [basic]
    sections.append(Section("外国人住民の事項", rows(_FOREIGN)) if foreign else Section("本籍", rows(_JAPANESE)))
    sections.append(Section("住所", rows(_RESIDENCE)))
    sections.append(Section("番号等", rows(_NUMBERS)))
    if state.get("status") == Status.REMOVED or state.get("move_out_state"):
        sections.append(Section("消除", rows(_REMOVAL, keep_empty=False)))
    extra = rows(["benefits", "notes"], keep_empty=False)
    if extra:
        sections.append(Section("その他", extra))
    return sections


# --- 履歴 ----------------------------------------------------------------------------------------


@dataclass
class HistoryEntry:
    history_no: int
    kind: str
    kind_label: str
    event_id: int
    effective_on: str
    notified_on: str
    processed_at: dt.datetime
    clerk: str
    reason: str
    cancelled: bool
    changes: list[tuple[str, str, str]]
    first: bool


def _shown_items(data: Mapping[str, Any]) -> list[str]:
    return [k for k in data if k in PERSON_ITEMS and k not in _HIDDEN]


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any],
         households: Mapping[int, int] | None = None) -> list[tuple[str, str, str]]:
    """(item, before, after) for every item whose displayed value changed."""
    out = []
    for name in dict.fromkeys(_shown_items(after)):
        old = value_text(name, before, households) if before else ""
        new = value_text(name, after, households)
        if old != new:
            out.append((label_of(name), old, new))
    return out


def history(snapshots: list[PersonSnapshot], cancelled_ids: set[int],
            households: Mapping[int, int]) -> list[HistoryEntry]:
    """The 履歴 timeline, newest first, each entry with what changed against the previous snapshot."""
    entries = []
    previous: Mapping[str, Any] | None = None
    for snap in snapshots:
        ev = snap.event
        entries.append(HistoryEntry(
            history_no=snap.history_no, kind=ev.kind, kind_label=EventKind(ev.kind).label, event_id=ev.pk,
            effective_on=format_wareki(ev.effective_on), notified_on=format_wareki(ev.notified_on),
            processed_at=ev.processed_at, clerk=ev.clerk, reason=ev.reason, cancelled=ev.pk in cancelled_ids,
            changes=diff(previous, snap.data, households), first=previous is None,
        ))
        previous = snap.data
    entries.reverse()
    return entries
