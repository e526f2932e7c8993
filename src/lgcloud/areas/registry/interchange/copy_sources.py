"""The registry's export on PostgreSQL (`lgcloud.platform.interchange.copy_export`): for every file, the SELECT
giving the same rows as `collect.collect` (as the register is now), named by the layout's item codes. The
個人番号 is decrypted and the JSON items made in Python, only for the rows that carry them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
from django.db import connection

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.interchange.collect import _convert_changes
from lgcloud.areas.registry.models import Household, Person, RegistryEvent, Restriction, Status, SupportMeasure
from lgcloud.platform.interchange.copy_export import CopySource, Prepared
from lgcloud.platform.interchange.layout import Layout
from lgcloud.platform.tenancy.context import require_municipality

PERSON = Person._meta.db_table
HOUSEHOLD = Household._meta.db_table
EVENT = RegistryEvent._meta.db_table
RESTRICTION = Restriction._meta.db_table
MEASURE = SupportMeasure._meta.db_table


def _no(table: str, column: str, fk: str) -> str:
    """The number of the row `fk` points at, looked up by primary key row by row (a join of the whole tables
    can be planned as a nested loop under row-level security and take minutes at 100,000 residents)."""
    return f"(SELECT x.{column} FROM {table} x WHERE x.id = {fk})"


def _rows(sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while chunk := cur.fetchmany(5000):
            yield from chunk


class _Extras:
    """The member's persons whose 個人番号 or benefits only Python can write (the number decrypted, non-empty
    benefits as the codec's JSON), read in one query for both person files on first use (before their COPY)."""

    def __init__(self, mid: int, code: str) -> None:
        self.mid, self.code = mid, code
        self._by_status: dict[str, tuple[list[tuple[int, Any]], list[tuple[int, Any]]]] | None = None

    def _load(self, status: str) -> tuple[list[tuple[int, Any]], list[tuple[int, Any]]]:
        if self._by_status is None:
            self._by_status = {}
            for pk, status_of, enc, text in _rows(
                    f"SELECT id, status, individual_number_enc, CASE WHEN benefits <> '{{}}'::jsonb THEN benefits::text "
                    f"END FROM {PERSON} WHERE municipality_id = %s AND (individual_number_enc <> '' "
                    "OR benefits <> '{}'::jsonb)", [self.mid]):
                numbers, benefits = self._by_status.setdefault(status_of, ([], []))
                if enc:
                    numbers.append((pk, crypto.decrypt(self.code, enc)))
                if text is not None:
                    benefits.append((pk, json.loads(text)))  # as the codec's path reads it (big integers stay ints)
        return self._by_status.get(status, ([], []))

    def numbers(self, status: str) -> Iterator[tuple[int, Any]]:
        yield from self._load(status)[0]

    def benefits(self, status: str) -> Iterator[tuple[int, Any]]:
        yield from self._load(status)[1]


def _persons(layout: Layout, file: str, status: str, mid: int, extras: _Extras) -> CopySource:
    cols = []
    for item in layout.file(file).items:
        if item.code == "individual_number":
            cols.append('(SELECT n.v FROM "_export_number" n WHERE n.k = p.id) AS "individual_number"')
        elif item.code == "benefits":  # {} (most residents) in SQL, the others in Python
            cols.append("COALESCE((SELECT b.v FROM \"_export_benefits\" b WHERE b.k = p.id), "
                        "CASE WHEN p.benefits = '{}'::jsonb THEN '{}' END) AS \"benefits\"")
        else:
            cols.append(f'p."{item.code}"')
    sql = (f"SELECT {', '.join(cols)} FROM {PERSON} p "
           "WHERE p.municipality_id = %s AND p.status = %s ORDER BY p.person_no")
    return CopySource(sql, [mid, status], [Prepared("_export_number", "individual_number", extras.numbers(status)),
                                           Prepared("_export_benefits", "benefits", extras.benefits(status))])


