"""No search confirms where a protected person lives (issue 15, item 3).

A search by a place (住所, 方書, 住所コード, 世帯番号) leaves out the persons a 支援措置 protects, for anyone
without the lift permission — in the list, its count and its pages alike; the district statistics count them in
no district; a household read as of a day raises no alert for someone who was not a member that day."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.registry import reading, restrictions, search, statistics
from lgcloud.areas.registry.actions.household import household_split
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import api_client

PROTECTED_AT = "埼玉県北足立郡伊奈町羽貫200"


@pytest.fixture
def protected(muni_a):
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        r = move_in(persons=[
            {"family_name": "山田", "given_name": "花子", "birth_date": "1987-09-15", "sex": "female",
             "relationship": "世帯主"},
            {"family_name": "山田", "given_name": "一郎", "birth_date": "2015-01-01", "sex": "male", "relationship": "子"}],
            address={"address": PROTECTED_AT, "address_extra": "ハイツ羽貫101", "address_code": "0042",
                     "district": "羽貫"},
            effective_on="2024-04-01", notified_on="2024-04-01", previous_address="東京都")
        hanako, ichiro = sorted(r.persons, key=lambda p: p.person_no)
        neighbour = move_in(persons=[{"family_name": "隣", "given_name": "人", "birth_date": "1950-01-01",
                                      "sex": "male", "relationship": "世帯主"}],
                            address={"address": "埼玉県北足立郡伊奈町羽貫201", "district": "羽貫"},
                            effective_on="2024-04-01", notified_on="2024-04-01", previous_address="東京都").persons[0]
        restrictions.register_support_measure(applicant_person_no=hanako.person_no, accompanying=[ichiro.person_no],
                                              starts_on=dt.date.today(), offender_name="山田 健太")
    return hanako, ichiro, neighbour, r.households[0]


@pytest.mark.parametrize("role", ["counter_clerk", "counter_contractor", "tax", "welfare"])
def test_a_search_by_place_does_not_find_protected_persons(protected, muni_a, role):
    hanako, _ichiro, neighbour, household = protected
    with municipality_scope(muni_a, Actor(role, role, "web")):
        for query in (search.SearchQuery(address="羽貫200"), search.SearchQuery(address="はぬき２００"),
                      search.SearchQuery(address_extra="ハイツ羽貫"), search.SearchQuery(address_code="0042"),
                      search.SearchQuery(household_no=str(household.household_no)),
                      search.SearchQuery(household_no=str(household.household_no), name="山田"),
                      search.SearchQuery(address="小室9999")):  # the control: nobody lives there
            result = search.search(query)
            assert result.total == 0 and not result.truncated, query
            assert search.search_rows(query, limit=1).total == 0
        found = search.search(search.SearchQuery(address="羽貫")).persons
        assert [p.pk for p in found] == [neighbour.pk]  # the neighbour is found, the protected are not
        # by name they are found (their address hidden in the list, as before)
        assert hanako.pk in {p.pk for p in search.search(search.SearchQuery(name="山田 花子")).persons}


def test_the_lift_permission_finds_them(protected, muni_a):
    hanako, ichiro, _n, _h = protected
    with municipality_scope(muni_a, Actor("admin", "municipal_admin", "web")):
        assert {p.pk for p in search.search(search.SearchQuery(address="羽貫200")).persons} == {hanako.pk, ichiro.pk}


def test_the_api_search_by_place_returns_nothing(protected, staff_of):
    r = api_client(staff_of["counter_clerk"]).post("/api/v1/registry/search", {"address": "羽貫200"},
                                                   content_type="application/json")
    assert r.status_code == 200 and r.json()["total"] == 0 and r.json()["persons"] == []


def test_district_statistics_do_not_place_protected_persons(protected, muni_a):
    with municipality_scope(muni_a, Actor("clerk", "counter_clerk", "web")):
        table = statistics.district_age_table(dt.date.today())
    rows = {row[0]: row[-1] for row in table.rows}
    assert rows["羽貫"] == 1 and rows[statistics.WITHHELD] == 2
    assert table.foot[0][-1] == 3  # the total is still right


def test_a_household_read_as_of_a_day_does_not_raise_a_former_members_alert(muni_a):
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        r = move_in(persons=[
            {"family_name": "川口", "given_name": "太郎", "birth_date": "1980-01-01", "sex": "male", "relationship": "世帯主"},
            {"family_name": "川口", "given_name": "春子", "birth_date": "1985-01-01", "sex": "female", "relationship": "妻"}],
            address={"address": "伊奈町小室5"}, effective_on="2024-04-01", notified_on="2024-04-01",
            previous_address="東京都")
        taro, haruko = sorted(r.persons, key=lambda p: p.person_no)
        household = r.households[0]
        household_split(person_nos=[haruko.person_no], new_head_person_no=haruko.person_no,
                        address={"address": "埼玉県北足立郡伊奈町小室1"}, effective_on="2025-01-10",
                        notified_on="2025-01-10")
        restrictions.register_support_measure(applicant_person_no=haruko.person_no, starts_on=dt.date.today(),
                                              offender_name="某")
    with municipality_scope(muni_a, Actor("clerk", "counter_clerk", "web")):
        file = reading.open_household(household.household_no, as_of=dt.date(2025, 6, 1))
        assert file.alerts == [] and [m["person_no"] for m in file.members] == [taro.person_no]
        with pytest.raises(RestrictionAlert):  # while she was a member, her alert stands
            reading.open_household(household.household_no, as_of=dt.date(2024, 6, 1))


def test_a_cancelled_entry_is_not_found_as_a_blank_removed_record(muni_a):
    """Issue 15, item 8: a 転入 cancelled (取消し) leaves no blank 除票 row in search."""
    from lgcloud.areas.registry.actions.cancel import cancel_event

    with municipality_scope(muni_a, Actor("test", "system", "system")):
        r = move_in(persons=[{"family_name": "誤記", "given_name": "入力", "birth_date": "1990-01-01", "sex": "male",
                              "relationship": "世帯主"}], address={"address": "伊奈町小室77"},
                    effective_on="2024-04-01", notified_on="2024-04-01", previous_address="東京都")
        cancel_event(event_id=r.event.pk, reason="別人の届出を誤って入力")
        assert search.search(search.SearchQuery(person_no=str(r.persons[0].person_no))).total == 0
        assert search.search(search.SearchQuery(address="小室77")).total == 0
