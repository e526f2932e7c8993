"""住民記録の画面: the 異動 forms post to their services, errors come back next to their field, 支援措置
hides the address from the protected-from person on every page, the contractor's entries wait for a clerk."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from lgcloud.areas.registry import restrictions
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import move_out
from lgcloud.areas.registry.models import (
    Certificate,
    EventKind,
    Household,
    Person,
    PreparedRequest,
    RegistryEvent,
    Status,
)
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import logged_in

ADDRESS = "埼玉県北足立郡伊奈町小室1-1"
NUMBER = "123456789018"


def family_form(**overrides: str) -> dict[str, str]:
    """The 転入 form as a clerk fills it for a family of three."""
    data = {
        "rows": "3", "move_in_kind": "move_in", "previous_address": "東京都新宿区西新宿2-8-1",
        "address": ADDRESS, "address_extra": "伊奈ハイツ202", "district": "小室",
        "effective_on": "令和2年4月1日", "notified_on": "2020-04-05",
    }
    people = [
        ("山田", "太郎", "やまだ", "ﾀﾛｳ", "昭和60年4月2日", "male", "世帯主", NUMBER),
        ("山田", "花子", "ヤマダ", "ハナコ", "1987-09-15", "female", "妻", ""),
        ("山田", "一郎", "ヤマダ", "イチロウ", "H22.1.20", "male", "子", ""),
    ]
    for i, (fam, given, fkana, gkana, birth, sex, rel, number) in enumerate(people):
        data |= {f"p{i}-resident_type": "japanese", f"p{i}-family_name": fam, f"p{i}-given_name": given,
                 f"p{i}-family_name_kana": fkana, f"p{i}-given_name_kana": gkana, f"p{i}-birth_date": birth,
                 f"p{i}-birth_date_precision": "day", f"p{i}-sex": sex, f"p{i}-relationship": rel,
                 f"p{i}-individual_number": number, f"p{i}-registered_domicile": "埼玉県北足立郡伊奈町小室1"}
    return data | overrides


@pytest.fixture
def clerk(staff_of):
    return logged_in(staff_of[Role.COUNTER_CLERK])


@pytest.fixture
def family(clerk, muni_a):
    response = clerk.post("/registry/events/move_in/", family_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        persons = sorted(Person.objects.all(), key=lambda p: p.person_no)
        household = Household.objects.get()
    return persons, household


def scoped(muni):
    return municipality_scope(muni, Actor("test", "system", "system"))


def text(response) -> str:
    return response.content.decode()


# --- 異動 through the forms ------------------------------------------------------------------------


def test_move_in_of_a_family_through_the_form(family, clerk, muni_a):
    (taro, hanako, ichiro), household = family
    assert [p.relationship for p in (taro, hanako, ichiro)] == ["世帯主", "妻", "子"]
    assert taro.birth_date == dt.date(1985, 4, 2) and ichiro.birth_date == dt.date(2010, 1, 20)
    assert taro.family_name_kana == "ヤマダ" and taro.given_name_kana == "タロウ"  # hiragana, half-width → katakana
    assert household.head_id == taro.pk and household.address == ADDRESS
    page = clerk.get(f"/registry/households/{household.household_no}/")
    assert page.status_code == 200
    body = text(page)
    assert "昭和60年4月2日" in body and "平成22年1月20日" in body  # 和暦 for Japanese residents
    assert body.index("山田　太郎") < body.index("山田　花子") < body.index("山田　一郎")  # household order
    with scoped(muni_a):
        assert AuditRecord.objects.filter(action="registry.move_in").count() == 1
        assert AuditRecord.objects.filter(action="registry.household_viewed").count() == 1


def test_bad_input_names_the_field_and_nothing_is_written(clerk, muni_a):
    response = clerk.post("/registry/events/move_in/", family_form(**{"p2-relationship": "孫"}))
    assert response.status_code == 400
    body = text(response)
    assert "「孫」「祖父」などは使わず" in body
    # next to the third person's 続柄, and the input is marked invalid and described by the message
    assert 'id="id_p2-relationship_error"' in body
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_p2-relationship"', body) or re.search(
        r'<input[^>]*id="id_p2-relationship"[^>]*aria-invalid="true"', body)
    response = clerk.post("/registry/events/move_in/", family_form(effective_on="2020年13月1日"))
    assert response.status_code == 400 and 'id="id_effective_on_error"' in text(response)
    response = clerk.post("/registry/events/move_in/", family_form(**{"p1-sex": ""}))
    assert response.status_code == 400 and 'id="id_p1-sex_error"' in text(response)
    assert "性別を選択してください" in text(response)
    with scoped(muni_a):
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0


def test_move_in_from_abroad_and_re_move_in(family, clerk, muni_a):
    (_taro, _hanako, ichiro), household = family
    r = clerk.post("/registry/events/move_in/", {
        "rows": "1", "move_in_kind": "move_in_from_abroad", "previous_address": "アメリカ合衆国",
        "address": "埼玉県北足立郡伊奈町小室9", "effective_on": "2021-03-01", "notified_on": "2021-03-02",
        "p0-resident_type": "foreign", "p0-alphabet_name": "SMITH JOHN", "p0-nationality": "米国",
        "p0-foreign_category": "mid_long_term", "p0-residence_status": "技術・人文知識・国際業務",
        "p0-stay_expires_on": "2026-03-01", "p0-birth_date": "1980-01-31", "p0-sex": "male",
        "p0-relationship": "世帯主"})
    assert r.status_code == 302
    with scoped(muni_a):
        move_out(person_nos=[ichiro.person_no], destination="埼玉県川越市", effective_on="2022-01-10",
                          notified_on="2022-01-05")
    r = clerk.post("/registry/events/move_in/", {
        "rows": "1", "move_in_kind": "re_move_in", "household_no": household.household_no,
        "previous_address": "埼玉県川越市", "address": ADDRESS, "effective_on": "2023-01-01", "notified_on": "2023-01-05",
        "p0-re_person_no": str(ichiro.person_no), "p0-relationship": "子"})
    assert r.status_code == 302, text(r)[:3000]
    with scoped(muni_a):
        kinds = list(RegistryEvent.objects.order_by("id").values_list("kind", flat=True))
        ichiro.refresh_from_db()
    assert kinds[1] == EventKind.MOVE_IN_FROM_ABROAD and kinds[-1] == EventKind.RE_MOVE_IN
    assert ichiro.status == Status.RESIDENT and ichiro.household_id == household.pk
    r = clerk.post("/registry/events/move_in/", family_form(move_in_kind="death"))
    assert r.status_code == 400 and 'id="id_move_in_kind_error"' in text(r)


def test_adding_a_person_row_keeps_what_was_typed(clerk):
    response = clerk.post("/registry/events/move_in/", family_form(rows="1", add_row="1"))
    assert response.status_code == 200
    body = text(response)
    assert 'name="p1-family_name"' in body and 'value="山田"' in body and 'name="rows" value="2"' in body


def test_birth_move_within_split_death_move_out_and_cancellation(family, clerk, muni_a):
    (taro, hanako, ichiro), household = family
    hh = household.household_no
    r = clerk.post("/registry/events/birth/", {
        "household_no": hh, "family_name": "山田", "given_name": "二郎", "family_name_kana": "ヤマダ",
        "given_name_kana": "ジロウ", "sex": "male", "relationship": "子", "resident_type": "japanese",
        "mother_person_no": hanako.person_no, "effective_on": "2021-06-10", "notified_on": "2021-06-14"})
    assert r.status_code == 302 and r["Location"] == f"/registry/households/{hh}/"
    with scoped(muni_a):
        jiro = Person.objects.get(given_name="二郎")
        assert jiro.household_id == household.pk and jiro.birth_date == dt.date(2021, 6, 10)
        versions = {f"version_{p.person_no}": p.version for p in Person.objects.filter(household=household)}
    r = clerk.post("/registry/events/move_within/", {
        "household_no": hh, "address": "埼玉県北足立郡伊奈町内宿台3-3", "effective_on": "2022-10-01",
        "notified_on": "2022-10-03", **versions})
    assert r.status_code == 302
    with scoped(muni_a):
        taro.refresh_from_db()
        assert taro.address == "埼玉県北足立郡伊奈町内宿台3-3" and taro.previous_address.startswith(ADDRESS)
    r = clerk.post("/registry/events/household_split/", {
        "household_no": hh, "person_nos": [ichiro.person_no], "new_head_person_no": ichiro.person_no,
        f"rel_{ichiro.person_no}": "世帯主", "address": "埼玉県北足立郡伊奈町小室2-2", "address_extra": "コーポ伊奈101",
        "effective_on": "2024-04-01", "notified_on": "2024-04-02"})
    assert r.status_code == 302
    with scoped(muni_a):
        ichiro.refresh_from_db()
        new_hh = ichiro.household
        assert new_hh.pk != household.pk and ichiro.relationship == "世帯主"
        assert r["Location"] == f"/registry/households/{new_hh.household_no}/"
    r = clerk.post("/registry/events/death/", {
        "person_no": taro.person_no, "death_date": "令和7年2月1日", "death_date_precision": "day",
        "notified_on": "2025-02-03", "new_head_person_no": hanako.person_no, f"rel_{jiro.person_no}": "子"})
    assert r.status_code == 302 and r["Location"] == f"/registry/persons/{taro.person_no}/"
    with scoped(muni_a):
        taro.refresh_from_db()
        household.refresh_from_db()
        assert taro.status == Status.REMOVED and taro.removal_reason == "死亡"
        assert household.head.person_no == hanako.person_no
    r = clerk.post("/registry/events/move_out/", {
        "household_no": new_hh.household_no, "person_nos": [ichiro.person_no], "destination": "埼玉県比企郡川島町1",
        "effective_on": "2025-05-01", "notified_on": "2025-04-25"})
    assert r.status_code == 302 and r["Location"] == f"/registry/persons/{ichiro.person_no}/"
    with scoped(muni_a):
        ichiro.refresh_from_db()
        assert ichiro.status == Status.REMOVED and ichiro.move_out_state == "planned"
        last = RegistryEvent.objects.filter(kind=EventKind.MOVE_OUT).get()
    r = clerk.post("/registry/events/cancellation/", {"person_no": ichiro.person_no, "event_id": last.pk,
                                                      "reason": "転出予定日の誤り"})
    assert r.status_code == 302
    with scoped(muni_a):
        ichiro.refresh_from_db()
        assert ichiro.status == Status.RESIDENT
        kinds = list(RegistryEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["move_in", "birth", "move_within", "household_split", "death", "move_out", "cancellation"]
    page = text(clerk.get(f"/registry/persons/{ichiro.person_no}/"))
    assert "取消済み" in page and "異動の取消し" in page


def test_stale_edit_answers_409_with_the_conflict_message(family, clerk, muni_a):
    (taro, _hanako, _ichiro), household = family
    form = text(clerk.get(f"/registry/events/move_within/?household_no={household.household_no}"))
    seen = re.search(rf'name="version_{taro.person_no}" value="(\d+)"', form).group(1)
    with scoped(muni_a):
        move_within(household_no=household.household_no, address={"address": "先に変えた住所"},
                             effective_on="2021-01-01", notified_on="2021-01-01")
    r = clerk.post("/registry/events/move_within/", {
        "household_no": household.household_no, "address": "後から変える住所", "effective_on": "2021-02-01",
        "notified_on": "2021-02-01", f"version_{taro.person_no}": seen})
    assert r.status_code == 409
    assert "他の職員が更新しました" in text(r)
    with scoped(muni_a):
        taro.refresh_from_db()
        assert taro.address == "先に変えた住所"


def test_alert_is_confirmed_then_recorded(family, clerk, muni_a):
    (_taro, _hanako, _ichiro), household = family
    with scoped(muni_a):
        restrictions.set_restriction(action="change", mode="alert", starts_on=dt.date(2020, 1, 1), reason="要確認の世帯",
                                     household_no=household.household_no)
    data = {"household_no": household.household_no, "address": "新住所", "effective_on": "2021-01-01",
            "notified_on": "2021-01-01"}
    r = clerk.post("/registry/events/move_within/", data)
    assert r.status_code == 409
    assert "要確認の世帯" in text(r) and "確認して続ける" in text(r)
    with scoped(muni_a):
        assert RegistryEvent.objects.count() == 1
    r = clerk.post("/registry/events/move_within/", {**data, "acknowledge_alerts": "1"})
    assert r.status_code == 302
    with scoped(muni_a):
        assert RegistryEvent.objects.filter(kind=EventKind.MOVE_WITHIN).count() == 1


def test_contractor_prepares_nothing_changes_clerk_approves(staff_of, clerk, muni_a):
    contractor = logged_in(staff_of[Role.COUNTER_CONTRACTOR])
    r = contractor.post("/registry/events/move_in/", family_form())
    assert r.status_code == 302 and r["Location"] == "/registry/approvals/"
    with scoped(muni_a):
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0
        req = PreparedRequest.objects.get()
    assert "受付番号" in text(contractor.get("/registry/approvals/"))
    assert contractor.post(f"/registry/approvals/{req.pk}/approve/").status_code == 403
    # The contractor sees the form as a 受付 (and cannot reach a 異動 approvals do not take).
    assert "受付する" in text(contractor.get("/registry/events/move_in/"))
    assert contractor.get("/registry/events/correction/").status_code == 403
    queue = text(clerk.get("/registry/approvals/"))
    assert "山田" in queue and NUMBER not in queue  # the 個人番号 is masked in the queue
    r = clerk.post(f"/registry/approvals/{req.pk}/approve/")
    assert r.status_code == 302
    with scoped(muni_a):
        event = RegistryEvent.objects.get()
        assert event.kind == EventKind.MOVE_IN and event.clerk == staff_of[Role.COUNTER_CLERK].username
        assert Person.objects.count() == 3
        req.refresh_from_db()
        assert req.status == "approved"


def test_rejecting_needs_a_reason(staff_of, clerk, muni_a):
    contractor = logged_in(staff_of[Role.COUNTER_CONTRACTOR])
    contractor.post("/registry/events/move_in/", family_form())
    with scoped(muni_a):
        req = PreparedRequest.objects.get()
    r = clerk.post(f"/registry/approvals/{req.pk}/reject/", {f"r{req.pk}-reason": ""})
    assert r.status_code == 400 and "却下の理由を入力してください" in text(r)
    r = clerk.post(f"/registry/approvals/{req.pk}/reject/", {f"r{req.pk}-reason": "住所の記入漏れ"})
    assert r.status_code == 302
    with scoped(muni_a):
        req.refresh_from_db()
        assert req.status == "rejected" and Person.objects.count() == 0


# --- the person page -----------------------------------------------------------------------------------


def test_person_page_history_as_of_and_individual_number(family, clerk, muni_a):
    (taro, _hanako, _ichiro), household = family
    with scoped(muni_a):
        move_within(household_no=household.household_no, address={"address": "埼玉県北足立郡伊奈町内宿台5"},
                             effective_on="2021-04-01", notified_on="2021-04-02")
    page = clerk.get(f"/registry/persons/{taro.person_no}/")
    assert page.status_code == 200
    body = text(page)
    assert "********9018" in body and NUMBER not in body
    assert "昭和60年4月2日" in body and "令和3年4月1日" in body  # 和暦: birth, the 転居's 異動日
    assert "内宿台5" in body and "転居" in body and "新規記載" in body
    # what changed in the 転居: the address, before → after
    assert re.search(r"住所</span>: 埼玉県北足立郡伊奈町小室1-1 → 埼玉県北足立郡伊奈町内宿台5", body)
    as_of = text(clerk.get(f"/registry/persons/{taro.person_no}/?as_of=R3.3.31"))
    assert "令和3年3月31日時点の記載事項" in as_of and "伊奈ハイツ202" in as_of
    assert "この人の記録はありません" in text(clerk.get(f"/registry/persons/{taro.person_no}/?as_of=2019-01-01"))
    assert clerk.get(f"/registry/persons/{taro.person_no}/?as_of=令和99年").status_code == 400
    r = clerk.post(f"/registry/persons/{taro.person_no}/individual-number/", {"purpose": ""})
    assert r.status_code == 400 and "利用目的を入力してください" in text(r)
    r = clerk.post(f"/registry/persons/{taro.person_no}/individual-number/", {"purpose": "child_allowance"})
    assert r.status_code == 200 and NUMBER in text(r)
    with scoped(muni_a):
        shown = AuditRecord.objects.get(action="registry.individual_number_shown")
        assert shown.individual_number_shown and shown.purpose == "児童手当の認定"
        viewed = AuditRecord.objects.filter(action="registry.person_viewed", object_id=str(taro.pk))
        assert viewed.count() >= 4


def test_foreign_residents_birth_date_is_western(clerk, muni_a):
    with scoped(muni_a):
        r = move_in(persons=[{"alphabet_name": "SMITH JOHN", "resident_type": "foreign", "nationality": "米国",
                                       "foreign_category": "mid_long_term", "residence_status": "技術・人文知識・国際業務",
                                       "birth_date": "1980-01-31", "sex": "male", "relationship": "世帯主"}],
                             address={"address": "伊奈町1"}, effective_on="2020-04-01", notified_on="2020-04-01",
                             previous_address="米国")
    body = text(clerk.get(f"/registry/persons/{r.persons[0].person_no}/"))
    assert "1980年1月31日" in body and "昭和55年1月31日" not in body


# --- search ------------------------------------------------------------------------------------------


def test_search_by_half_width_kana_and_hiragana_with_history(family, clerk):
    (taro, _hanako, _ichiro), _household = family
    for kana in ("ﾔﾏﾀﾞ ﾀﾛｳ", "やまだたろう"):
        r = clerk.get("/registry/search/", {"kana": kana, "search": "1"})
        assert r.status_code == 200
        assert f'/registry/persons/{taro.person_no}/' in text(r) and "1件" in text(r)
    r = clerk.get("/registry/search/", {"birth_date": "S60.4.2", "sex": "male"})
    assert f'/registry/persons/{taro.person_no}/' in text(r) and "昭和60年4月2日" in text(r)
    assert "ﾔﾏﾀﾞ" in text(clerk.get("/registry/search/"))  # the clerk's history
    r = clerk.get("/registry/search/", {"birth_date": "昭和65年1月1日"})
    assert r.status_code == 400 and 'id="id_birth_date_error"' in text(r)
    r = clerk.get("/registry/search/", {"search": "1"})
    assert r.status_code == 400 and "検索条件を1つ以上入力してください" in text(r)


# --- 支援措置: the address never goes to the protected-from person ------------------------------------------


@pytest.fixture
def protected(family, muni_a):
    (_taro, hanako, ichiro), household = family
    with scoped(muni_a):
        restrictions.register_support_measure(applicant_person_no=hanako.person_no, accompanying=[ichiro.person_no],
                                              starts_on=dt.date.today(), offender_name="佐藤 健太",
                                              offender_birth_date=dt.date(1980, 1, 1))
    return hanako, household


OFFENDER = {"requester_name": "佐藤　健太", "requester_birth_date": "昭和55年1月1日", "purpose": "住所の確認"}


def test_support_measure_person_page_refuses_the_offender(protected, clerk, muni_a):
    hanako, _household = protected
    url = f"/registry/persons/{hanako.person_no}/"
    r = clerk.get(url)
    assert r.status_code == 409 and ADDRESS not in text(r) and "支援措置" in text(r)
    r = clerk.post(f"{url}individual-number/", {"purpose": "確認"})  # no way around the confirmation
    assert r.status_code == 409 and f'action="{url}"' in text(r) and ADDRESS not in text(r)
    r = clerk.post(url, OFFENDER)
    assert r.status_code == 403 and ADDRESS not in text(r) and "加害者とされる者" in text(r)
    assert clerk.get(url).status_code == 409  # a refusal confirms nothing
    r = clerk.post(url, {**OFFENDER, "requester_person_no": "999"})
    assert r.status_code == 400 and 'id="id_requester_person_no_error"' in text(r)
    r = clerk.post(url, {"requester_name": "山田 花子", "requester_birth_date": "1987-09-15", "purpose": "本人の照会"})
    assert r.status_code == 200 and ADDRESS in text(r)
    assert clerk.get(url).status_code == 200  # confirmed for a while in this session
    with scoped(muni_a):
        actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"registry.refused.inquiry", "registry.alert.inquiry", "registry.person_viewed"} <= actions


def test_support_measure_household_page_refuses_the_offender(protected, clerk, muni_a):
    _hanako, household = protected
    url = f"/registry/households/{household.household_no}/"
    r = clerk.get(url)
    assert r.status_code == 409 and ADDRESS not in text(r)
    r = clerk.post(url, OFFENDER)
    assert r.status_code == 403 and ADDRESS not in text(r)
    with scoped(muni_a):
        assert AuditRecord.objects.filter(action="registry.refused.inquiry").count() == 1


def test_support_measure_search_hides_the_address(protected, clerk):
    hanako, _household = protected
    r = clerk.get("/registry/search/", {"kana": "ヤマダ"})
    body = text(r)
    assert r.status_code == 200 and f"/registry/persons/{hanako.person_no}/" in body
    # the applicant and the accompanying child; the father is not under the measure
    assert body.count("支援措置対象のため非表示") == 2 and body.count(ADDRESS) == 1
    row = re.search(rf'persons/{hanako.person_no}/.*?</tr>', body, re.S).group(0)
    assert "支援措置対象のため非表示" in row and ADDRESS not in row


def test_support_measure_certificate_refused_to_the_offender(protected, clerk, muni_a):
    hanako, household = protected
    data = {"kind": "residence_certificate", "layout": "household", "members": [hanako.person_no],
            "household_no": household.household_no, "requester_relationship": "third_party",
            "requester_name": "佐藤 健太", "requester_birth_date": "1980-01-01", "purpose": "債権回収"}
    for action in ("preview", "issue"):
        r = clerk.post("/registry/certificates/new/", {**data, "action": action})
        assert r.status_code == 403 and ADDRESS not in text(r)
    with scoped(muni_a):
        assert Certificate.objects.count() == 0
        assert AuditRecord.objects.filter(action="registry.refused.issue").count() == 2


# --- certificates --------------------------------------------------------------------------------------


def test_certificate_preview_issue_and_download(family, clerk, muni_a):
    (_taro, _hanako, _ichiro), household = family
    form = clerk.get(f"/registry/certificates/new/?household_no={household.household_no}")
    assert form.status_code == 200 and "300円" in text(form)
    data = {"household_no": household.household_no, "kind": "residence_certificate", "layout": "household",
            "members": [p.person_no for p in family[0]], "option_household_head": "on",
            "option_registered_domicile": "on", "requester_relationship": "self", "requester_name": "山田 太郎",
            "requester_birth_date": "S60.4.2", "purpose": "運転免許証の申請"}
    r = clerk.post("/registry/certificates/new/", {**data, "action": "preview"})
    assert r.status_code == 200
    preview = re.search(r'<iframe src="([^"]+)"', text(r)).group(1)
    pdf = clerk.get(preview)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "frame-ancestors 'self'" in pdf["Content-Security-Policy"]
    r = clerk.post("/registry/certificates/new/", {**data, "action": "issue"})
    assert r.status_code == 302
    with scoped(muni_a):
        certificate = Certificate.objects.get()
    page = text(clerk.get(r["Location"]))
    code = certificate.verification_code
    assert f"{code[:4]}-{code[4:8]}" in page and "300円" in page
    download = clerk.get(f"/registry/certificates/{certificate.issue_no}/pdf/")
    assert download["Content-Disposition"].startswith("attachment") and download.content == bytes(certificate.pdf)
    again = clerk.get(f"/registry/certificates/{certificate.issue_no}/pdf/")
    assert again.status_code == 200 and "再出力の理由" in text(again)
    assert clerk.post(f"/registry/certificates/{certificate.issue_no}/pdf/", {"purpose": ""}).status_code == 400
    r = clerk.post(f"/registry/certificates/{certificate.issue_no}/pdf/", {"purpose": "紛失による再出力"})
    assert r.content == bytes(certificate.pdf)
    verify = Client().get(f"/verify/{code}/")
    assert "埼玉県伊奈町" in text(verify)


def test_certificate_bad_input_names_the_field(family, clerk):
    (_taro, _hanako, _ichiro), household = family
    r = clerk.post("/registry/certificates/new/", {"household_no": household.household_no,
                                                   "kind": "residence_certificate", "layout": "household",
                                                   "members": [family[0][0].person_no], "requester_relationship": "self",
                                                   "requester_name": "", "purpose": "x", "action": "issue"})
    assert r.status_code == 400 and 'id="id_requester_name_error"' in text(r)


# --- inbox: a move between members -------------------------------------------------------------------------


def test_move_in_from_a_members_move_out_certificate(family, clerk, muni_a, muni_b, make_staff):
    (_taro, _hanako, ichiro), _household = family
    b_clerk = logged_in(make_staff(Role.COUNTER_CLERK, municipality=muni_b))
    with scoped(muni_a):
        move_out(person_nos=[ichiro.person_no], destination="埼玉県入間郡越生町越生1", destination_code=muni_b.code,
                          effective_on="2024-04-10", notified_on="2024-04-01")
    inbox = text(b_clerk.get("/registry/inbox/"))
    assert "山田　一郎" in inbox
    message_id = re.search(r"message_id=(\d+)", inbox).group(1)
    form = b_clerk.get(f"/registry/events/move_in_from_certificate/?message_id={message_id}")
    assert form.status_code == 200 and 'value="子"' in text(form)
    r = b_clerk.post("/registry/events/move_in_from_certificate/", {
        "message_id": message_id, f"rel_{ichiro.person_no}": "世帯主", "address": "埼玉県入間郡越生町越生1",
        "effective_on": "2024-04-12", "notified_on": "2024-04-15"})
    assert r.status_code == 302, text(r)[:3000]
    with scoped(muni_b):
        assert Person.objects.get().given_name == "一郎"
    assert "1件の転入通知" in text(clerk.get("/registry/inbox/"))
    assert clerk.post("/registry/inbox/move-in-notices/").status_code == 302
    with scoped(muni_a):
        ichiro.refresh_from_db()
        assert ichiro.move_out_state == "confirmed"


# --- who may use which page -----------------------------------------------------------------------------

VIEW_PAGES = ["/registry/", "/registry/search/"]
CHANGE_PAGES = ["/registry/events/", "/registry/events/move_in/", "/registry/inbox/"]


@pytest.mark.parametrize("role, view, change, approve, issue, restrict, support", [
    (Role.COUNTER_CLERK, 200, 200, 200, 200, 200, 200),
    (Role.COUNTER_CONTRACTOR, 200, 200, 200, 200, 403, 403),
    (Role.TAX, 200, 403, 403, 403, 403, 403),
    (Role.WELFARE, 200, 403, 403, 403, 403, 403),
    (Role.MUNICIPAL_ADMIN, 200, 403, 403, 403, 200, 200),
    (Role.GROUP_SECRETARIAT, 403, 403, 403, 403, 403, 403),
    (Role.OPERATOR, 403, 403, 403, 403, 403, 403),
])
def test_permissions_per_role(staff_of, role, view, change, approve, issue, restrict, support):
    c = logged_in(staff_of[role])
    for url in VIEW_PAGES:
        assert c.get(url).status_code == view, url
    for url in CHANGE_PAGES:
        assert c.get(url).status_code == change, url
    assert c.get("/registry/approvals/").status_code == approve
    assert c.get("/registry/certificates/new/").status_code == issue
    assert c.get("/registry/restrictions/").status_code == restrict
    assert c.get("/registry/support-measures/").status_code == support


@pytest.mark.parametrize("role", [Role.GROUP_SECRETARIAT, Role.OPERATOR])
def test_secretariat_and_operator_are_refused_everywhere(staff_of, role):
    from django.urls import get_resolver

    c = logged_in(staff_of[role])
    routes = [p for p in get_resolver("lgcloud.areas.registry.urls").url_patterns]
    assert len(routes) > 25
    for p in routes:
        url = "/registry/" + str(p.pattern).replace("<int:person_no>", "1").replace("<int:household_no>", "1") \
            .replace("<int:pk>", "1").replace("<int:issue_no>", "1").replace("<str:token>", "x")
        for method in ("get", "post"):
            response = getattr(c, method)(url)
            assert response.status_code in (403, 405), (method, url, response.status_code)
