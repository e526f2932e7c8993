"""The registry's side of an import, first part: the files' rows staged as persons, households,
memberships, events, restrictions and support measures, each row checked against the registry's rules,
then the references between files (one head per household, known numbers, unique 個人番号)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, MutableMapping
from typing import Any

from django.utils import timezone

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.dates import Precision
from lgcloud.areas.registry.models import Status
from lgcloud.areas.registry.relationships import HEAD, validate_relationship
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.interchange.adapters import RowStream
from lgcloud.platform.interchange.codec import Problem
from lgcloud.platform.interchange.compact import CompactRow
from lgcloud.platform.interchange.layout import FileDef

PERSON_DATE_PAIRS = (("birth_date", "birth_date_precision"), ("became_resident_on", "became_resident_precision"),
                     ("address_set_on", "address_set_precision"), ("death_date", "death_date_precision"))


class Batch:
    """What the files say, once decoded and checked."""

    def __init__(self) -> None:
        # Rows of a whole member's files are held until the write: compact (`CompactRow`), not dicts.
        self.persons: dict[int, MutableMapping[str, Any]] = {}
        self.households: dict[int, MutableMapping[str, Any]] = {}
        self.memberships: dict[int, MutableMapping[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.restrictions: list[dict[str, Any]] = []
        self.support: list[dict[str, Any]] = []
        # Another system's 異動事由 per person (宛名番号 → {"kind", "on", "_line"}): the kind of the row's
        # last 異動, for the history synthesised from the files (`history.synthesize_history`).
        self.last_events: dict[int, dict[str, Any]] = {}


def check_person(fdef: FileDef, line: int, row: dict[str, Any], status: str, problems: list[Problem],
                 today: dt.date | None = None) -> dict[str, Any] | None:
    """The row checked against the registry's rules (None if it has a problem). `today`: the import's day, looked up
    once by a caller checking many rows (`timezone.localdate()` costs as much as the rest of a row's checks)."""
    bad = len(problems)
    if row["status"] != status:
        problems.append(Problem(fdef.file, line, "住民状態", str(row["status"]),
                                f"{fdef.name}ファイルの住民状態は「{'住民' if status == Status.RESIDENT else '除票'}」でなければなりません"))
    for date_item, precision_item in PERSON_DATE_PAIRS:
        value = row.get(date_item)
        precision = row.get(precision_item) or Precision.DAY
        if isinstance(value, tuple):
            if value == ("unknown", None):
                day, implied = None, Precision.UNKNOWN
            else:
                day, implied = value
            ok = implied == precision or (implied == Precision.YEAR and precision == Precision.APPROXIMATE)
            if not ok:
                problems.append(Problem(fdef.file, line, fdef.item(precision_item).name, str(precision),
                                        "日付の精度が日付の書き方（不明な部分の 00）と一致しません"))
            row[date_item] = day
        elif value is None and precision not in (Precision.DAY, Precision.UNKNOWN):
            problems.append(Problem(fdef.file, line, fdef.item(date_item).name, "", "精度に合う日付がありません"))
        row.setdefault(precision_item, precision)
    for kana in ("family_name_kana", "given_name_kana", "former_family_name_kana", "alias_kana"):
        text = row.get(kana) or ""
        if any(not ("ァ" <= c <= "ヶ" or c in "ー　・ ") for c in text):
            problems.append(Problem(fdef.file, line, fdef.item(kana).name, text, "フリガナは全角カタカナで入力してください"))
    if row.get("individual_number"):
        try:
            crypto.validate_individual_number(str(row["individual_number"]).zfill(12))
        except LgcloudError as e:
            problems.append(Problem(fdef.file, line, "個人番号", str(row["individual_number"]), e.message))
    if row.get("resident_code") is not None:
        row["resident_code"] = str(row["resident_code"]).zfill(11)
    birth, death, removed = row.get("birth_date"), row.get("death_date"), row.get("removed_on")
    today = today or timezone.localdate()
    if birth and birth > today:
        problems.append(Problem(fdef.file, line, "生年月日", str(birth), "生年月日が未来の日付です"))
    if birth and death and death < birth:
        problems.append(Problem(fdef.file, line, "死亡日", str(death), "死亡日が生年月日より前です"))
    if birth and removed and removed < birth:
        problems.append(Problem(fdef.file, line, "消除日", str(removed), "消除日が生年月日より前です"))
    _check_lifetime(fdef, line, row, problems)
    if row["resident_type"] == "foreign" and not row.get("alphabet_name"):
        problems.append(Problem(fdef.file, line, "氏名（アルファベット）", "", "外国人住民は氏名（アルファベット）が必須です"))
    if row["resident_type"] == "japanese" and not row.get("family_name"):
        problems.append(Problem(fdef.file, line, "氏", "", "日本人住民は氏が必須です"))
    return row if len(problems) == bad else None


def _check_lifetime(fdef: FileDef, line: int, row: dict[str, Any], problems: list[Problem]) -> None:
    """A foreign resident's nationality and category, as the register requires them at entry."""
    if row["resident_type"] == "foreign":
        for code, what in (("nationality", "国籍・地域"), ("foreign_category", "外国人住民区分（中長期在留者・特別永住者など）")):
            if not row.get(code):
                problems.append(Problem(fdef.file, line, fdef.item(code).name, "", f"外国人住民は{what}が必須です"))


def check_undated(fdef: FileDef, line: int, row: Mapping[str, Any], problems: list[Problem]) -> None:
    """What a history synthesised from files without one stands on (`dated_history`): a 除票's removal date and
    reason, a residence that began by today and does not end before it began. (With a history the events say
    it: a person whose only 異動 was cancelled is a 除票 without either.)"""
    if row["status"] == Status.REMOVED:
        for code, what in (("removed_on", "消除日"), ("removal_reason", "消除事由")):
            if not row.get(code):
                problems.append(Problem(fdef.file, line, fdef.item(code).name, "", f"除票は{what}が必須です"))
    began, removed = row.get("became_resident_on"), row.get("removed_on")
    if isinstance(began, dt.date) and began > timezone.localdate():
        problems.append(Problem(fdef.file, line, fdef.item("became_resident_on").name, str(began),
                                "住民となった年月日が未来の日付です"))
    if isinstance(began, dt.date) and isinstance(removed, dt.date) and removed < began:
        problems.append(Problem(fdef.file, line, fdef.item("removed_on").name, str(removed),
                                "消除日が住民となった年月日より前です"))


def stage(b: Batch, fdef: FileDef, rows: RowStream, problems: list[Problem]) -> None:
    """One file's decoded rows into the batch."""
    if fdef.code in ("persons", "removed"):
        status = Status.RESIDENT if fdef.code == "persons" else Status.REMOVED
        today = timezone.localdate()
        for line, row in rows:
            if row["person_no"] in b.persons:
                problems.append(Problem(fdef.file, line, "宛名番号", str(row["person_no"]),
                                        "住民ファイルと除票ファイルの両方にあります"))
                continue
            person = check_person(fdef, line, row, status, problems, today)
            if person is not None:
                person["_line"] = (fdef.file, line)
                b.persons[row["person_no"]] = CompactRow(person)
    elif fdef.code == "households":
        b.households = {row["household_no"]: CompactRow({**row, "_line": (fdef.file, line)}) for line, row in rows}
    elif fdef.code == "memberships":
        for line, row in rows:
            try:
                row["relationship"] = validate_relationship(row["relationship"])
            except LgcloudError as e:
                problems.append(Problem(fdef.file, line, "続柄", row["relationship"], e.message))
                continue
            b.memberships[row["person_no"]] = CompactRow({**row, "_line": (fdef.file, line)})
    elif fdef.code == "events":
        strings: dict[str, str] = {}
        b.events = [_event(line, row, strings) for line, row in rows]
    elif fdef.code == "restrictions":
        b.restrictions = [{**row, "_line": line} for line, row in rows]
    elif fdef.code == "support_measures":
        b.support = [{**row, "_line": line} for line, row in rows]


def _event(line: int, row: dict[str, Any], strings: dict[str, str]) -> dict[str, Any]:
    """An event row as held until the write: each change's values (`set`, ~20 items) a `CompactRow`, equal texts
    held once (`strings`, the file's memo) — a file's events hold about as many values as its persons."""
    row["_line"] = line
    changes = row.get("changes")
    if isinstance(changes, list):
        memo = strings.setdefault
        for n, ch in enumerate(changes):
            if type(ch) is dict:
                values = ch.get("set")
                if type(values) is dict:
                    ch["set"] = CompactRow(values, strings)
                target = ch.get("target")
                if type(target) is str:
                    ch["target"] = memo(target, target)
                changes[n] = CompactRow(ch)
    return row


def check_references(b: Batch, problems: list[Problem]) -> None:
    for no, m in b.memberships.items():
        f, line = m["_line"]
        if no not in b.persons:
            problems.append(Problem(f, line, "宛名番号", str(no), "住民・除票ファイルにない宛名番号です"))
        if m["household_no"] not in b.households:
            problems.append(Problem(f, line, "世帯番号", str(m["household_no"]), "世帯ファイルにない世帯番号です"))
    for no, p in b.persons.items():
        if p["status"] == Status.RESIDENT and no not in b.memberships:
            f, line = p["_line"]
            problems.append(Problem(f, line, "宛名番号", str(no), "世帯構成員ファイルに世帯がありません"))
    residents_by_household: dict[int, list[int]] = defaultdict(list)
    for no, m in b.memberships.items():
        if b.persons.get(no, {}).get("status") == Status.RESIDENT:
            residents_by_household[m["household_no"]].append(no)
    for hno, h in b.households.items():
        f, line = h["_line"]
        members = residents_by_household.get(hno, [])
        heads = [n for n in members if b.memberships[n]["relationship"] == HEAD]
        if h["status"] == "active":
            if len(heads) != 1:
                problems.append(Problem(f, line, "世帯番号", str(hno),
                                        f"現存する世帯の世帯主（続柄「世帯主」の住民）は1人でなければなりません（{len(heads)}人）"))
            elif h.get("head_person_no") != heads[0]:
                problems.append(Problem(f, line, "世帯主宛名番号", str(h.get("head_person_no")),
                                        f"世帯構成員ファイルの世帯主（宛名番号 {heads[0]}）と一致しません"))
        elif members:
            problems.append(Problem(f, line, "世帯状態", "消除", "消除された世帯に住民がいます"))
    numbers: dict[str, int] = {}
    for no, p in b.persons.items():
        if p.get("individual_number") and p["status"] == Status.RESIDENT:
            number = str(p["individual_number"]).zfill(12)
            if number in numbers:
                f, line = p["_line"]
                problems.append(Problem(f, line, "個人番号", number[-4:].rjust(12, "*"),
                                        f"宛名番号 {numbers[number]} と同じ個人番号です"))
            numbers[number] = no
    for r in b.restrictions:
        if r.get("person_no") and r["person_no"] not in b.persons:
            problems.append(Problem("06_restrictions.csv", r["_line"], "宛名番号", str(r["person_no"]), "宛名番号がありません"))
        if r.get("household_no") and r["household_no"] not in b.households:
            problems.append(Problem("06_restrictions.csv", r["_line"], "世帯番号", str(r["household_no"]), "世帯番号がありません"))
        if bool(r.get("person_no")) == bool(r.get("household_no")):
            problems.append(Problem("06_restrictions.csv", r["_line"], "宛名番号", "", "宛名番号か世帯番号のどちらか一方を指定してください"))
    for s in b.support:
        refs = [s["applicant_person_no"], s.get("offender_person_no")]
        refs += [int(x) for x in (s.get("accompanying") or "").split(";") if x.strip().isdigit()]
        for ref in refs:
            if ref and ref not in b.persons:
                problems.append(Problem("07_support_measures.csv", s["_line"], "宛名番号", str(ref), "宛名番号がありません"))