def _changes(mid: int, code: str) -> Iterator[bytes]:
    """Each event's `changes` as the codec writes it (`json.dumps(ensure_ascii=False, sort_keys=True,
    separators=(",", ":"))` of the value `json.loads` reads), UTF-8. orjson writes the same bytes (keys sorted
    by code point, the same escapes) except for numbers: it reads an integer beyond 64 bits as a float and
    writes floats its own way. The stored text has no exponents (PostgreSQL writes a jsonb number in plain
    notation), so an event with a '.' in its text, or whose orjson text holds an exponent, goes through json."""
    person_no = dict(Person.objects.values_list("pk", "person_no"))
    household_no = dict(Household.objects.values_list("pk", "household_no"))
    # OFFSET 0: the member's rows by its index, then sorted (ORDER BY id over the whole table's primary key
    # would read every member's events).
    for (text,) in _rows(f"SELECT changes::text FROM (SELECT id, changes FROM {EVENT} WHERE municipality_id = %s "
                         "OFFSET 0) e ORDER BY id", [mid]):
        if "." not in text:
            out = orjson.dumps(_convert_changes(orjson.loads(text), person_no, household_no, code),
                               option=orjson.OPT_SORT_KEYS)
            if b"e+" not in out and b"e-" not in out:
                yield out
                continue
        value = _convert_changes(json.loads(text), person_no, household_no, code)
        yield json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sources(layout: Layout, *, include_sensitive: bool) -> dict[str, CopySource]:
    """The file code → its source, for the register as it is now (an export as of a date folds in Python)."""
    municipality = require_municipality()
    mid, code = municipality.pk, municipality.code
    extras = _Extras(mid, code)
    out = {
        "persons": _persons(layout, "persons", Status.RESIDENT, mid, extras),
        "removed": _persons(layout, "removed", Status.REMOVED, mid, extras),
        "households": CopySource(
            "SELECT h.household_no, h.status, h.address, h.address_extra, h.address_code, h.district, h.postal_code, "
            f"{_no(PERSON, 'person_no', 'h.head_id')} AS head_person_no FROM {HOUSEHOLD} h "
            "WHERE h.municipality_id = %s ORDER BY h.household_no", [mid]),
        "memberships": CopySource(
            f"SELECT p.person_no, {_no(HOUSEHOLD, 'household_no', 'p.household_id')} AS household_no, p.relationship, "
            f"p.household_order FROM {PERSON} p WHERE p.municipality_id = %s AND p.household_id IS NOT NULL "
            "ORDER BY p.person_no", [mid]),
        "events": CopySource(
            # 異動番号 is the row number by id; a corrected or cancelled event's number is the count of events up
            # to it (an index range, and only for the few events that correct or cancel: no self-join).
            "SELECT row_number() OVER (ORDER BY e.id) AS event_no, e.kind, e.effective_on, e.notified_on, "
            "e.processed_at, e.clerk, e.role, e.channel, e.reason, "
            f"CASE WHEN e.corrects_id IS NOT NULL THEN (SELECT count(*) FROM {EVENT} z "
            "WHERE z.municipality_id = e.municipality_id AND z.id <= e.corrects_id) END AS corrects, "
            f"CASE WHEN e.cancels_id IS NOT NULL THEN (SELECT count(*) FROM {EVENT} z "
            "WHERE z.municipality_id = e.municipality_id AND z.id <= e.cancels_id) END AS cancels "
            # OFFSET 0: the member's rows by its index, then sorted (not the whole table's primary key).
            f"FROM (SELECT * FROM {EVENT} WHERE municipality_id = %s OFFSET 0) e ORDER BY e.id", [mid],
            last=_changes(mid, code), last_encoded=True),
        "restrictions": CopySource(
            f"SELECT row_number() OVER (ORDER BY r.id) AS restriction_no, {_no(PERSON, 'person_no', 'r.person_id')} "
            f"AS person_no, {_no(HOUSEHOLD, 'household_no', 'r.household_id')} AS household_no, r.action, "
            "r.mode, r.starts_on, r.ends_on, r.reason, r.set_by, r.removed, r.removed_by "
            f"FROM {RESTRICTION} r WHERE r.municipality_id = %s ORDER BY r.id", [mid]),
    }
    if include_sensitive:
        out["support_measures"] = CopySource(
            f"SELECT row_number() OVER (ORDER BY m.id) AS measure_no, {_no(PERSON, 'person_no', 'm.applicant_id')} "
            "AS applicant_person_no, "
            "(SELECT string_agg(t.x, ';' ORDER BY t.o) FROM jsonb_array_elements_text(m.accompanying) "
            "WITH ORDINALITY AS t(x, o)) AS accompanying, m.status, m.starts_on, m.ends_on, m.extensions, "
            f"{_no(PERSON, 'person_no', 'm.offender_person_id')} AS offender_person_no, m.offender_name, m.offender_kana, m.offender_birth_date, "
            "m.offender_address, m.offender_other_names, m.addresses, m.note, m.set_by "
            f"FROM {MEASURE} m WHERE m.municipality_id = %s ORDER BY m.id", [mid])
    return out
