"""As-of lists (issue: registry hardening, item 15): residents and removed persons of the municipality or a
household as of a date, paged, through the API and the CLI; `as_of` on search; 支援措置 persons left out."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from lgcloud.areas.registry import restrictions
from lgcloud.areas.registry.actions import address, removal
from lgcloud.areas.registry.actions import move_in as move_in_actions
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import api_client


def _p(family: str, given: str, kana: str, birth: str, rel: str, sex: str = "male") -> dict[str, Any]:
    return {"family_name": family, "given_name": given, "family_name_kana": kana.split()[0],
            "given_name_kana": kana.split()[1], "birth_date": birth, "sex": sex, "relationship": rel}


@pytest.fixture
def register(muni_a: Any) -> dict[str, Any]:
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        a = move_in_actions.move_in(persons=[_p("秋山", "一郎", "アキヤマ イチロウ", "1970-01-01", "世帯主"),
                                             _p("秋山", "花", "アキヤマ ハナ", "1972-02-02", "妻", "female")],
                                    address={"address": "埼玉県北足立郡伊奈町小室1"}, effective_on="2020-04-01",
                                    notified_on="2020-04-01", previous_address="東京都")
        b = move_in_actions.move_in(persons=[_p("井上", "次郎", "イノウエ ジロウ", "1980-03-03", "世帯主")],
                                    address={"address": "埼玉県北足立郡伊奈町羽貫2"}, effective_on="2021-04-01",
                                    notified_on="2021-04-01", previous_address="東京都")
        removal.move_out(person_nos=[b.persons[0].person_no], destination="東京都", effective_on="2024-04-01",
                         notified_on="2024-03-25")
        address.move_within(household_no=a.households[0].household_no, address={"address": "埼玉県北足立郡伊奈町小針3"},
                            effective_on="2023-04-01", notified_on="2023-04-01")
        c = move_in_actions.move_in(persons=[_p("宇野", "三子", "ウノ ミツコ", "1990-04-04", "世帯主", "female")],
                                    address={"address": "埼玉県北足立郡伊奈町小室9"}, effective_on="2019-04-01",
                                    notified_on="2019-04-01", previous_address="東京都")
        restrictions.register_support_measure(applicant_person_no=c.persons[0].person_no,
                                               starts_on=dt.date(2025, 1, 1), offender_name="加害　太郎")
    return {"a": a, "b": b, "c": c}


def test_residents_and_removed_as_of_a_date_through_the_api(register: dict[str, Any], staff_of: dict[str, Any]) -> None:
    clerk = api_client(staff_of[Role.COUNTER_CLERK])
    r = clerk.get("/api/v1/registry/residents?as_of=2022-01-01")
    assert r.status_code == 200, r.content
    body = r.json()
    names = [p["name"] for p in body["persons"]]
    assert "井上　次郎" in names and "秋山　一郎" in names and body["total"] == 3  # 宇野 (protected) left out
    assert all("宇野" not in n for n in names)
    assert next(p for p in body["persons"] if p["name"] == "秋山　一郎")["address"] == "埼玉県北足立郡伊奈町小室1"
    removed = clerk.get("/api/v1/registry/residents?as_of=令和6年5月1日&status=removed").json()
    assert [p["name"] for p in removed["persons"]] == ["井上　次郎"]
    page = clerk.get("/api/v1/registry/residents?as_of=2022-01-01&limit=1&offset=1").json()
    assert page["total"] == 3 and len(page["persons"]) == 1
    hh = register["a"].households[0].household_no
    members = clerk.get(f"/api/v1/registry/residents?as_of=2023-05-01&household_no={hh}").json()
    assert {p["address"] for p in members["persons"]} == {"埼玉県北足立郡伊奈町小針3"}
    assert clerk.get("/api/v1/registry/residents?as_of=2022-01-01&limit=0").status_code == 400
    assert clerk.get("/api/v1/registry/residents?as_of=not-a-date").status_code == 400
    assert AuditRecord.objects.filter(action="registry.as_of_list").count() >= 4


def test_search_as_of_reads_the_state_of_that_day(register: dict[str, Any], staff_of: dict[str, Any]) -> None:
    clerk = api_client(staff_of[Role.COUNTER_CLERK])
    r = clerk.post("/api/v1/registry/search", data={"address": "小室1", "as_of": "2022-01-01"},
                   content_type="application/json")
    assert [p["name"] for p in r.json()["persons"]] == ["秋山　一郎", "秋山　花"]
    r = clerk.post("/api/v1/registry/search", data={"address": "小室1", "as_of": "2024-01-01"},
                   content_type="application/json")
    assert r.json()["persons"] == []  # they had moved to 小針 by then


def test_residents_on_the_command_line(register: dict[str, Any], muni_a: Any) -> None:
    out = io.StringIO()
    call_command("registry", "residents", "--municipality", muni_a.code, "--as-of", "2022-01-01", "--format", "json",
                 stdout=out, stderr=io.StringIO())
    listed = json.loads(out.getvalue())
    assert listed["total"] == 4  # the command line is the system: protected persons are listed
    out = io.StringIO()
    call_command("registry", "residents", "--municipality", muni_a.code, "--as-of", "2025-01-01", "--status",
                 "removed", stdout=out, stderr=io.StringIO())
    assert "井上" in out.getvalue() and out.getvalue().startswith("person_no,")
