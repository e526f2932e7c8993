"""The API's search as fixed SQL: the same conditions as `search.build` (which the screens and the as-of lists
still compile through the ORM), written as one text per combination of conditions present — built once per
database vendor and kept — with the clerk's values as parameters. Each fragment is what Django's lookup would
render (`connection.operators`, `ops.lookup_cast`, the LIKE escaping of `prep_for_like_query`), so both paths
find the same persons; `tests/test_registry_search_sql.py` compares them.

Within the tenant context like every fixed statement: the municipality in context is the first condition (as the
scoped manager filters), on the same connection whose backend has set `lgcloud.municipality_id` (row-level security).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

from lgcloud.areas.registry import crypto
from lgcloud.areas.registry.models import Household, Person, Sex, Status
from lgcloud.areas.registry.normalize import normalize
from lgcloud.areas.registry.relationships import canonical
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.db import fixed
from lgcloud.platform.tenancy.context import require_municipality

_TEXTS: dict[tuple[Any, ...], tuple[str, list[tuple[str, Any, list[Callable[..., Any]]]]]] = {}
_P = "registry_person"


def _col(name: str) -> str:
    field: Any = Person._meta.get_field(name)
    return f"{fixed._qn(_P)}.{fixed._qn(field.column)}"


def _lookup(name: str, lookup: str) -> str:
    """`col <op> %s` as Django renders the lookup on this database."""
    field: Any = Person._meta.get_field(name)
    lhs = connection.ops.lookup_cast(lookup, field.get_internal_type()) % _col(name)
    return f"{lhs} {connection.operators[lookup] % '%s'}"


def digits(value: str, field: str, label: str) -> int:
    text = normalize(value)
    if not text.isdigit():
        raise ValidationFailed(f"{label}は数字で入力してください。", field=field)
    return int(text)


def _like(value: str) -> str:
    return f"%{connection.ops.prep_for_like_query(value)}%"


def _prep(name: str, value: Any) -> Any:
    field: Any = Person._meta.get_field(name)
    return field.get_db_prep_value(value, connection)


def _conditions(query: Any, search_columns: dict[str, str], empty: str) -> list[tuple[str, Any]]:
    """(fragment key, parameter) for each condition present, validated in the order `search.build` validates."""
    out: list[tuple[str, Any]] = []
    if query.status in (Status.RESIDENT, Status.REMOVED):
        out.append(("status", query.status))
    for kind, value in (("name", query.name), ("kana", query.kana), ("address", query.address)):
        if not value:
            continue
        if value == empty and kind == "kana":
            out.append(("search_kana=", ""))
            continue
        out.append((f"{search_columns[kind]}~", _like(normalize(value))))
    if query.birth_date:
        try:
            out.append(("birth_date", _prep("birth_date", parse_japanese_date(query.birth_date))))
        except ValueError as e:
            raise ValidationFailed(str(e), field="birth_date") from None
    if query.sex:
        if query.sex not in Sex.values:
            raise ValidationFailed("性別は男・女から選んでください。", field="sex")
        out.append(("sex", query.sex))
    texts = (("relationship", query.relationship), ("address_extra", query.address_extra),
             ("address_code", query.address_code), ("removal_reason", query.removal_reason))
    for column, given in texts:
        if not given:
            continue
        value = canonical(given) if column == "relationship" and given != empty else given
        if value == empty:
            out.append((f"{column}=", ""))
        else:
            out.append((f"{column}~i", _like(value.strip())))
    if query.person_no:
        out.append(("person_no", digits(query.person_no, "person_no", "宛名番号")))
    if query.household_no:
        out.append(("household_no", digits(query.household_no, "household_no", "世帯番号")))
    if query.individual_number:
        number = crypto.validate_individual_number(query.individual_number)
        out.append(("individual_number_hash", crypto.search_hash(require_municipality().code, number)))
    if query.resident_code:
        out.append(("resident_code", normalize(query.resident_code)))
    if query.residence_card_number:
        out.append(("residence_card_number~ie", connection.ops.prep_for_iexact_query(
            normalize(query.residence_card_number))))
    return out


def _fragment(key: str) -> str:
    if key == "household_no":
        return f"{fixed._qn('registry_household')}.{fixed._qn('household_no')} = %s"
    if key.endswith("~ie"):
        return _lookup(key[:-3], "iexact")
    if key.endswith("~i"):
        return _lookup(key[:-2], "icontains")
    if key.endswith("~"):
        return _lookup(key[:-1], "contains")
    if key.endswith("="):
        return f"{_col(key[:-1])} = %s"
    return f"{_col(key)} = %s"


def _text(keys: tuple[str, ...], hidden: int, items: tuple[str, ...],
          limit: int) -> tuple[str, list[tuple[str, Any, list[Callable[..., Any]]]]]:
    cache_key = (connection.vendor, keys, hidden, items, limit)
    entry = _TEXTS.get(cache_key)  # read once: another thread may clear the cache meanwhile
    if entry is None:
        p, h = fixed._qn(_P), fixed._qn("registry_household")
        where = [f"{_col('municipality_id')} = %s", f"NOT ({_col('removed_on')} IS NULL AND {_col('status')} = %s)"]
        where += [_fragment(k) for k in keys]
        if hidden:
            where.append(f"NOT ({_col('id')} IN ({', '.join('%s' for _ in range(hidden))}))")
        outputs: list[tuple[str, Any, list[Callable[..., Any]]]] = []
        selected = []
        for name in ("id", *items):
            field: Any = Person._meta.get_field(name)
            selected.append(_col(name))
            col = field.get_col(Person._meta.db_table)
            outputs.append(("pk" if name == "id" else name, field,
                            [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]))
        hfield: Any = Household._meta.get_field("household_no")
        hcol = hfield.get_col(Household._meta.db_table)
        selected.append(f"{h}.{fixed._qn('household_no')}")
        outputs.append(("household_no", hfield,
                        [*connection.ops.get_db_converters(hcol), *hfield.get_db_converters(connection)]))
        sql = (f"SELECT {', '.join(selected)} FROM {p} LEFT OUTER JOIN {h} ON ({_col('household')} = {h}."
               f"{fixed._qn('id')}) WHERE ({' AND '.join(where)}) ORDER BY {_col('person_no')} ASC LIMIT {int(limit)}")
        if len(_TEXTS) >= fixed.CACHE_LIMIT:
            _TEXTS.clear()
        entry = (sql, outputs)
        _TEXTS[cache_key] = entry
    return entry


def first_rows(query: Any, items: tuple[str, ...], limit: int, *, search_columns: dict[str, str],
               empty: str, location_conditions: tuple[str, ...]) -> list[dict[str, Any]]:
    """Up to `limit` persons found, by 宛名番号, as dicts of "pk", `items` and "household_no" — what
    `search.build(query).values("pk", *items, household_no=…)[:limit]` returns."""
    from lgcloud.areas.registry.restrictions import may_see_protected_locations, protected_person_ids

    if query.is_empty():
        raise ValidationFailed("検索条件を1つ以上入力してください。", field="name")
    conditions = _conditions(query, search_columns, empty)
    hidden: list[int] = []
    if any(getattr(query, c) for c in location_conditions) and not may_see_protected_locations():
        hidden = sorted(protected_person_ids())
    sql, outputs = _text(tuple(k for k, _ in conditions), len(hidden), items, limit)
    params = [require_municipality().pk, Status.REMOVED, *(v for _, v in conditions), *hidden]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    found = []
    for row in rows:
        item = {}
        for (name, field, convs), value in zip(outputs, row, strict=True):
            for conv in convs:
                value = conv(value, field, connection)
            item[name] = value
        found.append(item)
    return found
