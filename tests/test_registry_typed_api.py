"""The typed 異動 API: the OpenAPI document names a 転入 person's items and documents the date type; a 和暦 date in a
body is accepted, a bad one answers 400 naming the field; one catalogue feeds the screens, the API and approvals."""

from __future__ import annotations

import inspect
import json

import pytest

from lgcloud.areas.registry import approvals, catalogue
from lgcloud.areas.registry.models import EventKind, Person, RegistryEvent
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.api.types import DATE_DESCRIPTION
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import api_client

BASE = "/api/v1/registry"
PERSON = {"family_name": "佐藤", "given_name": "健", "family_name_kana": "サトウ", "given_name_kana": "ケン",
          "birth_date": "S55.2.2", "sex": "male", "relationship": "世帯主"}
MOVE_IN = {"persons": [PERSON], "address": {"address": "埼玉県北足立郡伊奈町小室1-1"},
           "effective_on": "令和8年4月1日", "notified_on": "R8.4.3", "previous_address": "東京都新宿区"}


def post(client, path, body):
    return client.post(BASE + path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def clerk(staff_of):
    return api_client(staff_of[Role.COUNTER_CLERK])


def test_openapi_lists_the_move_in_persons_items_and_the_date_type(clerk):
    doc = clerk.get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    body = doc["paths"][f"{BASE}/events/move_in"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    move_in = schemas[body["$ref"].rsplit("/", 1)[1]]
    person_ref = move_in["properties"]["persons"]["items"]["$ref"]
    person = schemas[person_ref.rsplit("/", 1)[1]]["properties"]
    for item in ("family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date", "sex",
                 "relationship", "nationality", "alphabet_name", "individual_number"):
        assert item in person, item
    assert person["family_name"]["description"] == "氏"
    assert DATE_DESCRIPTION in json.dumps(move_in["properties"]["effective_on"], ensure_ascii=False)
    assert DATE_DESCRIPTION in json.dumps(person["birth_date"], ensure_ascii=False)
    # The operation ids and paths of the routes the catalogue generates are those of the hand-written routes.
    for slug in catalogue.OPERATIONS:
        assert doc["paths"][f"{BASE}/events/{slug}"]["post"]["operationId"] == f"lgcloud_areas_registry_api_{slug}"


def test_a_wareki_date_is_accepted(clerk, muni_a):
    r = post(clerk, "/events/move_in", MOVE_IN)
    assert r.status_code == 201, r.json()
    assert r.json()["effective_on"] == "2026-04-01"
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        person = Person.objects.get(person_no=r.json()["persons"][0])
        assert person.birth_date.isoformat() == "1980-02-02"
        assert person.notified_on.isoformat() == "2026-04-03"


@pytest.mark.parametrize(("body", "field", "label"), [
    ({**MOVE_IN, "effective_on": "令和8年13月1日"}, "effective_on", "異動日"),
    ({**MOVE_IN, "notified_on": "R8.2.30"}, "notified_on", "届出日"),
    ({**MOVE_IN, "persons": [{**PERSON, "birth_date": "昭和99年1月1日"}]}, "birth_date", "生年月日"),
])
def test_a_bad_date_is_400_naming_the_field(clerk, muni_a, body, field, label):
    r = post(clerk, "/events/move_in", body)
    assert r.status_code == 400
    assert r.json()["field"] == field
    assert label in r.json()["detail"] and field in r.json()["detail"]
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        assert RegistryEvent.objects.count() == 0


def test_an_unknown_person_item_is_400(clerk):
    r = post(clerk, "/events/move_in", {**MOVE_IN, "persons": [{**PERSON, "favourite_colour": "青"}]})
    assert r.status_code == 400 and r.json()["field"] == "favourite_colour"


def test_one_catalogue_for_screens_api_and_approvals():
    ops = catalogue.OPERATIONS
    # every 異動 a person or household can go through is in the catalogue (転出確定 comes from the inbox, データ移行
    # from the interchange)
    covered = {kind for op in ops.values() for kind in op.kinds}
    assert set(EventKind.values) - covered == {EventKind.MOVE_OUT_CONFIRMED, EventKind.MIGRATION}
    # approvals prepare exactly what the catalogue lets a contractor prepare, plus 証明書の交付
    assert set(approvals._operations()) == {s for s, op in ops.items() if op.contractor} | {"issue_certificate"}
    # an entry with an acknowledgement rule has a service that takes acknowledge_alerts
    for op in ops.values():
        if op.acknowledge is not None:
            params = inspect.signature(op.service, follow_wrapped=False).parameters
            assert "acknowledge_alerts" in params or any(p.kind == p.VAR_KEYWORD for p in params.values()), op.slug
    assert all(op.schema is not None and op.build is not None for op in ops.values())
