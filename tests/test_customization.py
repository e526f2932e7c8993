"""カスタマイズ要望: filing, permissions, bad input, the comparison table, decisions, statistics, API, demo."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lgcloud.group.customization import services
from lgcloud.group.customization.models import CustomizationComment, CustomizationRequest, Status
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import PLATFORM_CHAIN, AuditRecord
from lgcloud.platform.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.codes import DATA_DIR
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Group, Municipality
from tests.conftest import api_client, logged_in

pytestmark = pytest.mark.django_db

JSON = "application/json"
ROUNDING = "nhi_tax.reduction.rounding"
TOPIC = "住民票の写しの独自様式"


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "business_area": "registry",
        "topic": TOPIC,
        "description": "住民票の写しに町章を印字したい。",
        "reason": "service_level",
        "estimated_cost": "1200000",
        "cases_per_year": "9800",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_a(staff_of: dict[str, Staff]) -> Staff:
    return staff_of[Role.MUNICIPAL_ADMIN]


@pytest.fixture
def secretariat(staff_of: dict[str, Staff]) -> Staff:
    return staff_of[Role.GROUP_SECRETARIAT]


@pytest.fixture
def admin_b(make_staff: Callable[..., Staff], muni_b: Municipality) -> Staff:
    return make_staff(Role.MUNICIPAL_ADMIN, municipality=muni_b)


def _file(admin: Staff, **overrides: Any) -> CustomizationRequest:
    with municipality_scope(admin.municipality, Actor(admin.username, admin.role, "web", admin.pk)):
        return services.file_request(admin, _form(**overrides))


def _decide(secretariat: Staff, req: CustomizationRequest, decision: str, note: str = "",
            parameter: str | None = None) -> CustomizationRequest:
    with municipality_scope(None, Actor(secretariat.username, secretariat.role, "web", secretariat.pk)):
        return services.decide(req, decision, note, parameter, by=secretariat)


def _japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


# --- filing ----------------------------------------------------------------------------------------


def test_admin_files_a_request_for_their_own_municipality(admin_a: Staff, muni_a: Municipality,
                                                          group: Group) -> None:
    client = logged_in(admin_a)
    page = client.get("/customization/requests/new/")
    assert page.status_code == 200
    assert "カスタマイズ要望の提出" in page.content.decode()

    r = client.post("/customization/requests/new/", _form(estimated_cost="１，２００，０００円"))
    assert r.status_code == 302
    req = CustomizationRequest.objects.get()
    assert r["Location"] == f"/customization/requests/{req.pk}/?filed=1"
    assert (req.group, req.municipality, req.status) == (group, muni_a, Status.OPEN)
    assert req.estimated_cost == 1_200_000 and req.cases_per_year == 9_800
    assert req.filed_by == admin_a.username and req.decided_at is None

    audit = AuditRecord.objects.get(action="customization.filed")
    assert audit.chain == muni_a.code and audit.municipality == muni_a
    assert audit.actor == admin_a.username and audit.detail["topic"] == TOPIC

    detail = client.get(r["Location"]).content.decode()
    assert "要望を提出しました" in detail and TOPIC in detail and "1,200,000円" in detail
    listing = client.get("/customization/requests/").content.decode()
    assert TOPIC in listing and "検討中" in listing


def test_the_topic_is_normalised_and_a_member_cannot_file_the_same_topic_twice(admin_a: Staff) -> None:
    req = _file(admin_a, topic="　住民票の写しの  独自様式 ")
    assert req.topic == "住民票の写しの 独自様式"
    with pytest.raises(Conflict, match="既に提出しています"):
        _file(admin_a, topic="住民票の写しの 独自様式")
    r = logged_in(admin_a).post("/customization/requests/new/", _form(topic="住民票の写しの 独自様式"))
    assert r.status_code == 409
    assert "既に提出しています" in r.content.decode()
    assert CustomizationRequest.objects.count() == 1


def test_a_clerk_may_not_file_or_list(staff_of: dict[str, Staff], muni_a: Municipality) -> None:
    clerk = logged_in(staff_of[Role.COUNTER_CLERK])
    assert clerk.get("/customization/requests/").status_code == 403
    r = clerk.post("/customization/requests/new/", _form())
    assert r.status_code == 403
    assert "権限がありません" in r.content.decode()
    assert CustomizationRequest.objects.count() == 0
    with pytest.raises(PermissionDenied):
        services.file_request(staff_of[Role.COUNTER_CLERK], _form())
    # Neither the secretariat (it decides, it does not request) nor the operator files.
    for role in (Role.GROUP_SECRETARIAT, Role.OPERATOR):
        assert logged_in(staff_of[role]).post("/customization/requests/new/", _form()).status_code == 403
    assert CustomizationRequest.objects.count() == 0


def test_another_municipalitys_admin_gets_404_on_the_detail(admin_a: Staff, admin_b: Staff, secretariat: Staff,
                                                           make_staff: Callable[..., Staff],
                                                           staff_of: dict[str, Staff]) -> None:
    req = _file(admin_a)
    url = f"/customization/requests/{req.pk}/"
    assert logged_in(admin_a).get(url).status_code == 200
    assert logged_in(secretariat).get(url).status_code == 200
    r = logged_in(admin_b).get(url)
    assert r.status_code == 404
    assert TOPIC not in r.content.decode()
    assert logged_in(admin_b).post(f"{url}comments/", {"body": "横から失礼"}).status_code == 404
    assert TOPIC not in logged_in(admin_b).get("/customization/requests/").content.decode()
    # A clerk of A has no business here at all; another group's secretariat does not see it.
    assert logged_in(staff_of[Role.COUNTER_CLERK]).get(url).status_code == 403
    other = Group.objects.create(name="別の協議会")
    stranger = make_staff(Role.GROUP_SECRETARIAT, group=other, username="other-secretariat")
    assert logged_in(stranger).get(url).status_code == 404
    assert logged_in(stranger).post(f"{url}decide/", {"decision": "withdrawn"}).status_code == 404
    assert CustomizationComment.objects.count() == 0
    req.refresh_from_db()
    assert req.is_open


# --- bad input -------------------------------------------------------------------------------------


BAD = [
    ({"estimated_cost": "-5"}, "estimated_cost", "見積額（円）は0以上"),
    ({"estimated_cost": "百万"}, "estimated_cost", "見積額（円）は0以上の整数"),
    ({"estimated_cost": ""}, "estimated_cost", "見積額（円）を入力してください"),
    ({"topic": "  "}, "topic", "件名を入力してください"),
    ({"description": ""}, "description", "要望内容を入力してください"),
    ({"business_area": "土木"}, "business_area", "業務は次のいずれか"),
    ({"reason": "なんとなく"}, "reason", "理由は次のいずれか"),
    ({"cases_per_year": "-1"}, "cases_per_year", "年間件数は0以上"),
    ({"topic": "件" * 101}, "topic", "件名は100文字以内"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD)
def test_bad_input_is_refused_in_japanese_and_writes_nothing(
    admin_a: Staff, overrides: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as e:
        _file(admin_a, **overrides)
    assert e.value.field == field and message in e.value.message

    r = logged_in(admin_a).post("/customization/requests/new/", _form(**overrides))
    assert r.status_code == 400
    html = r.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html

    api = api_client(admin_a).post("/api/v1/customization/requests", json.dumps(_form(**overrides)),
                                   content_type=JSON)
    assert api.status_code == 400
    assert message in api.json()["detail"] and api.json()["field"] == field

    assert CustomizationRequest.objects.count() == 0
    assert not AuditRecord.objects.filter(action="customization.filed").exists()


def test_all_errors_are_reported_at_once(admin_a: Staff) -> None:
    r = logged_in(admin_a).post("/customization/requests/new/", _form(topic="", estimated_cost="-1", reason=""))
    assert r.status_code == 400
    html = r.content.decode()
    for text in ("件名を入力してください", "見積額（円）は0以上", "理由を選んでください", "3件の項目に誤り"):
        assert text in html
    assert CustomizationRequest.objects.count() == 0


def test_an_empty_form_post_gets_japanese_errors(admin_a: Staff) -> None:
    r = logged_in(admin_a).post("/customization/requests/new/", {})
    assert r.status_code == 400
    assert "件名を入力してください" in r.content.decode() and "業務を選んでください" in r.content.decode()
    assert CustomizationRequest.objects.count() == 0


def test_an_empty_api_body_gets_japanese_errors(admin_a: Staff) -> None:
    r = api_client(admin_a).post("/api/v1/customization/requests", "{}", content_type=JSON)
    assert r.status_code == 400
    assert _japanese(r.json()["detail"]) and "件名を入力してください" in r.json()["detail"]
    assert CustomizationRequest.objects.count() == 0


# --- the comparison table --------------------------------------------------------------------------


def test_the_comparison_table_lines_up_two_members_requests_with_the_same_topic(
    admin_a: Staff, admin_b: Staff, secretariat: Staff, muni_a: Municipality, muni_b: Municipality, group: Group
) -> None:
    a = _file(admin_a, estimated_cost="1200000")
    b = _file(admin_b, topic=f"　{TOPIC} ", estimated_cost="1150000", reason="own_policy")
    only_a = _file(admin_a, business_area="taxation", topic="税務の独自減免帳票", estimated_cost="1800000")

    table = services.comparison_table(group)
    assert table.members == [muni_a, muni_b]
    assert [(row.business_area, row.topic) for row in table.rows] == [
        ("registry", TOPIC), ("taxation", "税務の独自減免帳票")
    ]
    same = table.rows[0]
    assert same.cells == [a, b] and same.requesting_members == 2 and same.total_cost == 2_350_000
    assert table.rows[1].cells == [only_a, None]
    assert [s.label for s in table.sections] == ["住民記録", "税務"]

    r = logged_in(secretariat).get("/customization/comparison/")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<caption id="comparison-caption">' in html
    assert f'<th scope="col">{muni_a.name}</th><th scope="col">{muni_b.name}</th>' in html
    row_html = html.split(f'<th scope="row">{TOPIC}</th>')[1].split("</tr>")[0]
    assert f'id="req-{a.pk}"' in row_html and f'id="req-{b.pk}"' in row_html
    assert "1,200,000円" in row_html and "1,150,000円" in row_html and "独自施策" in row_html
    assert row_html.count("決定を登録") == 2
    tax_row = html.split('<th scope="row">税務の独自減免帳票</th>')[1].split("</tr>")[0]
    assert "要望なし" in tax_row
    # Members without any request get a column only when asked for.
    later = services.comparison_table(group, all_members=True)
    assert later.members == [muni_a, muni_b]

    api = api_client(secretariat).get("/api/v1/customization/comparison").json()
    assert [c["municipality_code"] for c in api[0]["cells"]] == [muni_a.code, muni_b.code]
    assert [c["request"]["id"] for c in api[0]["cells"]] == [a.pk, b.pk]
    assert api[1]["cells"][1]["request"] is None


def test_only_the_secretariat_sees_the_comparison_and_statistics(staff_of: dict[str, Staff]) -> None:
    for role in (Role.MUNICIPAL_ADMIN, Role.COUNTER_CLERK, Role.OPERATOR):
        client = logged_in(staff_of[role])
        assert client.get("/customization/comparison/").status_code == 403
        assert client.get("/customization/statistics/").status_code == 403
        assert api_client(staff_of[role]).get("/api/v1/customization/statistics").status_code == 403
    assert Client().get("/customization/comparison/").status_code == 302  # to the login


# --- decisions and statistics ----------------------------------------------------------------------


def test_decisions_reproduce_the_toyama_case_31_17_3_11(
    admin_a: Staff, admin_b: Staff, secretariat: Staff, group: Group, muni_a: Municipality, muni_b: Municipality
) -> None:
    facts = json.loads((DATA_DIR / "seed_facts.json").read_text(encoding="utf-8"))["customization_suppression_toyama"]
    plan = [Status.CUSTOMIZED] * 17 + [Status.MADE_STANDARD] * 3 + [Status.WITHDRAWN] * 11
    for i, decision in enumerate(plan):
        admin = admin_a if i % 2 == 0 else admin_b
        req = _file(admin, topic=f"要望{i:02d}", estimated_cost=str(100_000 * (i + 1)))
        _decide(secretariat, req, decision, "比較の結果")
    _file(admin_b, topic="検討中の要望", estimated_cost="50000")

    s = services.statistics(group)
    assert (s.requested, s.customized, s.made_standard, s.withdrawn, s.open) == (32, 17, 3, 11, 1)
    assert (s.decided, s.customized, s.made_standard, s.withdrawn) == (
        facts["requested"], facts["customized"], facts["made_standard"], facts["withdrawn"]
    )
    cost = [100_000 * (i + 1) for i in range(31)]
    assert s.cost_customized == sum(cost[:17])
    assert s.cost_made_standard == sum(cost[17:20])
    assert s.cost_withdrawn == sum(cost[20:])
    assert s.cost_open == 50_000 and s.cost_requested == sum(cost) + 50_000
    assert s.suppression_rate == round(100 * 14 / 31, 1) == 45.2
    # What each member pays on its own: its customised requests, nothing else.
    alone = {m.municipality.code: m.customized_cost for m in s.per_member}
    assert alone == {muni_a.code: sum(cost[0:17:2]), muni_b.code: sum(cost[1:17:2])}
    assert sum(alone.values()) == s.cost_customized

    html = logged_in(secretariat).get("/customization/statistics/").content.decode()
    assert '<td class="num" id="count-requested">32</td>' in html
    assert '<td class="num" id="count-customized">17</td>' in html
    assert '<td class="num" id="count-made_standard">3</td>' in html
    assert '<td class="num" id="count-withdrawn">11</td>' in html
    assert '<td class="num" id="count-open">1</td>' in html
    assert f"{s.cost_customized:,}円" in html and "要望団体の単独負担（共同契約の対象外）" in html
    assert 'href="/group/deviations/"' in html

    api = api_client(secretariat).get("/api/v1/customization/statistics").json()
    assert api["counts"] == {"requested": 32, "customized": 17, "made_standard": 3, "withdrawn": 11, "open": 1}
    assert api["estimated_cost"]["customized"] == s.cost_customized
    assert api["suppression_rate"] == 45.2
    assert AuditRecord.objects.filter(action="customization.decided", chain=PLATFORM_CHAIN).count() == 31


def test_a_customised_request_shows_the_member_pays_alone(admin_a: Staff, secretariat: Staff) -> None:
    req = _file(admin_a)
    r = logged_in(secretariat).post(f"/customization/requests/{req.pk}/decide/",
                                    {"decision": "customized", "note": "条例による", "back": "comparison"})
    assert r.status_code == 302
    assert r["Location"] == f"/customization/comparison/?decided={req.pk}#req-{req.pk}"
    req.refresh_from_db()
    assert req.status == Status.CUSTOMIZED and req.decided_by == secretariat.username and req.decided_at
    assert req.member_pays_alone
    html = logged_in(admin_a).get(f"/customization/requests/{req.pk}/").content.decode()
    assert "共同契約の対象外" in html and "単独で負担します" in html and "条例による" in html
    page = logged_in(secretariat).get(f"/customization/comparison/?decided={req.pk}").content.decode()
    assert "単独負担（共同契約の対象外）" in page and "と決定しました" in page


def test_deciding_twice_is_a_conflict(admin_a: Staff, secretariat: Staff) -> None:
    req = _file(admin_a)
    _decide(secretariat, req, Status.WITHDRAWN, "標準で足りる")
    with pytest.raises(Conflict, match="決定済み"):
        _decide(secretariat, req, Status.CUSTOMIZED)
    r = logged_in(secretariat).post(f"/customization/requests/{req.pk}/decide/", {"decision": "customized"})
    assert r.status_code == 409
    assert "決定済み" in r.content.decode()
    api = api_client(secretariat).post(f"/api/v1/customization/requests/{req.pk}/decision",
                                       json.dumps({"decision": "made_standard"}), content_type=JSON)
    assert api.status_code == 409 and "決定済み" in api.json()["detail"]
    req.refresh_from_db()
    assert req.status == Status.WITHDRAWN and req.decision_note == "標準で足りる"
    assert AuditRecord.objects.filter(action="customization.decided").count() == 1


def test_made_standard_names_a_parameter_of_the_catalogue(admin_a: Staff, secretariat: Staff) -> None:
    req = _file(admin_a, business_area="insurance", topic="軽減額の端数処理")
    client = logged_in(secretariat)
    r = client.post(f"/customization/requests/{req.pk}/decide/",
                    {"decision": "made_standard", "standard_parameter": "nhi_tax.no_such_thing"})
    assert r.status_code == 400
    assert "パラメータ「nhi_tax.no_such_thing」はパラメータカタログにありません" in r.content.decode()
    api = api_client(secretariat).post(f"/api/v1/customization/requests/{req.pk}/decision",
                                       json.dumps({"decision": "made_standard", "standard_parameter": "x.y"}),
                                       content_type=JSON)
    assert api.status_code == 400 and api.json()["field"] == "standard_parameter"
    with pytest.raises(ValidationFailed, match="標準機能化"):
        _decide(secretariat, req, Status.CUSTOMIZED, parameter=ROUNDING)
    with pytest.raises(ValidationFailed, match="決定は次のいずれか") as e:
        _decide(secretariat, req, "open")
    assert e.value.field == "decision"
    req.refresh_from_db()
    assert req.is_open and not AuditRecord.objects.filter(action="customization.decided").exists()

    r = client.post(f"/customization/requests/{req.pk}/decide/",
                    {"decision": "made_standard", "standard_parameter": ROUNDING, "note": "パラメータ化"})
    assert r.status_code == 302 and r["Location"] == f"/customization/requests/{req.pk}/?decided=1"
    req.refresh_from_db()
    assert (req.status, req.standard_parameter, req.member_pays_alone) == (Status.MADE_STANDARD, ROUNDING, False)


def test_only_the_secretariat_decides(admin_a: Staff, staff_of: dict[str, Staff]) -> None:
    req = _file(admin_a)
    with pytest.raises(PermissionDenied):
        services.decide(req, Status.WITHDRAWN, "", by=admin_a)
    assert logged_in(admin_a).post(f"/customization/requests/{req.pk}/decide/",
                                   {"decision": "withdrawn"}).status_code == 403
    api = api_client(admin_a).post(f"/api/v1/customization/requests/{req.pk}/decision",
                                   json.dumps({"decision": "withdrawn"}), content_type=JSON)
    assert api.status_code == 403 and _japanese(api.json()["detail"])
    req.refresh_from_db()
    assert req.is_open


def test_discussion_between_the_member_and_the_secretariat(admin_a: Staff, secretariat: Staff,
                                                           muni_a: Municipality) -> None:
    req = _file(admin_a)
    assert logged_in(secretariat).post(f"/customization/requests/{req.pk}/comments/",
                                       {"body": "他団体は標準様式で運用しています。"}).status_code == 302
    assert logged_in(admin_a).post(f"/customization/requests/{req.pk}/comments/",
                                   {"body": "備考欄で足りるか確認します。"}).status_code == 302
    empty = logged_in(admin_a).post(f"/customization/requests/{req.pk}/comments/", {"body": " "})
    assert empty.status_code == 400 and "意見を入力してください" in empty.content.decode()
    assert [c.author for c in req.comments.all()] == [secretariat.username, admin_a.username]
    html = logged_in(admin_a).get(f"/customization/requests/{req.pk}/").content.decode()
    assert "他団体は標準様式で運用しています。" in html and "備考欄で足りるか確認します。" in html
    chains = list(AuditRecord.objects.filter(action="customization.commented").order_by("pk")
                  .values_list("chain", flat=True))
    assert chains == [PLATFORM_CHAIN, muni_a.code]


# --- API -------------------------------------------------------------------------------------------


def test_api_file_list_decide_and_statistics(admin_a: Staff, admin_b: Staff, secretariat: Staff,
                                            staff_of: dict[str, Staff], muni_a: Municipality) -> None:
    r = api_client(admin_a).post("/api/v1/customization/requests",
                                 json.dumps(_form(estimated_cost=1_200_000, cases_per_year=9800)), content_type=JSON)
    assert r.status_code == 201
    filed = r.json()
    assert filed["municipality_code"] == muni_a.code and filed["status"] == "open"
    assert filed["status_label"] == "検討中" and filed["business_area_label"] == "住民記録"
    # Japanese labels are accepted for the choices too.
    r = api_client(admin_b).post("/api/v1/customization/requests",
                                 json.dumps(_form(business_area="住民記録", reason="事務効率")), content_type=JSON)
    assert r.status_code == 201 and r.json()["reason"] == "efficiency"

    assert [x["id"] for x in api_client(admin_a).get("/api/v1/customization/requests").json()] == [filed["id"]]
    assert len(api_client(secretariat).get("/api/v1/customization/requests").json()) == 2
    assert api_client(admin_b).get(f"/api/v1/customization/requests/{filed['id']}").status_code == 404
    assert api_client(staff_of[Role.COUNTER_CLERK]).get("/api/v1/customization/requests").status_code == 403
    clerk_file = api_client(staff_of[Role.COUNTER_CLERK]).post(
        "/api/v1/customization/requests", json.dumps(_form()), content_type=JSON
    )
    assert clerk_file.status_code == 403 and CustomizationRequest.objects.count() == 2
    assert Client().get("/api/v1/customization/requests").status_code == 401

    r = api_client(secretariat).post(f"/api/v1/customization/requests/{filed['id']}/decision",
                                     json.dumps({"decision": "made_standard", "note": "共通の要望"}),
                                     content_type=JSON)
    assert r.status_code == 200
    assert r.json()["status"] == "made_standard" and r.json()["decided_by"] == secretariat.username
    assert r.json()["member_pays_alone"] is False
    bad = api_client(secretariat).post(f"/api/v1/customization/requests/{filed['id']}/decision", "{}",
                                       content_type=JSON)
    assert bad.status_code == 409  # decided already: whatever the body says

    stats = api_client(secretariat).get("/api/v1/customization/statistics").json()
    assert stats["counts"] == {"requested": 2, "customized": 0, "made_standard": 1, "withdrawn": 0, "open": 1}
    assert api_client(secretariat).get("/api/v1/customization/requests?status=open").json()[0]["reason"] == (
        "efficiency"
    )


# --- navigation and demo ---------------------------------------------------------------------------


def test_nav_leads_each_role_to_its_board(admin_a: Staff, secretariat: Staff, staff_of: dict[str, Staff]) -> None:
    assert 'href="/customization/comparison/">カスタマイズ要望' in logged_in(secretariat).get("/").content.decode()
    assert 'href="/customization/requests/">カスタマイズ要望' in logged_in(admin_a).get("/").content.decode()
    assert "/customization/" not in logged_in(staff_of[Role.COUNTER_CLERK]).get("/").content.decode()


def test_demo_reproduces_the_toyama_proportions_and_is_idempotent(db: Any) -> None:
    from lgcloud.group.customization.demo_data import customization_requests
    from lgcloud.platform.demo.loader import load_foundation

    ctx = load_foundation()
    customization_requests(ctx)
    customization_requests(load_foundation())
    s = services.statistics(ctx.group)
    assert (s.requested, s.customized, s.made_standard, s.withdrawn, s.open) == (31, 17, 3, 11, 0)
    assert all("例示" in r.description for r in CustomizationRequest.objects.all())
    table = services.comparison_table(ctx.group)
    assert max(row.requesting_members for row in table.rows) >= 3
    assert sum(1 for row in table.rows if row.requesting_members >= 2) >= 8
    standard = CustomizationRequest.objects.filter(status=Status.MADE_STANDARD, standard_parameter=ROUNDING)
    assert standard.count() == 2
    assert AuditRecord.objects.filter(action="customization.filed").count() == 31


def test_not_found_for_a_missing_request(secretariat: Staff) -> None:
    with pytest.raises(NotFound):
        services.get_request(secretariat, 999_999)
    assert logged_in(secretariat).get("/customization/requests/999999/").status_code == 404
