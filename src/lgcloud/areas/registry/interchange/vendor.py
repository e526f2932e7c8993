"""The registry's side of an import from another system's file, read through a mapping: one row per
person gives the persons, the memberships and (from their members) the households."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from lgcloud.areas.registry.interchange.dated_history import check_last_event
from lgcloud.areas.registry.interchange.staging import Batch, check_person, check_undated
from lgcloud.areas.registry.models import Status
from lgcloud.areas.registry.relationships import HEAD, validate_relationship
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.interchange.adapters import Rows, VendorItems
from lgcloud.platform.interchange.codec import Problem
from lgcloud.platform.interchange.layout import FileDef, Layout

VENDOR = VendorItems(
    file="persons",
    # last_event_kind: the row's 異動事由 (the kind of its last 異動, an EventKind value through a value table);
    # last_event_on: its 異動日 (needed for an 異動 that neither makes nor ends the residence, e.g. 転居)
    extra=frozenset({"household_no", "relationship", "household_order", "last_event_kind", "last_event_on"}),
    required=("person_no", "household_no", "relationship", "sex"),
    kana=frozenset({"family_name_kana", "given_name_kana", "former_family_name_kana", "alias_kana"}),
    numbers=frozenset({"person_no", "household_no", "household_order", "individual_number", "resident_code"}),
    integers=frozenset({"person_no", "household_no", "household_order"}),
    dates=frozenset({"last_event_on"}),
    nfkc=frozenset({"postal_code", "residence_card_number"}),
    defaults={"resident_type": "japanese", "status": Status.RESIDENT, "kana_certified": False,
              "electoral_registered": False, "birth_date_precision": "day", "became_resident_precision": "day",
              "address_set_precision": "day", "death_date_precision": "day"},
)


def _in_vendor_terms(found: list[Problem], fdef: FileDef, file: str, columns: Mapping[str, str]) -> None:
    """Problems the register's checks found, told in the vendor's terms: their file and their column names."""
    by_name = {i.name: columns[i.code] for i in fdef.items if i.code in columns}
    for p in found:
        p.file = file
        p.item = by_name.get(p.item, p.item)


def _last_event(file: str, line: int, rec: dict[str, Any], columns: Mapping[str, str],
                problems: list[Problem]) -> dict[str, Any] | Literal[False] | None:
    """The row's 異動事由 as {"kind", "on"} (None without one, False when it is wrong)."""
    kind, on = rec.get("last_event_kind"), rec.get("last_event_on")
    if isinstance(on, tuple):
        on = on[0]
    if not kind:
        return None
    where = columns.get("last_event_kind", "異動事由")
    reason = check_last_event(str(kind), on, rec)
    if reason:
        problems.append(Problem(file, line, where, str(kind), reason))
        return False
    return {"kind": str(kind), "on": on, "_line": (file, line)}


def from_vendor(layout: Layout, file: str, records: Rows, problems: list[Problem], columns: Mapping[str, str]) -> Batch:
    b = Batch()
    persons_def = layout.file("persons")
    items = [i.code for i in persons_def.items]
    seen: dict[int, int] = {}
    for line, rec in records:
        try:
            rec["relationship"] = validate_relationship(rec.get("relationship") or "")
        except LgcloudError as e:
            problems.append(Problem(file, line, columns.get("relationship", "続柄"), str(rec.get("relationship")),
                                    e.message))
            continue
        no = rec.get("person_no")
        if no is None or rec.get("household_no") is None:
            problems.append(Problem(file, line, "", "", "宛名番号と世帯番号は必須です"))
            continue
        if no in seen:
            problems.append(Problem(file, line, columns["person_no"], str(no), f"宛名番号が{seen[no]}行目と重複しています"))
            continue
        seen[no] = line
        before = len(problems)
        person = check_person(persons_def, line, {k: rec.get(k) for k in items}, rec["status"], problems)
        if person is not None:
            check_undated(persons_def, line, person, problems)
            person = person if len(problems) == before else None
        last = _last_event(file, line, rec, columns, problems)
        _in_vendor_terms(problems[before:], persons_def, file, columns)
        if person is None or last is False:
            continue
        if last:
            b.last_events[no] = last
        person["_line"] = (file, line)
        b.persons[no] = person
        b.memberships[no] = {"person_no": no, "household_no": rec["household_no"], "relationship": rec["relationship"],
                             "household_order": rec.get("household_order") or 0, "_line": (file, line)}
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
