"""The insurance, pension and welfare screens: each role sees only its own area, every read is audited, and the
counter can enrol, issue the 納税通知書 / 資格確認書 / 支払通知書 and download the 総合振込 file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from lgcloud.areas.insurance import assessment, services
from lgcloud.areas.insurance.models import Coverage
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.welfare import services as welfare
from lgcloud.areas.welfare import zengin
from lgcloud.platform import levies
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality
from tests.conftest import logged_in

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> Iterator[levies.CollectingReceiver]:
    receiver = levies.CollectingReceiver()
    previous = levies.register_receiver(receiver)
    yield receiver
    levies.register_receiver(previous)


def _seed(m: Municipality) -> tuple[int, int, int]:
    with municipality_scope(m, Actor("seed", "system", "system")):
        r = move_in(persons=[
            {"family_name": "画面", "given_name": "保険", "family_name_kana": "ガメン", "given_name_kana": "ホケン",
             "birth_date": "1975-03-03", "sex": "male", "relationship": "世帯主"},
            {"family_name": "画面", "given_name": "子", "family_name_kana": "ガメン", "given_name_kana": "コ",
             "birth_date": "2020-08-08", "sex": "female", "relationship": "子"}],
            address={"address": "埼玉県北足立郡伊奈町小室6-6"}, effective_on="2025-04-01",
            notified_on="2025-04-01", previous_address="東京都新宿区西新宿2-8-1")
        head, child = sorted(p.person_no for p in r.persons)
        for no in (head, child):
            services.enrol(no, D(2025, 4, 1), "move_in")
            services.record_income(no, 2025, aggregate_income=2_000_000 if no == head else 0)
        assessment.assess_all(2026)
        claim = welfare.claim(head, D(2025, 4, 10), [welfare.ChildInput(D(2020, 8, 8), person_no=child)],
                              welfare.Account("0005", "456", "7654321", "ガメン　ホケン"))
        welfare.payment_run(D(2025, 6, 1), D(2025, 6, 13),
                            zengin.Payer("1130180001", "イナマチ", "0001", "ミズホ", "123", "ウラワ", "1", "1234567"))
        return head, r.households[0].household_no, claim.pk


def test_each_role_sees_only_its_area(muni_a: Municipality, staff_of: dict[str, Staff],
                                      ledger: levies.CollectingReceiver) -> None:
    head, household_no, claim_id = _seed(muni_a)
    pages = {"insurance": [f"/insurance/persons/{head}/", f"/insurance/households/{household_no}/"],
             "pension": [f"/pension/persons/{head}/", "/pension/report/?start=2025-04-01&end=2026-12-31"],
             "welfare": ["/welfare/", f"/welfare/claims/{claim_id}/"]}
    for role in (Role.INSURANCE, Role.PENSION, Role.WELFARE, Role.COUNTER_CLERK, Role.TAX):
        client = logged_in(staff_of[role])
        for area, urls in pages.items():
            for url in urls:
                status = client.get(url).status_code
                assert status == (200 if role == area else 403), (role, url, status)


def test_insurance_clerk_reads_the_household_and_issues_the_notice(
        muni_a: Municipality, staff_of: dict[str, Staff], ledger: levies.CollectingReceiver) -> None:
    head, household_no, _ = _seed(muni_a)
    client = logged_in(staff_of[Role.INSURANCE])
    body = client.get(f"/insurance/households/{household_no}/").content.decode()
    assert "令和8年度 国保税" in body and "医療分" in body and "画面　保険" in body
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert AuditRecord.objects.filter(action="insurance.household_viewed").count() == 1
    r = client.post(f"/insurance/households/{household_no}/notice/2026/")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = client.post(f"/insurance/persons/{head}/eligibility/")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    r = client.post(f"/insurance/persons/{head}/eligibility/", {"which": "notice"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    # 喪失 at the counter
    r = client.post(f"/insurance/persons/{head}/", {"action": "end", "date": "令和8年10月1日",
                                                    "reason": "joined_employee_insurance"})
    assert r.status_code == 302
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert Coverage.objects.get(person_no=head).coverage_end == D(2026, 10, 1)
    r = client.post(f"/insurance/persons/{head}/", {"action": "end", "date": "いつか", "reason": "death"})
    assert "日付" in r.content.decode()


def test_welfare_clerk_sees_the_payment_list_and_the_transfer_file(
        muni_a: Municipality, staff_of: dict[str, Staff], ledger: levies.CollectingReceiver) -> None:
    _head, _hh, claim_id = _seed(muni_a)
    client = logged_in(staff_of[Role.WELFARE])
    body = client.get("/welfare/").content.decode()
    assert "画面　保険" in body and "支払処理" in body
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        from lgcloud.areas.welfare.models import PaymentRun
        run = PaymentRun.objects.get()
    assert "10,000円" in client.get(f"/welfare/runs/{run.pk}/").content.decode()  # May only (from May), aged 4
    data = client.get(f"/welfare/runs/{run.pk}/transfer-file/").content
    assert data.startswith(b"121") and len(data.split(b"\r\n")[0]) == 120
    r = client.post(f"/welfare/runs/{run.pk}/notices/{claim_id}/")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_welfare_clerk_records_a_claim_at_the_counter(muni_a: Municipality, staff_of: dict[str, Staff]) -> None:
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        r = move_in(persons=[
            {"family_name": "窓口", "given_name": "母", "family_name_kana": "マドグチ", "given_name_kana": "ハハ",
             "birth_date": "1990-03-03", "sex": "female", "relationship": "世帯主"},
            {"family_name": "窓口", "given_name": "子", "family_name_kana": "マドグチ", "given_name_kana": "コ",
             "birth_date": "2026-11-25", "sex": "male", "relationship": "子"}],
            address={"address": "埼玉県北足立郡伊奈町小室11-11"}, effective_on="2026-11-28",
            notified_on="2026-11-28", previous_address="東京都新宿区西新宿2-8-1")
        mother, child = sorted(r.persons, key=lambda p: p.birth_date)
    client = logged_in(staff_of[Role.WELFARE])
    form = {"recipient": str(mother.person_no), "children": str(child.person_no), "claimed_on": "令和8年12月4日",
            "event_on": "2026-11-28", "bank_code": "0005", "branch_code": "456", "account_type": "1",
            "account_number": "7654321", "account_holder_kana": "マドグチ　ハハ"}
    bad = client.post("/welfare/", {**form, "bank_code": "5"})
    assert bad.status_code == 200 and "bank_code は4桁の数字" in bad.content.decode()
    r = client.post("/welfare/", form, follow=True)
    body = r.content.decode()
    assert "認定しました（2026年12月分から）" in body and "15,000円" in body  # 15日特例: counted as November
