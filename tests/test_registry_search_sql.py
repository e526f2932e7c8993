"""The API's search as fixed SQL (`search_sql`) finds exactly what the ORM's `search.build` finds, for every kind of
condition, on SQLite and PostgreSQL, and refuses the same bad input."""

from __future__ import annotations

import pytest
from django.db.models import F

from lgcloud.areas.registry import search, search_sql
from lgcloud.areas.registry.search import SearchQuery
from lgcloud.platform.common.errors import ValidationFailed
from tests.test_registry_search import residents  # noqa: F401  (fixture)

ITEMS = (*search.LIST_ITEMS, "search_kana")

QUERIES = [
    {"kana": "ﾀｶﾊｼ"}, {"kana": "たかはし　さくら"}, {"name": "髙橋"}, {"name": "高橋"}, {"name": "smith"},
    {"birth_date": "S60.4.2"}, {"individual_number": "１２３４５６７８９０１８"}, {"sex": "female", "kana": "サクラ"},
    {"address": "小室123"}, {"address": "ﾒｿﾞﾝ伊奈"}, {"address": "内宿台"}, {"address_extra": "メゾン"},
    {"residence_card_number": "ab12345678cd"}, {"kana": search.EMPTY}, {"relationship": "世帯主"},
    {"relationship": search.EMPTY}, {"address_code": search.EMPTY}, {"removal_reason": "転出"},
    {"person_no": "１"}, {"household_no": "1"}, {"status": "resident", "sex": "male"}, {"status": "removed"},
    {"resident_code": "x"}, {"name": "100%"}, {"name": "a_b"}, {"name": "\\"}, {"kana": "タ", "address": "伊奈"},
]


def _orm(q: SearchQuery, limit: int) -> list[dict]:
    return list(search.build(q).values("pk", *ITEMS, household_no=F("household__household_no"))[:limit])


@pytest.mark.parametrize("q", QUERIES)
def test_fixed_sql_finds_what_the_orm_finds(residents, q):  # noqa: F811
    query = SearchQuery.from_mapping(q)
    for limit in (1, 51):
        fixed_rows = search_sql.first_rows(query, ITEMS, limit, search_columns=search.SEARCH_COLUMNS,
                                           empty=search.EMPTY, location_conditions=search.LOCATION_CONDITIONS)
        assert fixed_rows == _orm(query, limit)


@pytest.mark.parametrize("q, message", [
    ({"birth_date": "昭和65年1月1日"}, "日付"), ({"individual_number": "123456789012"}, "検査用数字"),
    ({"sex": "x"}, "性別"), ({"person_no": "a"}, "宛名番号"), ({"household_no": "a"}, "世帯番号"),
])
def test_fixed_sql_refuses_what_the_orm_refuses(residents, q, message):  # noqa: F811
    with pytest.raises(ValidationFailed, match=message):
        search.search_rows(SearchQuery.from_mapping(q))
    with pytest.raises(ValidationFailed, match=message):
        search.build(SearchQuery.from_mapping(q))
