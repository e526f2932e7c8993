"""税務 screens and API: the tax role finds a taxpayer, sees the breakdown, corrects income (更正); registry clerks
and contractors cannot read tax data; every read is audited."""

from __future__ import annotations

import json

import pytest

from lgcloud.areas.taxation import assessment, incomes
from lgcloud.areas.taxation.models import Assessment, IncomeRecord
from lgcloud.platform import levies
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import api_client, logged_in
from tests.test_taxation_assessment import CSV, make_family

pytestmark = pytest.mark.django_db
FY = 2026


@pytest.fixture
def assessed(in_a):
    family = make_family()
    got = levies.CollectingReceiver()
    previous = levies.register_receiver(got)
    incomes.import_csv(FY, "kyuyo.csv", CSV.encode())
    assessment.assess_all(FY)
    yield family
    levies.register_receiver(previous)


def test_tax_clerk_finds_a_taxpayer_sees_the_breakdown_and_corrects_income(assessed, staff_of, muni_a):
    taro = assessed["太郎"]
    client = logged_in(staff_of[Role.TAX])
    page = client.get(f"/tax/?fy={FY}&q=山田")
    assert page.status_code == 200 and "山田　太郎" in page.content.decode()
    page = client.get(f"/tax/{FY}/{taro}/")
    body = page.content.decode()
    assert page.status_code == 200 and "256,500円" in body and "調整控除 市町村民税" in body
    assert "resident_tax.rate.municipal" in body
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        record = IncomeRecord.objects.get(person_no=taro)
    r = client.post(f"/tax/income/{record.pk}/correct/", {"social_insurance_paid": "1340601", "reason": "申告漏れ"})
    assert r.status_code == 302
    body = client.get(f"/tax/{FY}/{taro}/").content.decode()
    assert "236,500円" in body and "第2版" in body and "更正（申告漏れ）" in body
    old = client.get(f"/tax/{FY}/{taro}/v1/").content.decode()
    assert "256,500円" in old and "過去の版です" in old
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert AuditRecord.objects.filter(action="taxation.assessment_read").count() == 3
        assert AuditRecord.objects.filter(action="taxation.search").count() == 1
        assert Assessment.objects.filter(person_no=taro).count() == 2


def test_missing_reason_is_refused_and_nothing_changes(assessed, staff_of, muni_a):
    taro = assessed["太郎"]
    client = logged_in(staff_of[Role.TAX])
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        record = IncomeRecord.objects.get(person_no=taro)
    client.post(f"/tax/income/{record.pk}/correct/", {"social_insurance_paid": "1340601", "reason": ""})
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert Assessment.objects.filter(person_no=taro).count() == 1


@pytest.mark.parametrize("role", [Role.COUNTER_CLERK, Role.COUNTER_CONTRACTOR, Role.INSURANCE])
def test_registry_clerks_and_contractors_cannot_read_tax_data(assessed, staff_of, role):
    taro = assessed["太郎"]
    client = logged_in(staff_of[role])
    assert client.get(f"/tax/{FY}/{taro}/").status_code == 403
    assert client.get(f"/tax/?fy={FY}&q=山田").status_code == 403
    api = api_client(staff_of[role])
    assert api.get(f"/api/v1/taxation/assessments/{FY}/{taro}").status_code == 403


def test_api_reads_the_assessment_and_corrects_income(assessed, staff_of, muni_a):
    taro = assessed["太郎"]
    api = api_client(staff_of[Role.TAX])
    r = api.get(f"/api/v1/taxation/assessments/{FY}/{taro}")
    assert r.status_code == 200
    data = r.json()
    assert data["assessment"]["total"] == 256_500 and data["versions"] == [1]
    assert any(s["step"] == "taxable_base" for s in data["assessment"]["result"]["breakdown"])
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        record = IncomeRecord.objects.get(person_no=taro)
    r = api.post(f"/api/v1/taxation/income/{record.pk}/correction", data=json.dumps(
        {"changes": {"social_insurance_paid": 1_340_601}, "reason": "申告漏れ"}), content_type="application/json")
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["total"] == 236_500
    r = api.post(f"/api/v1/taxation/income/{record.pk}/correction", data=json.dumps(
        {"changes": {"full_name": 1}, "reason": "x"}), content_type="application/json")
    assert r.status_code in (400, 404)


def test_unmatched_record_is_matched_on_the_screen(assessed, staff_of, muni_a):
    client = logged_in(staff_of[Role.TAX])
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        record = incomes.unmatched(FY)[0]
    assert client.get(f"/tax/unmatched/{record.pk}/").status_code == 200
    r = client.post(f"/tax/unmatched/{record.pk}/", {"person_no": str(assessed["一郎"])})
    assert r.status_code == 302
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert incomes.unmatched(FY) == []


def test_income_tax_certificate_is_a_real_pdf_verifiable_and_refused_for_a_protected_person(assessed, staff_of,
                                                                                            muni_a):
    import datetime as dt

    from lgcloud.areas.registry import restrictions
    from lgcloud.platform.documents import services as documents
    from lgcloud.platform.documents.models import IssuedDocument

    taro = assessed["太郎"]
    client = logged_in(staff_of[Role.TAX])
    form = {"requester_name": "山田　太郎", "requester_relationship": "代理人", "purpose": "保育園の申込み"}
    r = client.post(f"/tax/{FY}/{taro}/certificate/", form)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        doc = IssuedDocument.objects.get(kind="taxation.income_tax_certificate")
    found = documents.verify(doc.verification_code)
    assert found is not None and "所得・課税証明書" in found.title and found.matches([r.content])
    assert found.page_count >= 1 and doc.fee == 300
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        restrictions.register_support_measure(applicant_person_no=taro, starts_on=dt.date(2026, 4, 1),
                                               offender_name="加害　者")
    # the register's check, as for the registry's certificates: alerts to acknowledge first …
    r = client.post(f"/tax/{FY}/{taro}/certificate/", form)
    assert r.status_code == 409 and "支援措置" in r.content.decode() and "上記を確認しました" in r.content.decode()
    # … and a requester who is the person the measure protects from is refused (audited), even acknowledged
    r = client.post(f"/tax/{FY}/{taro}/certificate/", {**form, "requester_name": "加害　者", "acknowledge_alerts": "1"})
    assert r.status_code == 302
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert IssuedDocument.objects.filter(kind="taxation.income_tax_certificate").count() == 1
        assert AuditRecord.objects.filter(action="taxation.refused.income_tax_certificate").count() == 1
    r = client.post(f"/tax/{FY}/{taro}/certificate/", {**form, "acknowledge_alerts": "1"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_an_administrator_reads_tax_data_but_does_not_change_it(assessed, staff_of, muni_a):
    taro = assessed["太郎"]
    admin = logged_in(staff_of[Role.MUNICIPAL_ADMIN])
    assert admin.get(f"/tax/?fy={FY}&q=山田").status_code == 200
    page = admin.get(f"/tax/{FY}/{taro}/")
    assert page.status_code == 200 and "所得を訂正して更正する" not in page.content.decode()
    assert api_client(staff_of[Role.MUNICIPAL_ADMIN]).get(f"/api/v1/taxation/assessments/{FY}/{taro}").status_code == 200
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        record = IncomeRecord.objects.get(person_no=taro)
    assert admin.post(f"/tax/income/{record.pk}/correct/", {"salary_revenue": "1", "reason": "x"}).status_code == 403
