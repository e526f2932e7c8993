"""住民記録 API: the same services, the same Japanese errors naming the field, 409 alerts until acknowledged,
支援措置 refusals, the contractor's entries waiting for a clerk, and a capability on every route."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lgcloud.areas.registry import restrictions
from lgcloud.areas.registry.models import Certificate, EventKind, Person, RegistryEvent, Status
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import api_client

ADDRESS = "埼玉県北足立郡伊奈町小室1-1"
NUMBER = "123456789018"
BASE = "/api/v1/registry"


def scoped(muni):
    return municipality_scope(muni, Actor("test", "system", "system"))


def post(client, path, body=None):
    return client.post(BASE + path, data=json.dumps(body or {}), content_type="application/json")


def family() -> list[dict]:
    return [
        {"family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
         "birth_date": "1985-04-02", "sex": "male", "relationship": "世帯主", "individual_number": NUMBER},
        {"family_name": "山田", "given_name": "花子", "family_name_kana": "ヤマダ", "given_name_kana": "ハナコ",
         "birth_date": "1987-09-15", "sex": "female", "relationship": "妻"},
        {"family_name": "山田", "given_name": "一郎", "family_name_kana": "ヤマダ", "given_name_kana": "イチロウ",
         "birth_date": "2010-01-20", "sex": "male", "relationship": "子"},
    ]


MOVE_IN = {"persons": family(), "address": {"address": ADDRESS, "address_extra": "伊奈ハイツ202"},
           "effective_on": "2020-04-01", "notified_on": "2020-04-05", "previous_address": "東京都新宿区"}


@pytest.fixture
def clerk(staff_of):
    return api_client(staff_of[Role.COUNTER_CLERK])


@pytest.fixture
def moved_in(clerk):
    r = post(clerk, "/events/move_in", MOVE_IN)
    assert r.status_code == 201, r.json()
    return r.json()


def test_move_in_of_a_family(moved_in, clerk, muni_a):
    assert moved_in["kind"] == "move_in" and len(moved_in["persons"]) == 3 and len(moved_in["households"]) == 1
    hh = clerk.get(f"{BASE}/households/{moved_in['households'][0]}").json()
    assert [(m["name"], m["relationship"]) for m in hh["members"]] == [
        ("山田　太郎", "世帯主"), ("山田　花子", "妻"), ("山田　一郎", "子")]
    assert hh["members"][0]["birth_date_text"] == "昭和60年4月2日"
    person = clerk.get(f"{BASE}/persons/{moved_in['persons'][0]}").json()
    assert person["items"]["individual_number"] == "********9018" and NUMBER not in json.dumps(person)
    assert person["items"]["address"] == ADDRESS
    with scoped(muni_a):
        assert AuditRecord.objects.filter(action="registry.person_viewed").count() == 1


def test_bad_input_is_400_naming_the_field_and_nothing_is_written(clerk, muni_a):
    bad = {**MOVE_IN, "persons": [*family()[:2], {**family()[2], "relationship": "孫"}]}
    r = post(clerk, "/events/move_in", bad)
    assert r.status_code == 400 and r.json()["field"] == "relationship" and "子の子" in r.json()["detail"]
    r = post(clerk, "/events/move_in", {**MOVE_IN, "effective_on": "2020/13/01"})
    assert r.status_code == 400 and r.json()["field"] == "effective_on"
    r = post(clerk, "/events/move_in", {**MOVE_IN, "kind": "birth"})
    assert r.status_code == 400 and r.json()["field"] == "kind"
    r = post(clerk, "/events/move_in", {**MOVE_IN, "persons": [{**family()[0], "birth_date": 1985}]})
    assert r.status_code == 400 and r.json()["field"] == "birth_date"
    r = post(clerk, "/events/birth", {})
    assert r.status_code == 400 and r.json()["field"] == "effective_on"
    with scoped(muni_a):
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0


def test_birth_move_within_split_death_move_out_and_cancellation(moved_in, clerk, muni_a):
    taro, hanako, ichiro = moved_in["persons"]
    hh = moved_in["households"][0]
    r = post(clerk, "/events/birth", {"child": {"family_name": "山田", "given_name": "二郎", "sex": "male",
                                                "relationship": "子"}, "household_no": hh,
                                      "mother_person_no": hanako, "effective_on": "2021-06-10",
                                      "notified_on": "2021-06-14"})
    assert r.status_code == 201
    jiro = r.json()["persons"][0]
    versions = {m["person_no"]: m["version"] for m in clerk.get(f"{BASE}/households/{hh}").json()["members"]}
    r = post(clerk, "/events/move_within", {"household_no": hh, "address": {"address": "伊奈町内宿台3-3"},
                                            "effective_on": "2022-10-01", "notified_on": "2022-10-03",
                                            "versions": versions})
    assert r.status_code == 201
    r = post(clerk, "/events/household_split", {"person_nos": [ichiro], "new_head_person_no": ichiro,
                                                "address": {"address": "伊奈町小室2-2"}, "effective_on": "2024-04-01",
                                                "notified_on": "2024-04-02"})
    assert r.status_code == 201
    new_hh = next(h for h in r.json()["households"] if h != hh)
    r = post(clerk, "/events/death", {"person_no": taro, "death_date": "2025-02-01", "notified_on": "2025-02-03",
                                      "new_head_person_no": hanako, "relationships": {jiro: "子"}})
    assert r.status_code == 201
    r = post(clerk, "/events/move_out", {"person_nos": [ichiro], "destination": "埼玉県比企郡川島町",
                                         "effective_on": "2025-05-01", "notified_on": "2025-04-25"})
    assert r.status_code == 201
    out_event = r.json()["event_id"]
    assert clerk.get(f"{BASE}/persons/{ichiro}").json()["items"]["status"] == Status.REMOVED
    r = post(clerk, "/events/cancellation", {"event_id": out_event, "reason": "転出予定日の誤り"})
    assert r.status_code == 201
    assert clerk.get(f"{BASE}/persons/{ichiro}").json()["items"]["status"] == Status.RESIDENT
    # as-of reads
    then = clerk.get(f"{BASE}/households/{hh}", {"as_of": "令和3年1月1日"}).json()
    assert [m["name"] for m in then["members"]] == ["山田　太郎", "山田　花子", "山田　一郎"]
    assert then["address"] == ADDRESS
    old = clerk.get(f"{BASE}/persons/{ichiro}", {"as_of": "2023-01-01"}).json()
    assert old["items"]["household_no"] == hh
    assert clerk.get(f"{BASE}/persons/{ichiro}", {"as_of": "2019-01-01"}).json()["found"] is False
    assert clerk.get(f"{BASE}/persons/{ichiro}", {"as_of": "昭和65年1月1日"}).status_code == 400
    assert clerk.get(f"{BASE}/households/{new_hh}").json()["members"][0]["person_no"] == ichiro
    history = clerk.get(f"{BASE}/persons/{ichiro}/history").json()
    assert [h["kind"] for h in history][:2] == [EventKind.CANCELLATION, EventKind.MOVE_OUT]
    assert history[1]["cancelled"] is True


def test_stale_edit_is_409(moved_in, clerk):
    taro = moved_in["persons"][0]
    hh = moved_in["households"][0]
    seen = clerk.get(f"{BASE}/persons/{taro}").json()["version"]
    body = {"household_no": hh, "effective_on": "2021-01-01", "notified_on": "2021-01-01", "versions": {taro: seen}}
    assert post(clerk, "/events/move_within", {**body, "address": {"address": "一回目"}}).status_code == 201
    r = post(clerk, "/events/move_within", {**body, "address": {"address": "二回目"}})
    assert r.status_code == 409 and "他の職員" in r.json()["detail"]


def test_alert_is_409_until_acknowledged(moved_in, clerk, muni_a):
    hh = moved_in["households"][0]
    with scoped(muni_a):
        restrictions.set_restriction(action="change", mode="alert", starts_on=dt.date(2020, 1, 1), reason="要確認",
                                     household_no=hh)
    body = {"household_no": hh, "address": {"address": "新住所"}, "effective_on": "2021-01-01",
            "notified_on": "2021-01-01"}
    r = post(clerk, "/events/move_within", body)
    assert r.status_code == 409 and any("要確認" in a for a in r.json()["alerts"])
    r = post(clerk, "/events/move_within", {**body, "acknowledge_alerts": True})
    assert r.status_code == 201


def test_refuse_block_is_403(moved_in, clerk, muni_a):
    taro = moved_in["persons"][0]
    with scoped(muni_a):
        restrictions.set_restriction(action="inquiry", mode="refuse", starts_on=dt.date(2020, 1, 1), reason="調査中",
                                     person_no=taro)
    r = clerk.get(f"{BASE}/persons/{taro}", {"acknowledge_alerts": True})
    assert r.status_code == 403 and ADDRESS not in r.content.decode()


# --- 支援措置 ----------------------------------------------------------------------------------------------

OFFENDER = {"requester_name": "佐藤 健太", "requester_birth_date": "1980-01-01"}


@pytest.fixture
def protected(moved_in, muni_a):
    hanako = moved_in["persons"][1]
    with scoped(muni_a):
        restrictions.register_support_measure(applicant_person_no=hanako, starts_on=dt.date.today(),
                                              offender_name="佐藤 健太", offender_birth_date=dt.date(1980, 1, 1))
    return hanako, moved_in["households"][0]


def test_support_measure_person_and_household_refused_to_the_offender(protected, clerk, muni_a):
    hanako, hh = protected
    for path in (f"/persons/{hanako}", f"/persons/{hanako}/history", f"/households/{hh}"):
        r = clerk.get(BASE + path)
        assert r.status_code == 409 and r.json()["alerts"] and ADDRESS not in r.content.decode(), path
        r = clerk.get(BASE + path, {**OFFENDER, "acknowledge_alerts": True})
        assert r.status_code == 403 and ADDRESS not in r.content.decode(), path
    r = clerk.get(f"{BASE}/persons/{hanako}", {"acknowledge_alerts": True, "requester_name": "山田 花子"})
    assert r.status_code == 200 and r.json()["items"]["address"] == ADDRESS and r.json()["support_measure"]
    with scoped(muni_a):
        assert AuditRecord.objects.filter(action="registry.refused.inquiry").count() == 3
        assert AuditRecord.objects.filter(action="registry.alert.inquiry").count() >= 4


def test_support_measure_search_hides_the_address(protected, clerk):
    hanako, _hh = protected
    found = {p["person_no"]: p for p in post(clerk, "/search", {"kana": "ﾔﾏﾀﾞ"}).json()["persons"]}
    assert found[hanako]["address"] is None and found[hanako]["address_hidden"] is True
    assert found[hanako]["household_no"] is None
    assert found[hanako - 1]["address"] == ADDRESS + "伊奈ハイツ202"


def test_support_measure_certificate_refused_to_the_offender(protected, clerk, muni_a):
    hanako, _hh = protected
    body = {"kind": "residence_certificate", "person_nos": [hanako], "layout": "single",
            "requester": {"name": "佐藤　健太", "birth_date": "1980-01-01", "relationship": "third_party"},
            "purpose": "債権回収", "acknowledge_alerts": True}
    for path in ("/certificates", "/certificates/preview"):
        r = post(clerk, path, body)
        assert r.status_code == 403 and ADDRESS not in r.content.decode()
    # an agent sent by the offender is refused too
    agent = {**body, "requester": {"name": "代理 太郎", "relationship": "agent",
                                   "principal": {"name": "佐藤 健太", "birth_date": "1980-01-01"}}}
    assert post(clerk, "/certificates", agent).status_code == 403
    with scoped(muni_a):
        assert Certificate.objects.count() == 0
        assert AuditRecord.objects.filter(action="registry.refused.issue").count() == 3


# --- certificates --------------------------------------------------------------------------------------


def test_issue_returns_code_and_pdf_url(moved_in, clerk, muni_a):
    hh = moved_in["households"][0]
    r = post(clerk, "/certificates", {"kind": "residence_certificate", "household_no": hh, "layout": "household",
                                      "requester": {"name": "山田 太郎", "relationship": "本人",
                                                    "person_no": moved_in["persons"][0]},
                                      "purpose": "運転免許証の申請"})
    assert r.status_code == 201, r.json()
    out = r.json()
    assert len(out["verification_code"]) == 16 and out["fee"] == 300 and out["verification_url"].endswith(
        f"/verify/{out['verification_code']}/")
    pdf = clerk.get(out["pdf_url"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    with scoped(muni_a):
        assert bytes(Certificate.objects.get().pdf) == pdf.content
    assert clerk.get(f"{BASE}/certificates/{out['issue_no']}/pdf").status_code == 400  # a reason is needed


# --- the counter contractor ---------------------------------------------------------------------------------


def test_contractor_prepares_clerk_approves(staff_of, clerk, muni_a):
    contractor = api_client(staff_of[Role.COUNTER_CONTRACTOR])
    r = post(contractor, "/events/move_in", MOVE_IN)
    assert r.status_code == 202 and r.json()["operation"] == "move_in"
    request_id = r.json()["id"]
    with scoped(muni_a):
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0
    assert post(contractor, f"/approvals/{request_id}/approve").status_code == 403
    assert post(contractor, "/events/correction", {}).status_code == 403  # approvals do not take it
    assert [a["id"] for a in clerk.get(f"{BASE}/approvals").json()] == [request_id]
    r = post(clerk, f"/approvals/{request_id}/approve")
    assert r.status_code == 200 and r.json()["event"]["kind"] == "move_in"
    with scoped(muni_a):
        assert RegistryEvent.objects.get().kind == EventKind.MOVE_IN and Person.objects.count() == 3
    assert post(clerk, f"/approvals/{request_id}/approve").status_code == 409


def test_contractor_certificate_request_is_approved_into_a_certificate(moved_in, staff_of, clerk, muni_a):
    contractor = api_client(staff_of[Role.COUNTER_CONTRACTOR])
    r = post(contractor, "/certificates", {"kind": "residence_certificate", "person_nos": [moved_in["persons"][0]],
                                           "layout": "single", "requester": {"name": "山田 太郎", "relationship": "本人"},
                                           "purpose": "年金の手続"})
    assert r.status_code == 202
    with scoped(muni_a):
        assert Certificate.objects.count() == 0
    r = post(clerk, f"/approvals/{r.json()['id']}/approve")
    assert r.status_code == 200 and len(r.json()["certificate"]["verification_code"]) == 16


# --- capabilities ---------------------------------------------------------------------------------------


def test_every_route_needs_a_capability(staff_of, client):
    schema = client.get("/api/v1/openapi.json").json()
    routes = [(path, method) for path, ops in schema["paths"].items() if path.startswith("/api/v1/registry/")
              for method in ops]
    assert len(routes) > 30
    for role in (Role.GROUP_SECRETARIAT, Role.OPERATOR):
        c = api_client(staff_of[role])
        for path, method in routes:
            url = path.replace("{person_no}", "1").replace("{household_no}", "1").replace("{request_id}", "1") \
                .replace("{issue_no}", "1").replace("{restriction_id}", "1").replace("{measure_id}", "1") \
                .replace("{action}", "end").replace("{review_id}", "1")
            r = getattr(c, method)(url, data="{}", content_type="application/json") if method == "post" \
                else c.get(url)
            assert r.status_code == 403, (role, method, path, r.status_code)


@pytest.mark.parametrize("role, search, change, issue", [
    (Role.COUNTER_CLERK, 200, 201, 201),
    (Role.TAX, 200, 403, 403),
    (Role.INSURANCE, 200, 403, 403),
    (Role.MUNICIPAL_ADMIN, 200, 403, 403),
])
def test_permissions_per_role(moved_in, staff_of, role, search, change, issue):
    c = api_client(staff_of[role])
    assert post(c, "/search", {"kana": "ヤマダ"}).status_code == search
    hh = moved_in["households"][0]
    r = post(c, "/events/move_within", {"household_no": hh, "address": {"address": f"新住所{role}"},
                                        "effective_on": "2021-01-01", "notified_on": "2021-01-01"})
    assert r.status_code == change
    r = post(c, "/certificates", {"kind": "residence_certificate", "household_no": hh,
                                  "requester": {"name": "山田 太郎", "relationship": "本人"}, "purpose": "確認"})
    assert r.status_code == issue


def test_restrictions_and_support_measures(moved_in, staff_of, clerk):
    taro = moved_in["persons"][0]
    admin = api_client(staff_of[Role.MUNICIPAL_ADMIN])
    assert post(clerk, "/restrictions", {"person_no": taro, "action": "issue", "mode": "refuse",
                                         "starts_on": "2024-01-01", "reason": "x"}).status_code == 403
    r = post(admin, "/restrictions", {"person_no": taro, "action": "issue", "mode": "refuse", "reason": "調査中"})
    assert r.status_code == 400 and r.json()["field"] == "starts_on"
    r = post(admin, "/restrictions", {"person_no": taro, "action": "issue", "mode": "refuse",
                                      "starts_on": "2024-01-01", "reason": "調査中"})
    assert r.status_code == 201
    rid = r.json()["id"]
    assert post(clerk, f"/restrictions/{rid}/lift").json()["lifted_until"] is not None
    assert post(clerk, f"/restrictions/{rid}/remove").status_code == 403
    assert post(admin, f"/restrictions/{rid}/remove").json()["removed"] is True
    r = post(clerk, "/support-measures", {"applicant_person_no": taro, "starts_on": "2026-01-01", "provisional": True,
                                          "offender_name": "某"})
    assert r.status_code == 201 and r.json()["status"] == "provisional"
    assert post(clerk, f"/support-measures/{r.json()['id']}/confirm").json()["status"] == "active"


def test_search_lists_a_page_of_limit_and_says_when_there_were_more(moved_in, clerk):
    r = post(clerk, "/search", {"kana": "ﾔﾏﾀﾞ", "limit": 2})
    assert r.status_code == 200 and r.json()["truncated"] is True and len(r.json()["persons"]) == 2
    # The lowest 宛名番号 are kept, shown in kana order.
    assert [p["kana"] for p in r.json()["persons"]] == ["ヤマダ　タロウ", "ヤマダ　ハナコ"]
    r = post(clerk, "/search", {"kana": "ﾔﾏﾀﾞ"})
    assert r.json()["truncated"] is False and r.json()["total"] == 3
    r = post(clerk, "/search", {"kana": "ﾔﾏﾀﾞ", "limit": 201})
    assert r.status_code == 400 and r.json()["field"] == "limit" and "1〜200" in r.json()["detail"]
