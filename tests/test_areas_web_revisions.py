"""Counter screens: 国民年金 免除・納付猶予 applications (entry, income test, result) and 児童手当 額改定 (an
increase claimed after a birth, a decrease), each audited."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.pension.models import ExemptionApplication
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.welfare import services as welfare
from lgcloud.areas.welfare.models import AmountRevision, ClaimChild
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality
from tests.conftest import logged_in

D = dt.date
pytestmark = pytest.mark.django_db


def _family(m: Municipality) -> list[int]:
    with municipality_scope(m, Actor("seed", "system", "system")):
        r = move_in(persons=[
            {"family_name": "改定", "given_name": "母", "family_name_kana": "カイテイ", "given_name_kana": "ハハ",
             "birth_date": "1990-03-03", "sex": "female", "relationship": "世帯主"},
            {"family_name": "改定", "given_name": "長男", "family_name_kana": "カイテイ", "given_name_kana": "チョウナン",
             "birth_date": "2016-05-01", "sex": "male", "relationship": "子"},
            {"family_name": "改定", "given_name": "次男", "family_name_kana": "カイテイ", "given_name_kana": "ジナン",
             "birth_date": "2018-07-07", "sex": "male", "relationship": "子"},
            {"family_name": "改定", "given_name": "三男", "family_name_kana": "カイテイ", "given_name_kana": "サンナン",
             "birth_date": "2025-09-25", "sex": "male", "relationship": "子"}],
            address={"address": "埼玉県北足立郡伊奈町小室12-12"}, effective_on="2025-10-01",
            notified_on="2025-10-01", previous_address="東京都新宿区西新宿2-8-1")
        return [p.person_no for p in sorted(r.persons, key=lambda p: p.birth_date)]


def test_pension_clerk_enters_an_exemption_application(muni_a: Municipality, staff_of: dict[str, Staff]) -> None:
    mother = _family(muni_a)[0]
    client = logged_in(staff_of[Role.PENSION])
    form = {"action": "exemption", "applied_on": "令和8年7月1日", "fiscal_year": "2026", "self_income": "1000000",
            "self_dependents": "2", "head_income": ""}
    bad = client.post(f"/pension/persons/{mother}/", {**form, "self_income": "百万"})
    assert bad.status_code == 200 and "本人の前年所得は0以上の整数" in bad.content.decode()
    body = client.post(f"/pension/persons/{mother}/", form, follow=True).content.decode()
    # (2 + 1) × 350,000 + 320,000 = 1,370,000 ≥ 1,000,000: 全額免除
    assert "審査しました: 全額免除" in body and "1,000,000円（扶養2人）" in body
    body = client.post(f"/pension/persons/{mother}/", {**form, "self_income": "2500000", "self_dependents": "0"},
                       follow=True).content.decode()
    assert "却下（基準超過）" in body
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert [a.result for a in ExemptionApplication.objects.order_by("pk")] == ["full", ""]
        assert AuditRecord.objects.filter(action="pension.exemption_decided").count() == 2
    assert logged_in(staff_of[Role.WELFARE]).get(f"/pension/persons/{mother}/").status_code == 403


def test_welfare_clerk_claims_an_increase_and_records_a_decrease(muni_a: Municipality,
                                                                 staff_of: dict[str, Staff]) -> None:
    mother, first, second, third = _family(muni_a)
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        claim = welfare.claim(mother, D(2025, 8, 20), [welfare.ChildInput(D(2016, 5, 1), first),
                                                       welfare.ChildInput(D(2018, 7, 7), second)],
                              welfare.Account("0005", "456", "7654321", "カイテイ　ハハ"))
    client = logged_in(staff_of[Role.WELFARE])
    url = f"/welfare/claims/{claim.pk}/"
    bad = client.post(url, {"action": "increase", "child": "x", "claimed_on": "2025-10-08"})
    assert "追加する児童の宛名番号" in bad.content.decode()
    body = client.post(url, {"action": "increase", "child": str(third), "claimed_on": "2025-10-08",
                             "event_on": "2025-09-25"}, follow=True).content.decode()
    assert "2025年10月分から額を改定しました" in body and "増額" in body and "50,000円" in body
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        child = ClaimChild.objects.get(person_no=first)
    body = client.post(url, {"action": "decrease", "child_id": str(child.pk), "on": "2026-01-20",
                             "reason": "監護しなくなった"}, follow=True).content.decode()
    assert "2026年1月分までで児童を外し" in body and "減額" in body
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        # the third child becomes 第2子 and under 3: 50,000 → 10,000 + 15,000
        assert [(r.before, r.after) for r in AmountRevision.objects.order_by("pk")] == [(20_000, 50_000),
                                                                                       (50_000, 25_000)]
        assert AuditRecord.objects.filter(action="welfare.amount_revised").count() == 2
        assert AuditRecord.objects.filter(action="welfare.claim_viewed").count() >= 2
