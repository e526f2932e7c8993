"""Search over current and removed records, current and past names and addresses.

Every key is normalised (full-/half-width, hiragana/katakana, spaces), conditions combine with AND,
text matches are partial, 「（空欄）」 finds records where the item is empty. Each search is kept in
the clerk's history and audited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from lgcloud.areas.registry import crypto, search_sql
from lgcloud.areas.registry.models import Person, SearchHistory, Sex, Status
from lgcloud.areas.registry.normalize import normalize
from lgcloud.areas.registry.relationships import canonical
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.db import fixed
from lgcloud.platform.tenancy.context import current_actor, require_municipality

EMPTY = "（空欄）"
MAX_RESULTS = 200
MAX_TERM = 200  # the longest item searched (住所) holds 200 characters
SEARCH_COLUMNS = {"name": "search_names", "kana": "search_kanas", "address": "search_addresses"}
KEY_LENGTH = 400  # a search key keeps the first 400 characters of a name or address


def search_keys(person: Person) -> set[tuple[str, str]]:
    """The person's (kind, value) search keys now: names (incl. alias and former family name), kana and
    address, normalised. The register keeps every key a person has had (SearchKey)."""
    names = {person.family_name + person.given_name, person.alphabet_name, person.alias, person.former_family_name}
    kanas = {person.family_name_kana + person.given_name_kana, person.alias_kana, person.former_family_name_kana}
    addresses = {person.address + person.address_extra}
    values = {"name": names, "kana": kanas, "address": addresses}
    return {(kind, normalize(v)[:KEY_LENGTH]) for kind, texts in values.items() for v in texts if v}


def search_columns(person: Person, keys: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Every search column of the person: its current name and kana, and for each kind the values of
    `keys` (current and past), sorted, one a line — what search reads."""
    by_kind: dict[str, set[str]] = {kind: set() for kind in SEARCH_COLUMNS}
    for kind, value in keys:
        by_kind[kind].add(value)
    columns = {column: "\n".join(sorted(by_kind[kind])) for kind, column in SEARCH_COLUMNS.items()}
    columns["search_name"] = normalize(person.family_name + person.given_name) or normalize(person.alphabet_name)
    columns["search_kana"] = normalize(person.family_name_kana + person.given_name_kana)
    return columns


@dataclass
class SearchQuery:
    name: str = ""  # 氏名・旧氏・通称・アルファベット氏名（過去の氏名も）
    kana: str = ""
    birth_date: str = ""  # 西暦 or 和暦
    sex: str = ""
    relationship: str = ""
    address: str = ""  # 住所・方書（過去の住所も）
    address_extra: str = ""
    address_code: str = ""
    person_no: str = ""
    household_no: str = ""
    removal_reason: str = ""
    individual_number: str = ""
    resident_code: str = ""
    residence_card_number: str = ""
    status: str = ""  # "" = 住民と除票, "resident", "removed"

    @classmethod
    def from_mapping(cls, data: Any) -> SearchQuery:
        names = {f.name for f in fields(cls)}
        values = {k: str(data.get(k) or "").strip() for k in names if data.get(k) not in (None, "")}
        for k, v in values.items():
            if len(v) > MAX_TERM:
                raise ValidationFailed(f"検索条件は{MAX_TERM}文字以内で入力してください（{len(v)}文字）。", field=k)
        return cls(**values)

    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def safe_for_history(self) -> dict[str, str]:
        """What is kept in the history: never the 個人番号 itself."""
        d = {k: v for k, v in asdict(self).items() if v}
        if "individual_number" in d:
            d["individual_number"] = crypto.mask(d["individual_number"])
        return d


_digits = search_sql.digits


def _text(qs: QuerySet[Person], value: str, column: str) -> QuerySet[Person]:
    if value == EMPTY:
        return qs.filter(**{column: ""})
    return qs.filter(**{f"{column}__icontains": value.strip()})


# Conditions that say where someone lives: a search by them never confirms that a protected person lives there.
LOCATION_CONDITIONS = ("address", "address_extra", "address_code", "household_no")


def _without_protected(qs: QuerySet[Person], query: SearchQuery) -> QuerySet[Person]:
    """A search by a place leaves out the persons a 支援措置 protects — before counting and paging, so neither
    the list, its count nor its pages reveal them — unless the reader has the lift permission."""
    from lgcloud.areas.registry.restrictions import may_see_protected_locations, protected_person_ids

    if not any(getattr(query, c) for c in LOCATION_CONDITIONS) or may_see_protected_locations():
        return qs
    hidden = protected_person_ids()
    return qs.exclude(pk__in=hidden) if hidden else qs


