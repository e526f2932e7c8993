"""The registry's side of an import from another system's file, read through a mapping: one row per
person gives the persons, the memberships and (from their members) the households."""

from __future__ import annotations

from collections.abc import Mapping

from lgcloud.areas.registry.interchange.staging import Batch, check_person
from lgcloud.areas.registry.models import Status
from lgcloud.areas.registry.relationships import HEAD, validate_relationship
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.interchange.adapters import Rows, VendorItems
from lgcloud.platform.interchange.codec import Problem
from lgcloud.platform.interchange.layout import Layout

VENDOR = VendorItems(
    file="persons",
    extra=frozenset({"household_no", "relationship", "household_order"}),
    required=("person_no", "household_no", "relationship", "sex"),
    kana=frozenset({"family_name_kana", "given_name_kana", "former_family_name_kana", "alias_kana"}),
    numbers=frozenset({"person_no", "household_no", "household_order", "individual_number", "resident_code"}),
    integers=frozenset({"person_no", "household_no", "household_order"}),
    nfkc=frozenset({"postal_code", "residence_card_number"}),
    defaults={"resident_type": "japanese", "status": Status.RESIDENT, "kana_certified": False,
              "electoral_registered": False, "birth_date_precision": "day", "became_resident_precision": "day",
              "address_set_precision": "day", "death_date_precision": "day"},
)


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
        person = check_person(persons_def, line, {k: rec.get(k) for k in items}, rec["status"], problems)
        if person is None:
            continue
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
