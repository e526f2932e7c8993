"""Another system's CSV in, through a mapping file (YAML): its column names and order, encoding,
和暦 dates as people write them, half-width kana, full-width digits, its code values mapped to ours.
The result goes through the same checks and the same all-or-nothing import as the standard layout.

A mapping describes one file with one row per person (the usual shape of a vendor's 住基 extract):
persons, households and memberships are derived from it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jaconv
import yaml

from lgcloud.areas.registry.models import Status
from lgcloud.areas.registry.relationships import HEAD, validate_relationship
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.interchange.codec import Problem, encoding_name
from lgcloud.platform.interchange.importer import _Batch, _person
from lgcloud.platform.interchange.layout import registry_layout

PERSON_ITEMS = {i.code for i in registry_layout().file("persons").items}
EXTRA_ITEMS = {"household_no", "relationship", "household_order"}
KANA_ITEMS = {"family_name_kana", "given_name_kana", "former_family_name_kana", "alias_kana"}
DATE_ITEMS = {i.code for i in registry_layout().file("persons").items if i.type == "年月日"}
NUMBER_ITEMS = {"person_no", "household_no", "household_order", "individual_number", "resident_code"}
DEFAULTS: dict[str, Any] = {"resident_type": "japanese", "status": Status.RESIDENT, "kana_certified": False,
                            "electoral_registered": False, "birth_date_precision": "day",
                            "became_resident_precision": "day", "address_set_precision": "day",
                            "death_date_precision": "day"}


class MappingError(Exception):
    pass


@dataclass
class Mapping:
    name: str
    file: str
    encoding: str
    columns: dict[str, str]  # our item → their column name
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # our item → {their value: ours}
    constants: dict[str, Any] = field(default_factory=dict)


def load_mapping(path: Path) -> Mapping:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        m = Mapping(name=doc["name"], file=doc["file"], encoding=encoding_name(doc.get("encoding", "utf-8")),
                    columns=dict(doc["columns"]), values={k: {str(a): b for a, b in v.items()}
                                                          for k, v in (doc.get("values") or {}).items()},
                    constants=dict(doc.get("constants") or {}))
    except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError) as e:
        raise MappingError(f"対応定義ファイル {path.name} を読み取れません（{e}）") from None
    unknown = (set(m.columns) | set(m.values) | set(m.constants)) - PERSON_ITEMS - EXTRA_ITEMS
    if unknown:
        raise MappingError(f"対応定義に lgcloud にない項目があります: {'、'.join(sorted(unknown))}")
    for needed in ("person_no", "household_no", "relationship", "sex"):
        if needed not in m.columns and needed not in m.constants:
            raise MappingError(f"対応定義に必須の項目「{needed}」がありません")
    return m


def _clean(item: str, text: str) -> str:
    text = text.strip()
    if item in KANA_ITEMS:
        return jaconv.h2z(jaconv.hira2kata(text), kana=True, ascii=False, digit=False).replace(" ", "　")
    if item in NUMBER_ITEMS or item in DATE_ITEMS:
        return unicodedata.normalize("NFKC", text).replace(",", "")
    return unicodedata.normalize("NFKC", text) if item in ("postal_code", "residence_card_number") else text


def read_vendor(m: Mapping, folder: Path, problems: list[Problem]) -> _Batch:
    path = folder / m.file
    b = _Batch()
    if not path.exists():
        problems.append(Problem(m.file, 0, "", "", f"対応定義「{m.name}」のファイル {m.file} がありません"))
        return b
    try:
        text = path.read_bytes().decode(m.encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        problems.append(Problem(m.file, 0, "", "", f"文字コード {m.encoding} として読めません"))
        return b
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in m.columns.values() if c not in (reader.fieldnames or [])]
    if missing:
        problems.append(Problem(m.file, 1, "、".join(missing), "", "見出し行に対応定義の列がありません"))
        return b
    layout = registry_layout()
    persons_def = layout.file("persons")
    seen: dict[int, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(Problem(m.file, line, "", "", "列の数が見出しより多い行です"))
            continue
        bad = len(problems)
        rec: dict[str, Any] = {**DEFAULTS, **m.constants}
        for item, column in m.columns.items():
            raw = _clean(item, row.get(column) or "")
            if item in m.values and raw != "":
                if raw not in m.values[item]:
                    problems.append(Problem(m.file, line, column, raw, f"この値は対応定義の「{item}」の対応表にありません"))
                    continue
                rec[item] = m.values[item][raw]
            elif raw == "":
                rec.setdefault(item, None)
            elif item in DATE_ITEMS:
                try:
                    rec[item] = parse_japanese_date(raw)
                except ValueError as e:
                    problems.append(Problem(m.file, line, column, raw, str(e)))
            elif item in NUMBER_ITEMS:
                if not raw.isdigit():
                    problems.append(Problem(m.file, line, column, raw, "数字で入力してください"))
                    continue
                rec[item] = int(raw) if item in ("person_no", "household_no", "household_order") else raw
            else:
                rec[item] = raw
        if len(problems) > bad:
            continue
        try:
            rec["relationship"] = validate_relationship(rec.get("relationship") or "")
        except Exception as e:  # ValidationFailed
            problems.append(Problem(m.file, line, m.columns.get("relationship", "続柄"), str(rec.get("relationship")),
                                    getattr(e, "message", str(e))))
            continue
        no = rec.get("person_no")
        if no is None or rec.get("household_no") is None:
            problems.append(Problem(m.file, line, "", "", "宛名番号と世帯番号は必須です"))
            continue
        if no in seen:
            problems.append(Problem(m.file, line, m.columns["person_no"], str(no), f"宛名番号が{seen[no]}行目と重複しています"))
            continue
        seen[no] = line
        person = _person(persons_def, line, {k: rec.get(k) for k in PERSON_ITEMS}, rec["status"], problems)
        if person is None:
            continue
        person["_line"] = (m.file, line)
        b.persons[no] = person
        b.memberships[no] = {"person_no": no, "household_no": rec["household_no"], "relationship": rec["relationship"],
                             "household_order": rec.get("household_order") or 0, "_line": (m.file, line)}
    # Households from their members: the head's address; order within the household as in the file.
    by_household: dict[int, list[int]] = {}
    for no, ms in b.memberships.items():
        by_household.setdefault(ms["household_no"], []).append(no)
    for hno, members in by_household.items():
        residents = [n for n in members if b.persons[n]["status"] == Status.RESIDENT]
        heads = [n for n in residents if b.memberships[n]["relationship"] == HEAD]
        source = b.persons[heads[0]] if heads else b.persons[members[0]]
        b.households[hno] = {"household_no": hno, "status": "active" if residents else "dissolved",
                             "address": source.get("address") or "（住所不明）", "address_extra": source.get("address_extra"),
                             "address_code": source.get("address_code"), "district": source.get("district"),
                             "postal_code": source.get("postal_code"), "head_person_no": heads[0] if heads else None,
                             "_line": source["_line"]}
        for order, no in enumerate(sorted(members, key=lambda n: (b.memberships[n]["household_order"] or 99, n)), 1):
            b.memberships[no]["household_order"] = order
    return b