def build(query: SearchQuery) -> QuerySet[Person]:
    if query.is_empty():
        raise ValidationFailed("検索条件を1つ以上入力してください。", field="name")
    # A record whose only event was cancelled (取消し) was never a resident: it is not a 除票 to be found.
    qs = Person.objects.exclude(status=Status.REMOVED, removed_on__isnull=True)
    if query.status in (Status.RESIDENT, Status.REMOVED):
        qs = qs.filter(status=query.status)
    for kind, value in (("name", query.name), ("kana", query.kana), ("address", query.address)):
        if not value:
            continue
        if value == EMPTY and kind == "kana":
            qs = qs.filter(search_kana="")
            continue
        qs = qs.filter(**{f"{SEARCH_COLUMNS[kind]}__contains": normalize(value)})
    if query.birth_date:
        try:
            qs = qs.filter(birth_date=parse_japanese_date(query.birth_date))
        except ValueError as e:
            raise ValidationFailed(str(e), field="birth_date") from None
    if query.sex:
        if query.sex not in Sex.values:
            raise ValidationFailed("性別は男・女から選んでください。", field="sex")
        qs = qs.filter(sex=query.sex)
    if query.relationship:
        qs = _text(qs, canonical(query.relationship) if query.relationship != EMPTY else EMPTY, "relationship")
    if query.address_extra:
        qs = _text(qs, query.address_extra, "address_extra")
    if query.address_code:
        qs = _text(qs, query.address_code, "address_code")
    if query.removal_reason:
        qs = _text(qs, query.removal_reason, "removal_reason")
    if query.person_no:
        qs = qs.filter(person_no=_digits(query.person_no, "person_no", "宛名番号"))
    if query.household_no:
        qs = qs.filter(household__household_no=_digits(query.household_no, "household_no", "世帯番号"))
    if query.individual_number:
        number = crypto.validate_individual_number(query.individual_number)
        qs = qs.filter(individual_number_hash=crypto.search_hash(require_municipality().code, number))
    if query.resident_code:
        qs = qs.filter(resident_code=normalize(query.resident_code))
    if query.residence_card_number:
        qs = qs.filter(residence_card_number__iexact=normalize(query.residence_card_number))
    qs = _without_protected(qs, query)
    # In 宛名番号 order, so a broad condition stops at the first page; the page is then shown in kana order.
    return qs.select_related("household").order_by("person_no")


@dataclass
class SearchResult:
    persons: list[Person]
    total: int
    truncated: bool


# What a result list shows (the API's list reads only these, as plain rows: 200 model instances of a
# 70-column record cost more than the search itself).
LIST_ITEMS = ("person_no", "status", "resident_type", "family_name", "given_name", "alphabet_name",
              "family_name_kana", "given_name_kana", "birth_date", "birth_date_precision", "sex", "address",
              "address_extra", "removal_reason", "removed_on")


@dataclass
class SearchRows:
    rows: list[dict[str, Any]]  # LIST_ITEMS, "pk" and "household_no"
    total: int
    truncated: bool


def _item(found: Person | dict[str, Any], name: str) -> Any:
    return found[name] if isinstance(found, dict) else getattr(found, name)


def _order_key(found: Person | dict[str, Any]) -> tuple[str, str, int]:
    return (_item(found, "status"), _item(found, "search_kana"), _item(found, "person_no"))


def _first_page(qs: Any, query: SearchQuery, purpose: str, limit: int | None = None) -> tuple[list[Any], bool]:
    """The first `limit` (default MAX_RESULTS) found, by 宛名番号, in kana order, with the clerk's history and the
    READ audit in the same transaction."""
    limit = MAX_RESULTS if limit is None else limit
    with transaction.atomic():
        found = qs(limit + 1) if callable(qs) else list(qs[: limit + 1])
        truncated = len(found) > limit
        found = sorted(found[:limit], key=_order_key)
        numbers = [_item(r, "person_no") for r in found]
        fixed.insert(SearchHistory(staff=current_actor().username, query=query.safe_for_history(),
                                   result_count=len(found)))
        audit.record("registry.search", object_type="Person", object_id=",".join(map(str, numbers[:50])),
                     purpose=purpose, detail={"conditions": sorted(query.safe_for_history()), "results": len(found)})
    return found, truncated


def search(query: SearchQuery, *, purpose: str = "住民記録の照会") -> SearchResult:
    """Run a search (persons as records, for the screens); history and audit as in `_first_page`."""
    persons, truncated = _first_page(build(query), query, purpose)
    return SearchResult(persons, len(persons), truncated)


def search_rows(query: SearchQuery, *, purpose: str = "住民記録の照会", limit: int = 50) -> SearchRows:
    """The same search, each person found as a row of LIST_ITEMS (the API's result list), at most `limit`."""
    if not 1 <= limit <= MAX_RESULTS:
        raise ValidationFailed(f"表示件数（limit）は1〜{MAX_RESULTS}で指定してください。", field="limit")
    def first(n: int) -> list[dict[str, Any]]:  # build(query).values("pk", …, household_no=…)[:n] as fixed SQL
        return search_sql.first_rows(query, (*LIST_ITEMS, "search_kana"), n, search_columns=SEARCH_COLUMNS,
                                     empty=EMPTY, location_conditions=LOCATION_CONDITIONS)

    rows, truncated = _first_page(first, query, purpose, limit)
    return SearchRows(rows, len(rows), truncated)


def history(limit: int = 50) -> list[SearchHistory]:
    return list(SearchHistory.objects.filter(staff=current_actor().username)[:limit])


def by_status_and_restriction(persons: Sequence[Person | dict[str, Any]]) -> dict[int, bool]:
    """Which results are under a 支援措置 (their address is hidden in result lists)."""
    from lgcloud.areas.registry.restrictions import support_measures_of

    found = {_item(p, "pk"): _item(p, "person_no") for p in persons}
    flagged: set[int] = set()
    for m in support_measures_of(set(found), set(found.values())):
        flagged |= m.protected_person_ids()
    return {pk: pk in flagged for pk in found}
