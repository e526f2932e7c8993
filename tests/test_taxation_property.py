"""固定資産税 ledger and assessment: owners and co-ownership, history, 名寄帳, 免税点 per taxpayer, re-run."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lgcloud.areas.taxation import property_ledger as ledger
from lgcloud.areas.taxation.property_models import PropertyAssessment
from lgcloud.platform import levies
from lgcloud.platform.common.errors import ValidationFailed
from tests.test_taxation_assessment import make_family

pytestmark = pytest.mark.django_db
FY = 2026


@pytest.fixture
def bills():
    got = levies.CollectingReceiver()
    previous = levies.register_receiver(got)
    yield got
    levies.register_receiver(previous)


def test_ledger_names_owners_history_and_owner_ledger(in_a, bills):
    family = make_family()
    taro = ledger.add_owner("resident", "", person_no=family["太郎"])
    hanako = ledger.add_owner("resident", "", person_no=family["花子"])
    corp = ledger.add_owner("corporation", "株式会社いな商事", address="伊奈町本町1")
    home = ledger.add_land(FY, [(taro, 1, 1)], location="伊奈町小室", lot_number="100-1", land_category="宅地",
                           area_m2=Decimal("300"), value=30_000_000, residential="small", dwellings=1)
    ledger.add_building(FY, [(taro, 1, 2), (hanako, 1, 2)], location="伊奈町小室", building_number="100-1",
                        kind="居宅", structure="木造", floor_area_m2=Decimal("120"), value=6_000_000)
    ledger.add_land(FY, [(corp, 1, 1)], location="伊奈町本町", lot_number="5", land_category="雑種地",
                    area_m2=Decimal("50"), value=250_000)
    ledger.add_building(FY, [(corp, 1, 1)], location="伊奈町本町", building_number="5", kind="倉庫",
                        structure="鉄骨造", floor_area_m2=Decimal("40"), value=1_000_000)
    with pytest.raises(ValidationFailed, match="持分"):
        ledger.add_land(FY, [(taro, 1, 2)], location="x", lot_number="1", land_category="畑",
                        area_m2=Decimal(10), value=1)
    lines = ledger.owner_ledger(taro.pk, FY)
    assert [(x.category, x.share) for x in lines] == [("土地", "単独"), ("家屋", "1/2")]
    ledger.change_land(home.pk, "評価替え", value=31_200_000)
    changes = ledger.history(home)
    assert [c.reason for c in changes] == ["土地の登録", "評価替え"]
    assert changes[1].before["value"] == 30_000_000 and changes[1].after["value"] == 31_200_000

    run = ledger.assess_all(FY)
    assert (run.taxpayers, run.written) == (3, 3)
    alone = PropertyAssessment.objects.get(taxpayer_no=family["太郎"])
    # 31,200,000 × 200/300 / 6 + 31,200,000 × 100/300 / 3 = 3,466,666 + 3,466,666 → 6,933,000 → 97,000
    assert alone.result["tax_base"] == 6_933_000 and alone.total == 97_000
    couple = PropertyAssessment.objects.exclude(taxpayer_no__in=[family["太郎"]]).get(taxpayer_name__contains="共有")
    assert couple.total == 84_000  # the whole house to the co-owners together (連帯納税義務)
    company = PropertyAssessment.objects.get(taxpayer_name="株式会社いな商事")
    assert company.result["land_tax_base"] == 0 and company.total == 14_000  # land below the 免税点
    sent = bills.current()[("property_tax", FY, family["太郎"])]
    assert [line.amount for line in sent.lines] == [25_000, 24_000, 24_000, 24_000]
    before = list(PropertyAssessment.objects.values_list("pk", "result"))
    assert ledger.assess_all(FY).written == 0
    assert list(PropertyAssessment.objects.values_list("pk", "result")) == before
