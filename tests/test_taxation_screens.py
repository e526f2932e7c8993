"""税務の入力画面: income entered one by one (then assessed), 家屋敷 entry, land and building entry and change with
history on the 固定資産税 screens; bad input is refused with a Japanese message and nothing written."""

from __future__ import annotations

import pytest

from lgcloud.areas.taxation.models import Assessment, IncomeRecord, ResidenceOnlyTaxpayer
from lgcloud.areas.taxation.property_models import LandParcel, LedgerChange, PropertyAssessment
from lgcloud.platform import levies
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import logged_in
from tests.test_taxation_assessment import make_family

pytestmark = pytest.mark.django_db
FY = 2026


@pytest.fixture
def family(in_a):
    got = levies.CollectingReceiver()
    previous = levies.register_receiver(got)
    yield make_family()
    levies.register_receiver(previous)


def test_income_entered_on_the_screen_is_matched_and_assessed(family, staff_of, muni_a):
    client = logged_in(staff_of[Role.TAX])
    form = {"kind": "salary_report", "full_name": "山田　太郎", "birth_date": "1980-04-02", "payer_no": "E001",
            "payer_name": "伊奈工業", "salary_revenue": "5,779,320", "social_insurance_paid": "1140601",
            "life_insurance_deduction": "70000"}
    bad = client.post(f"/tax/income/new/?fy={FY}", {**form, "salary_revenue": "五百万"})
    assert bad.status_code == 400 and "給与収入は 0 以上の整数" in bad.content.decode()
    r = client.post(f"/tax/income/new/?fy={FY}", form)
    assert r.status_code == 302 and r["Location"] == f"/tax/{FY}/{family['太郎']}/"
    page = client.get(r["Location"]).content.decode()
    assert "256,500円" in page and "所得データを登録し、賦課しました" in page
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert IncomeRecord.objects.count() == 1
        assert Assessment.objects.get(person_no=family["太郎"]).total == 256_500


def test_residence_only_taxpayer_is_entered_and_pays_per_capita_only(family, staff_of, muni_a):
    client = logged_in(staff_of[Role.TAX])
    assert client.post(f"/tax/residence-only/new/?fy={FY}", {"full_name": "別荘　太郎"}).status_code == 400
    r = client.post(f"/tax/residence-only/new/?fy={FY}", {"full_name": "別荘　太郎", "address": "東京都港区1-1",
                                                          "property_address": "伊奈町小室9-9"})
    assert r.status_code == 302
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        villa = ResidenceOnlyTaxpayer.objects.get()
        a = Assessment.objects.get(person_no=villa.taxpayer_no)
    assert a.result["municipal_income_levy"] == 0 and a.total == a.result["municipal_per_capita"] + \
        a.result["prefectural_per_capita"] + a.result["forest_environment_tax"] > 0


def test_land_and_building_are_entered_and_changed_with_history(family, staff_of, muni_a):
    from lgcloud.areas.taxation import property_ledger

    with municipality_scope(muni_a, Actor("t", "system", "system")):
        owner = property_ledger.add_owner("resident", "", person_no=family["太郎"])
    client = logged_in(staff_of[Role.TAX])
    land = {"location": "伊奈町小室", "lot_number": "100-1", "land_category": "宅地", "area_m2": "300",
            "value": "30000000", "residential": "small", "dwellings": "1"}
    bad = client.post(f"/tax/property/owners/{owner.pk}/land/new/?fy={FY}", {**land, "dwellings": ""})
    assert bad.status_code == 302
    r = client.post(f"/tax/property/owners/{owner.pk}/land/new/?fy={FY}", land)
    client.post(f"/tax/property/owners/{owner.pk}/building/new/?fy={FY}",
                {"location": "伊奈町小室", "building_number": "100-1", "kind": "居宅", "structure": "木造",
                 "floor_area_m2": "120", "value": "6000000"})
    page = client.get(f"/tax/property/owners/{owner.pk}/?fy={FY}").content.decode()
    assert "伊奈町小室 100-1（宅地・300.00㎡）" in page and "家屋番号100-1" in page and "固定資産税" in page
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        parcel = LandParcel.objects.get()
        first = PropertyAssessment.objects.get(taxpayer_no=family["太郎"], is_current=True).total
    r = client.post(f"/tax/property/land/{parcel.pk}/", {**land, "value": "31200000", "reason": ""})
    assert r.status_code == 400 and "変更の理由を入力してください" in r.content.decode()
    r = client.post(f"/tax/property/land/{parcel.pk}/", {**land, "value": "31200000", "reason": "評価替え"})
    assert r.status_code == 302
    page = client.get(f"/tax/property/land/{parcel.pk}/").content.decode()
    assert "評価替え" in page and "value: 30000000 → 31200000" in page
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        current = PropertyAssessment.objects.get(taxpayer_no=family["太郎"], is_current=True)
        assert current.version == 3 and current.total > first  # land (v1), house (v2), 評価替え (v3)
        assert LedgerChange.objects.filter(object_type="LandParcel").count() == 2
        assert AuditRecord.objects.filter(action="taxation.property_read").exists()
    # an administrator reads the ledger but cannot change it
    admin = logged_in(staff_of[Role.MUNICIPAL_ADMIN])
    assert admin.get(f"/tax/property/land/{parcel.pk}/").status_code == 200
    assert admin.post(f"/tax/property/land/{parcel.pk}/", {**land, "reason": "x"}).status_code == 403
