"""The HTTP API: token auth, Japanese errors, roles, joins and parameter overrides."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lgcloud.platform.accounts.models import ApiToken
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.audit.sealing import seal
from lgcloud.platform.params import services as params
from lgcloud.platform.params.models import Override
from lgcloud.platform.tenancy.models import Membership, Municipality
from tests.conftest import api_client

LEVY_CAP = "nhi_tax.medical.levy_cap"
JSON = "application/json"

pytestmark = pytest.mark.django_db


def _japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def test_openapi_document_is_served_without_a_token() -> None:
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["info"]["title"] == "lgcloud API"
    for path in ("/api/v1/me", "/api/v1/group/members", "/api/v1/municipality/parameters/{name}/{fiscal_year}"):
        assert path in doc["paths"], path


def test_me_returns_the_staff_members_municipality(staff_of: dict[str, Any], muni_a: Municipality) -> None:
    r = api_client(staff_of["counter_clerk"]).get("/api/v1/me")
    assert r.status_code == 200
    me = r.json()
    assert me["username"] == staff_of["counter_clerk"].username
    assert me["municipality_code"] == "113018"
    assert me["municipality_name"] == "埼玉県伊奈町"
    assert me["role"] == "counter_clerk" and me["role_label"] == "窓口職員"
    assert "personal_data" in me["capabilities"]
    assert me["group"] is None


def test_me_of_the_secretariat_names_the_group(staff_of: dict[str, Any]) -> None:
    me = api_client(staff_of["group_secretariat"]).get("/api/v1/me").json()
    assert me["municipality_code"] is None and me["group"] == "テスト協議会"
    assert "personal_data" not in me["capabilities"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer lgc_not-a-token"}, {"Authorization": "Basic eDp5"}])
def test_without_a_valid_token_401_in_japanese(db: Any, headers: dict[str, str]) -> None:
    r = Client(headers=headers).get("/api/v1/me")
    assert r.status_code == 401
    assert r["Content-Type"].startswith(JSON)
    assert "認証されていません" in r.json()["detail"]


def test_token_stops_working_when_revoked_inactive_or_no_longer_a_member(
    staff_of: dict[str, Any], muni_a: Municipality
) -> None:
    staff = staff_of["counter_clerk"]
    token, raw = ApiToken.issue(staff, "連携")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert client.get("/api/v1/me").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.token_hash != raw and raw not in token.token_hash

    Membership.objects.filter(municipality=muni_a).update(left_on=timezone.localdate())
    assert client.get("/api/v1/me").status_code == 401
    Membership.objects.filter(municipality=muni_a).update(left_on=None)
    assert client.get("/api/v1/me").status_code == 200

    staff.is_active = False
    staff.save()
    assert client.get("/api/v1/me").status_code == 401
    staff.is_active = True
    staff.save()
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert client.get("/api/v1/me").status_code == 401


# --- group ---------------------------------------------------------------------------------------


def test_secretariat_lists_members(staff_of: dict[str, Any], muni_a: Municipality, muni_b: Municipality) -> None:
    r = api_client(staff_of["group_secretariat"]).get("/api/v1/group/members")
    assert r.status_code == 200
    members = r.json()
    assert [m["code"] for m in members] == ["113018", "113271"]
    assert members[0]["name"] == "伊奈町" and members[0]["joined_on"] == "2014-04-01"
    assert members[0]["left_on"] is None and members[0]["later_member"] is False


def test_secretariat_joins_a_member(staff_of: dict[str, Any], muni_a: Municipality) -> None:
    client = api_client(staff_of["group_secretariat"])
    r = client.post("/api/v1/group/members", {"code": "113263", "population": 32000}, content_type=JSON)
    assert r.status_code == 201
    body = r.json()
    assert body["code"] == "113263" and body["name"] == "埼玉県毛呂山町"
    assert body["admin_username"] == "113263-admin" and len(body["admin_password"]) >= 12
    assert body["joined_on"] == timezone.localdate().isoformat()
    m = Municipality.objects.get(code="113263")
    assert m.population == 32000 and m.is_active_member()
    assert Membership.objects.get(municipality=m).is_later_member
    assert AuditRecord.objects.filter(action="group.join_member", chain="platform", actor="secretariat").exists()
    codes = [x["code"] for x in client.get("/api/v1/group/members").json()]
    assert "113263" in codes

    r = client.post("/api/v1/group/members", {"code": "113263"}, content_type=JSON)
    assert r.status_code == 409
    assert "既に" in r.json()["detail"] and "毛呂山町" in r.json()["detail"]
    assert Membership.objects.filter(municipality=m).count() == 1


@pytest.mark.parametrize(("code", "expected"), [
    ("113264", "検査数字が正しくありません"),
    ("11326", "6桁の数字"),
    ("11326²", "6桁の数字"),
    ("010006", "団体コード表にありません"),
])
def test_join_with_a_bad_code_is_400_in_japanese(staff_of: dict[str, Any], code: str, expected: str) -> None:
    r = api_client(staff_of["group_secretariat"]).post("/api/v1/group/members", {"code": code}, content_type=JSON)
    assert r.status_code == 400
    assert expected in r.json()["detail"]
    assert r.json()["field"] == "municipality_code"
    assert not Membership.objects.filter(municipality__code=code).exists()


@pytest.mark.parametrize("role", ["counter_clerk", "municipal_admin", "operator"])
def test_other_roles_get_403_on_group_routes(staff_of: dict[str, Any], role: str) -> None:
    client = api_client(staff_of[role])
    for r in (
        client.get("/api/v1/group/members"),
        client.post("/api/v1/group/members", {"code": "113263"}, content_type=JSON),
        client.get("/api/v1/group/deviations"),
    ):
        assert r.status_code == 403
        assert "権限がありません" in r.json()["detail"]
    assert not Municipality.objects.filter(code="113263").exists()


# --- parameters ----------------------------------------------------------------------------------


def test_admin_sets_an_override(staff_of: dict[str, Any], muni_a: Municipality, muni_b: Municipality) -> None:
    client = api_client(staff_of["municipal_admin"])
    r = client.put(f"/api/v1/municipality/parameters/{LEVY_CAP}/2026", {"value": "680000", "reason": "条例"},
                   content_type=JSON)
    assert r.status_code == 200
    assert r.json() == {"parameter": LEVY_CAP, "fiscal_year": 2026, "value": "680000"}
    assert params.value(LEVY_CAP, 2026, muni_a) == 680000
    rec = AuditRecord.objects.get(action="params.override_set")
    assert rec.chain == muni_a.code and rec.channel == "api"

    catalogue = {p["name"]: p for p in client.get("/api/v1/parameters?fiscal_year=2026").json()}
    assert catalogue[LEVY_CAP]["effective"] == "680000" and catalogue[LEVY_CAP]["standard"] == "670000"
    assert catalogue[LEVY_CAP]["min"] == "0" and catalogue[LEVY_CAP]["max"] == "2000000"
    assert len(catalogue) >= 21

    rows = api_client(staff_of["group_secretariat"]).get("/api/v1/group/deviations?fiscal_year=2026").json()
    [row] = rows
    assert row["parameter"] == LEVY_CAP and row["standard"] == "670,000円"
    assert row["members"] == [{"code": "113018", "value": "680,000円"}, {"code": "113271", "value": None}]


@pytest.mark.parametrize(("value", "expected"), [
    ("9999999", "0円 以上 2,000,000円 以下"),
    ("abc", "数値を入力してください"),
    ("1.5", "整数で入力してください"),
])
def test_admin_out_of_range_value_is_400_in_japanese(staff_of: dict[str, Any], value: str, expected: str) -> None:
    r = api_client(staff_of["municipal_admin"]).put(
        f"/api/v1/municipality/parameters/{LEVY_CAP}/2026", {"value": value}, content_type=JSON
    )
    assert r.status_code == 400
    assert expected in r.json()["detail"]
    assert r.json()["field"] == "value"
    assert not Override.objects.exists()
    assert not AuditRecord.objects.filter(action="params.override_set").exists()


def test_override_errors_for_year_name_and_role(staff_of: dict[str, Any]) -> None:
    admin = api_client(staff_of["municipal_admin"])
    r = admin.put(f"/api/v1/municipality/parameters/{LEVY_CAP}/1999", {"value": "1"}, content_type=JSON)
    assert r.status_code == 400 and "年度" in r.json()["detail"]
    r = admin.put(f"/api/v1/municipality/parameters/{LEVY_CAP}/R8", {"value": "1"}, content_type=JSON)
    assert r.status_code == 400 and _japanese(r.json()["detail"])
    r = admin.put("/api/v1/municipality/parameters/nhi_tax.nope/2026", {"value": "1"}, content_type=JSON)
    assert r.status_code == 404 and "カタログにありません" in r.json()["detail"]
    for role in ("counter_clerk", "group_secretariat"):
        r = api_client(staff_of[role]).put(
            f"/api/v1/municipality/parameters/{LEVY_CAP}/2026", {"value": "680000"}, content_type=JSON
        )
        assert r.status_code == 403
    assert not Override.objects.exists()


# --- malformed input -----------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["{not json", '{"code": ', "\xff\xfe", "[]", "null", '"113263"', "42"])
def test_malformed_json_is_400_not_500(staff_of: dict[str, Any], body: str) -> None:
    client = api_client(staff_of["group_secretariat"])
    r = client.post("/api/v1/group/members", body, content_type=JSON)
    assert r.status_code == 400, r.content
    assert r["Content-Type"].startswith(JSON)
    assert _japanese(r.json()["detail"])
    assert not Municipality.objects.filter(code="113263").exists()


def test_malformed_json_on_put_is_400(staff_of: dict[str, Any]) -> None:
    r = api_client(staff_of["municipal_admin"]).put(
        f"/api/v1/municipality/parameters/{LEVY_CAP}/2026", "{value: 1}", content_type=JSON
    )
    assert r.status_code == 400
    assert _japanese(r.json()["detail"])


@pytest.mark.parametrize("payload", [{}, {"code": 113263}, {"code": "113263", "population": "many"},
                                     {"code": "113263", "joined_on": "令和8年4月1日"}])
def test_wrong_fields_are_400_in_japanese(staff_of: dict[str, Any], payload: dict[str, Any]) -> None:
    r = api_client(staff_of["group_secretariat"]).post("/api/v1/group/members", payload, content_type=JSON)
    assert r.status_code == 400
    assert r.json()["detail"].startswith("入力内容が正しくありません")
    assert not Municipality.objects.filter(code="113263").exists()


def test_audit_routes_for_the_admin(staff_of: dict[str, Any], muni_a: Municipality) -> None:
    admin = api_client(staff_of["municipal_admin"])
    admin.put(f"/api/v1/municipality/parameters/{LEVY_CAP}/2026", {"value": "680000"}, content_type=JSON)
    records = admin.get("/api/v1/municipality/audit").json()
    assert [(r["action"], r["seq"]) for r in records] == [("params.override_set", None)]  # not sealed yet
    assert admin.get("/api/v1/municipality/audit/verify").json() == {
        "ok": True, "checked": 0, "broken_seq": None, "reason": "", "unsealed": 1
    }
    seal()
    assert admin.get("/api/v1/municipality/audit/verify").json() == {
        "ok": True, "checked": 1, "broken_seq": None, "reason": "", "unsealed": 0
    }
    assert api_client(staff_of["counter_clerk"]).get("/api/v1/municipality/audit").status_code == 403
