"""The registry's published read interface: how other business areas read the resident register.

Taxation, insurance, pension and welfare read the register (never a copy) through these functions and
nothing else of the registry. Residents are named by their 宛名番号 (`person_no`) and households by
their 世帯番号 (`household_no`), both stable within a municipality. Everything runs in the current
municipality's tenant scope.

These functions do not write audit records: the calling service audits its own reads, once per
business operation (one record for an assessment batch, one per taxpayer opened on a screen), with its
own purpose. They never return a protected (支援措置) person's address to a caller that did not ask for
the protection flag: `ResidentView.protected` says so, and an area that prints an address for a third
party must check it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection

from lgcloud.areas.registry import engine_asof, restrictions
from lgcloud.areas.registry.crypto import search_hash
from lgcloud.areas.registry.models import Household, Person, ResidentType, Status
from lgcloud.areas.registry.normalize import normalize
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.platform.tenancy.context import require_municipality

# What `check_request` raises, for the areas that call it (they import nothing else of the registry).
RestrictionAlert = restrictions.RestrictionAlert
RestrictionRefused = restrictions.RestrictionRefused


@dataclass(frozen=True)
class ResidentView:
    person_no: int
    household_no: int | None
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: dt.date | None
    sex: str
    relationship: str  # 続柄
    is_head: bool  # 世帯主
    address: str
    address_extra: str
    postal_code: str
    foreign: bool
    status: str  # "resident" / "removed"
    removed_on: dt.date | None
    removal_reason: str
    death_date: dt.date | None
    became_resident_on: dt.date | None
    protected: bool = False  # a 支援措置 is in force for this person

    @property
    def full_name(self) -> str:
        return f"{self.family_name}　{self.given_name}".strip("　")

    @property
    def kana(self) -> str:
        return f"{self.family_name_kana}　{self.given_name_kana}".strip("　")

    def age_on(self, on: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


_FIELDS = ("person_no", "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
           "relationship", "address", "address_extra", "postal_code", "resident_type", "status", "removed_on",
           "removal_reason", "death_date", "became_resident_on")


def _view(row: dict, household_no: int | None, protected: bool) -> ResidentView:
    return ResidentView(
        person_no=row["person_no"], household_no=household_no,
        family_name=row.get("family_name") or "", given_name=row.get("given_name") or "",
        family_name_kana=row.get("family_name_kana") or "", given_name_kana=row.get("given_name_kana") or "",
        birth_date=row.get("birth_date"), sex=row.get("sex") or "", relationship=row.get("relationship") or "",
        is_head=row.get("relationship") == HEAD, address=row.get("address") or "",
        address_extra=row.get("address_extra") or "", postal_code=row.get("postal_code") or "",
        foreign=row.get("resident_type") == ResidentType.FOREIGN, status=row.get("status") or "",
        removed_on=row.get("removed_on"), removal_reason=row.get("removal_reason") or "",
        death_date=row.get("death_date"), became_resident_on=row.get("became_resident_on"), protected=protected,
    )


def _household_numbers(pks: Iterable[int | None]) -> dict[int, int]:
    ids = {pk for pk in pks if pk}
    return dict(Household.objects.filter(pk__in=ids).values_list("pk", "household_no")) if ids else {}


def _protected(pks: set[int], numbers: set[int]) -> set[int]:
    """宛名番号 of those among these persons whom a 支援措置 not ended protects (the measures are few: read them
    first, then only their applicants' numbers)."""
    measures = restrictions.support_measures_of(pks, numbers)
    if not measures:
        return set()
    applicants = {m.applicant_id for m in measures if m.applicant_id in pks}
    out = set(Person.objects.filter(pk__in=applicants).values_list("person_no", flat=True)) if applicants else set()
    for m in measures:
        out |= numbers & {int(n) for n in m.accompanying or []}
    return out


def _current(qs: Iterable[dict]) -> list[ResidentView]:
    rows = list(qs)
    households = _household_numbers(r["household_id"] for r in rows)
    protected = _protected({r["pk"] for r in rows}, {r["person_no"] for r in rows})
    return [_view(r, households.get(r["household_id"]), r["person_no"] in protected) for r in rows]


def _values(qs: object) -> Iterable[dict]:
    return qs.values("pk", "household_id", *_FIELDS)  # type: ignore[attr-defined]


def person(person_no: int, on: dt.date | None = None) -> ResidentView | None:
    """One person as now (on=None) or as they stood on `on` (None if not yet recorded then)."""
    if on is None:
        found = _current(_values(Person.objects.filter(person_no=person_no)))
        return found[0] if found else None
    p = Person.objects.filter(person_no=person_no).first()
    if p is None:
        return None
    state = engine_asof.person_as_of(p, on)
    if state is None:
        return None
    households = _household_numbers([state.get("household_id")])
    protected = person_no in _protected({p.pk}, {person_no})
    return _view(state, households.get(state.get("household_id") or 0), protected)


def persons(person_nos: Iterable[int]) -> dict[int, ResidentView]:
    """Several persons (resident or removed) as now, by 宛名番号, in one read (missing numbers are left out)."""
    numbers = sorted({int(n) for n in person_nos})
    out: dict[int, ResidentView] = {}
    for k in range(0, len(numbers), 1000):
        for v in _current(_values(Person.objects.filter(person_no__in=numbers[k:k + 1000]))):
            out[v.person_no] = v
    return out


_AS_OF_ITEMS = ("household_id", *(f for f in _FIELDS if f != "person_no"))


def residents_as_of(on: dt.date) -> Iterator[ResidentView]:
    """Everyone resident on `on` as they stood that day (e.g. 1 January: who is taxed this fiscal year), in 宛名番号
    order. Set-based (a few queries for a whole municipality: the projection for those no later 異動 touches, a
    fold of their events for the others)."""
    households = dict(Household.objects.order_by().values_list("pk", "household_no"))
    protected = _protected_numbers()
    for s in engine_asof.register_as_of(on, _AS_OF_ITEMS):
        yield _view(s, households.get(s.get("household_id") or 0), s["person_no"] in protected)


def _protected_numbers() -> set[int]:
    """宛名番号 of everyone a 支援措置 not ended protects (the measures are few)."""
    ids = restrictions.protected_person_ids()
    return set(Person.objects.filter(pk__in=ids).values_list("person_no", flat=True)) if ids else set()


def current_residents() -> list[ResidentView]:
    """Everyone resident now, from the current projection (fast; no history fold)."""
    return _current(_values(Person.objects.filter(status=Status.RESIDENT).order_by("person_no")))


def birth_dates() -> dict[int, dt.date | None]:
    """宛名番号 → 生年月日 of everyone in the register (resident or removed), in one query: for a batch that
    only needs ages (e.g. the annual 国保税 assessment), without building a view of each person."""
    rows = Person.objects.order_by().values_list("person_no", "birth_date")
    if connection.vendor != "postgresql":
        return dict(rows)
    # the ORM's SQL (its tenant filter included) fetched at once: the ORM's own iteration costs a few µs a row,
    # a second or more for a register of 780,000 read before the batch can start
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return dict(cur.fetchall())


def household_members(household_no: int, on: dt.date | None = None) -> list[ResidentView]:
    """The resident members of a household, head first, now or as of `on`."""
    household = Household.objects.filter(household_no=household_no).first()
    if household is None:
        return []
    if on is None:
        rows = Person.objects.filter(household=household, status=Status.RESIDENT).order_by("household_order")
        return _current(_values(rows))
    _items, members = engine_asof.household_as_of(household, on)
    protected = _protected({m["pk"] for m in members}, {m["person_no"] for m in members})
    return [_view(m, household_no, m["person_no"] in protected) for m in members]


def find_by_individual_number(number: str) -> ResidentView | None:
    """The person (resident or removed) whose 個人番号 this is, matched by its keyed hash."""
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    if len(digits) != 12:
        return None
    key = search_hash(require_municipality().code, digits)
    found = _current(_values(Person.objects.filter(individual_number_hash=key)))
    return found[0] if found else None


def find_by_name_and_birth_date(name: str, birth_date: dt.date, address: str = "") -> list[ResidentView]:
    """Persons whose current or past name or kana matches `name` (normalised as search does: kana/width/
    spaces) born on `birth_date`; narrowed by address when given. For matching a record without 個人番号."""
    wanted = normalize(name)
    if not wanted:
        return []
    rows = [r for r in _current(_values(Person.objects.filter(birth_date=birth_date)))
            if wanted in {normalize(r.full_name), normalize(r.kana)}]
    if address and len(rows) > 1:
        narrowed = [r for r in rows if normalize(address) in normalize(r.address + r.address_extra)]
        rows = narrowed or rows
    return rows


def persons_concerned(payload: dict) -> list[dict]:
    """The persons a `registry.<kind>` event is about (its payload also lists household members whose
    relationship or head changed): the removed ones of a 転出 / 死亡 / 消除, the child of a 出生, the residents
    of a 転入."""
    kind = str(payload.get("kind", ""))
    persons = list(payload.get("persons", []))
    if kind in ("move_out", "death", "disappearance", "ex_officio_removal"):
        return [p for p in persons if p.get("status") == Status.REMOVED]
    if kind == "birth":
        return [p for p in persons if p.get("birth_date") == payload.get("effective_on")]
    if kind == "move_in":
        return [p for p in persons if p.get("status") == Status.RESIDENT]
    return persons


def check_request(person_nos: Iterable[int], *, action: str = "issue", requester_name: str = "",
                  requester_kana: str = "", requester_birth_date: dt.date | None = None,
                  requester_person_no: int | None = None, acknowledge_alerts: bool = False) -> list[str]:
    """Before another area hands out a document or an answer about residents (a 課税証明書, a reply to a
    third party): the registry's 抑止 and 支援措置 check, with the requester matched against the person a
    支援措置 protects them from however they present themselves (name, フリガナ, former names, birth date).

    Refuses with `restrictions.RestrictionRefused` (403, audited, the record kept whatever the caller's
    transaction does), holds a partial match for a second clerk, and returns the alerts — or raises
    `restrictions.RestrictionAlert` (409) until they are acknowledged. Call it before the caller's own
    transaction."""
    from lgcloud.areas.registry.offender import Requester

    persons = list(Person.objects.filter(person_no__in=[int(n) for n in person_nos]))
    requester_id = None
    if requester_person_no:
        requester_id = Person.objects.filter(person_no=int(requester_person_no)).values_list("pk", flat=True).first()
    who = Requester(person_id=requester_id, name=requester_name, kana=requester_kana,
                    birth_date=requester_birth_date)
    if not persons:
        return []
    has_requester = bool(requester_name or requester_kana or requester_birth_date or requester_id)
    return restrictions.check(action, persons, requester=who if has_requester else None,
                              acknowledge_alerts=acknowledge_alerts)
