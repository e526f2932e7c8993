"""税務の文書: 特別徴収税額決定通知書 per employer, 個人住民税 and 固定資産税 納税通知書 (課税明細書), the batch command,
and at the counter the 評価証明書 and 名寄帳の写し (verifiable, fee parameter, 抑止・支援措置 check). Tests read the
PDFs' text."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from lgcloud.areas.registry import restrictions
from lgcloud.areas.registry.restrictions import RestrictionAlert, RestrictionRefused
from lgcloud.areas.taxation import assessment, incomes, notices, property_certificates
from lgcloud.areas.taxation import property_ledger as ledger
from lgcloud.platform import levies
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.documents import services as documents
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import logged_in
from tests.pdftext import pdf_text
from tests.test_taxation_assessment import HEADER, make_family

pytestmark = pytest.mark.django_db
FY = 2026
CSV = (HEADER + "給与,123456789018,山田　太郎,1980-04-02,,E001,伊奈工業,5779320,0,0,1140601,70000,,,,1\n"
       + "年金,,山田　花子,1955-09-15,,P001,年金機構,0,2000000,0,100000,0,,,,0\n"
       + "申告,,山田　一郎,2005-05-05,,,,0,0,3000000,0,0,,,,0\n")


@pytest.fixture
def world(in_a):
    family = make_family()
    got = levies.CollectingReceiver()
    previous = levies.register_receiver(got)
    incomes.import_csv(FY, "k.csv", CSV.encode())
    assessment.assess_all(FY)
    taro = ledger.add_owner("resident", "", person_no=family["太郎"])
    corp = ledger.add_owner("corporation", "株式会社いな商事", address="伊奈町本町1")
    ledger.add_land(FY, [(taro, 1, 1)], location="伊奈町小室", lot_number="100-1", land_category="宅地",
                    area_m2=Decimal("300"), value=31_200_000, residential="small", dwellings=1)
    ledger.add_building(FY, [(taro, 1, 1)], location="伊奈町小室", building_number="100-1", kind="居宅",
                        structure="木造", floor_area_m2=Decimal("120"), value=6_000_000)
    ledger.add_building(FY, [(corp, 1, 1)], location="伊奈町本町", building_number="5", kind="倉庫",
                        structure="鉄骨造", floor_area_m2=Decimal("40"), value=1_000_000)
    ledger.assess_all(FY)
    yield {**family, "owner": taro.pk, "corp": corp.pk}
    levies.register_receiver(previous)


def test_payroll_notice_lists_each_employee_with_the_twelve_monthly_amounts(world):
    [employer] = notices.employers(FY)
    assert (employer.payer_no, employer.name) == ("E001", "伊奈工業")
    document, data = notices.payroll_notice(FY, "E001")
    text = pdf_text(data)
    assert "特別徴収税額決定通知書" in text and "伊奈工業" in text and "令和8年度" in text
    assert "山田　太郎" in text and "256,500円" in text
    assert "6月分 22,200円" in text and "5月分 21,300円" in text and "7月分 合計 21,300円" in text
    found = documents.verify(document.verification_code)
    assert found is not None and found.matches([data]) and document.fee == 0


def test_resident_tax_notice_shows_the_breakdown_and_instalments(world):
    [ichiro] = [n for n in notices.ordinary_addressees(FY) if n == world["一郎"]]
    _document, data = notices.ordinary_notice(FY, ichiro)
    text = pdf_text(data)
    assert "納税通知書" in text and "山田　一郎" in text and "課税標準額" in text and "市町村民税 所得割" in text
    assert "第1期（普通徴収）" in text and "第4期（普通徴収）" in text and "納期限 令和8年6月30日" in text
    hanako = notices.ordinary_notice(FY, world["花子"])[1]
    assert "公的年金からの特別徴収" in pdf_text(hanako)


def test_property_tax_notice_with_its_itemised_statement(world):
    _document, data = notices.property_notice(FY, world["太郎"])
    text = pdf_text(data)
    assert "固定資産税 納税通知書" in text and "課税明細書" in text
    assert "伊奈町小室 100-1（宅地・300.00㎡" in text and "価格 31,200,000円" in text
    assert "家屋番号100-1" in text and "第1期" in text


def test_notices_batch_command_writes_pdfs_with_a_progress_bar(world, muni_a, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    for kind in ("payroll", "ordinary", "property"):
        call_command("tax", "notices", "--municipality", muni_a.code, "--kind", kind, "--fiscal-year", str(FY),
                     "--out", str(tmp_path), stdout=out, stderr=err)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len([f for f in files if f.startswith("payroll-")]) == 1
    assert len([f for f in files if f.startswith("ordinary-")]) == 2  # 一郎 (普通徴収) and 花子 (年金特徴の前半)
    assert len([f for f in files if f.startswith("property-")]) == 2
    assert "[##############################] 2/2 通" in err.getvalue() and "通知書 2 通" in out.getvalue()


def test_valuation_certificate_and_owner_ledger_copy_are_verifiable_with_their_fee(world, staff_of, muni_a):
    client = logged_in(staff_of[Role.TAX])
    form = {"requester_name": "山田　太郎", "requester_relationship": "本人", "purpose": "登記の申請"}
    r = client.post(f"/tax/property/owners/{world['owner']}/certificate/valuation/?fy={FY}", form)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "固定資産評価証明書" in text and "価格 31,200,000円" in text and "課税標準額" in text
    assert "手数料　300円" in text
    r = client.post(f"/tax/property/owners/{world['owner']}/certificate/ledger/?fy={FY}", form)
    text = pdf_text(r.content)
    assert "名寄帳の写し" in text and "家屋番号100-1" in text and "税額" in text
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        docs = list(IssuedDocument.objects.filter(kind__in=["taxation.valuation_certificate",
                                                            "taxation.owner_ledger_copy"]))
    assert len(docs) == 2 and all(d.fee == 300 for d in docs)
    assert all(documents.verify(d.verification_code) is not None for d in docs)
    # a corporation has no register entry: no 支援措置 check, the certificate is issued
    r = client.post(f"/tax/property/owners/{world['corp']}/certificate/valuation/?fy={FY}",
                    {**form, "requester_relationship": "代理人"})
    assert r.status_code == 200 and "株式会社いな商事" in pdf_text(r.content)


def test_property_certificates_go_through_the_support_measure_check(world, muni_a):
    restrictions.register_support_measure(applicant_person_no=world["太郎"], starts_on=dt.date(2026, 4, 1),
                                           offender_name="加害　者")
    ask = {"requester_relationship": "代理人", "purpose": "相続"}
    with pytest.raises(RestrictionAlert):
        property_certificates.issue("valuation", FY, world["owner"], requester_name="佐藤　花子", **ask)
    with pytest.raises(RestrictionRefused):
        property_certificates.issue("ledger", FY, world["owner"], requester_name="加害　者", acknowledge_alerts=True,
                                    **ask)
    assert AuditRecord.objects.filter(action="taxation.refused.owner_ledger_copy").count() == 1
    assert not IssuedDocument.objects.filter(kind="taxation.owner_ledger_copy").exists()
    _doc, data = property_certificates.issue("valuation", FY, world["owner"], requester_name="佐藤　花子",
                                             acknowledge_alerts=True, **ask)
    assert "（支援措置のため省略）" in pdf_text(data)
