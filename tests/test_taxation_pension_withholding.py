"""公的年金からの特別徴収 goes to revenue as 調定 through platform/levies: the pension payer is the 特別徴収義務者
(levy resident_tax.pension, like the employer for 給与特別徴収); a 更正 that leaves it cancels what revenue held."""

from __future__ import annotations

import datetime as dt

from lgcloud.areas.taxation import assessment, incomes
from lgcloud.areas.taxation.models import Assessment, IncomeRecord
from tests.test_taxation_assessment import FY, HEADER, bills, family  # noqa: F401  (fixtures)

CSV = (HEADER + "給与,123456789018,山田　太郎,1980-04-02,,E001,伊奈工業,5779320,0,0,1140601,70000,,,,0\n"
       + "年金,,山田　花子,1955-09-15,,P001,日本年金機構,0,3000000,0,100000,0,,,,0\n"
       + "年金,,山田　花子,1955-09-15,,P777,伊奈企業年金基金,0,400000,0,0,0,,,,0\n")


def test_pension_withholding_goes_to_revenue_naming_the_pension_payer(family, bills):  # noqa: F811
    incomes.import_csv(FY, "p.csv", CSV.encode())
    assessment.assess_all(FY)
    hanako = Assessment.objects.get(person_no=family["花子"], is_current=True)
    assert hanako.collection_method == "pension_withholding"
    pension_rows = [i for i in hanako.installments if i["method"] == "pension_withholding"]
    sent = bills.current()[("resident_tax.pension", FY, family["花子"])]
    assert [(line.installment, line.due_on, line.amount) for line in sent.lines] == [
        (i["installment"], dt.date.fromisoformat(i["due_on"]), i["amount"]) for i in pension_rows]
    assert [line.due_on for line in sent.lines] == [dt.date(2026, 10, 10), dt.date(2026, 12, 10), dt.date(2027, 2, 10)]
    assert sent.detail == {"payer_no": "P001", "payer_name": "日本年金機構"}  # the largest public pension's payer
    ordinary = bills.current()[("resident_tax.ordinary", FY, family["花子"])]
    assert ordinary.total + sent.total == hanako.total > 0
    assert sent.source_ref == f"assessment:{hanako.pk}:v1"
    # the taxpayer without a pension is not billed under the pension levy
    assert ("resident_tax.pension", FY, family["太郎"]) not in bills.current()

    # a re-run sends nothing; a 更正 that removes the pension sends the pension set empty (revenue cancels it)
    before = len(bills.received)
    assessment.assess_all(FY)
    assert len(bills.received) == before
    for payer_no in ("P777", "P001"):
        record = IncomeRecord.objects.get(person_no=family["花子"], payer_no=payer_no, superseded=False)
        assessment.correct_income(record.pk, {"pension_revenue": 0, "other_income": 1_000_000}, "年金の訂正")
    assert bills.current()[("resident_tax.pension", FY, family["花子"])].total == 0
    new = Assessment.objects.get(person_no=family["花子"], is_current=True)
    assert new.version == 3 and new.collection_method == "ordinary_collection"
    assert bills.current()[("resident_tax.ordinary", FY, family["花子"])].total == new.total


def test_revenue_books_the_pension_instalments_as_its_own_bills(family):  # noqa: F811
    from lgcloud.areas.revenue.models import Bill

    incomes.import_csv(FY, "p.csv", CSV.encode())
    assessment.assess_all(FY)
    hanako = Assessment.objects.get(person_no=family["花子"], is_current=True)
    booked = Bill.objects.filter(levy="resident_tax.pension", fiscal_year=FY, person_no=family["花子"])
    assert sorted(booked.values_list("installment", "due_on")) == [
        (3, dt.date(2026, 10, 10)), (4, dt.date(2026, 12, 10)), (5, dt.date(2027, 2, 10))]
    assert set(Bill.objects.filter(person_no=family["花子"], fiscal_year=FY).values_list("levy", flat=True)) == {
        "resident_tax.ordinary", "resident_tax.pension"}
    assert hanako.total > 0
    from lgcloud.areas.revenue.ledger import levy_code
    from lgcloud.areas.revenue.models import levy_label

    assert levy_label("resident_tax.pension") == "個人住民税（年金特別徴収）"  # named on the ledger and the 名寄せ view
    assert levy_code("resident_tax.pension") == 13


def test_property_ledger_bulk_path_checks_everything_first_and_logs_each_item(family):  # noqa: F811
    import pytest

    from lgcloud.areas.taxation import property_ledger
    from lgcloud.areas.taxation.property_models import Building, LandParcel, LedgerChange, Ownership
    from lgcloud.platform.common.errors import ValidationFailed

    owners = property_ledger.add_owners([{"kind": "resident", "person_no": family["太郎"]},
                                         {"kind": "corporation", "name": "伊奈物産株式会社", "address": "伊奈町"}])
    assert owners[0].name == "山田　太郎" and owners[0].address == "埼玉県北足立郡伊奈町小室1-1"
    land = {"location": "伊奈町", "lot_number": "1", "land_category": "宅地", "area_m2": 200, "value": 5_000_000,
            "residential": "small", "dwellings": 1}
    house = {"location": "伊奈町", "building_number": "1", "kind": "居宅", "structure": "木造", "floor_area_m2": 100,
             "value": 3_000_000}
    with pytest.raises(ValidationFailed, match="持分"):
        property_ledger.add_many(FY, [property_ledger.Holding("land", [(owners[0], 1, 1)], land),
                                      property_ledger.Holding("building", [(owners[0], 1, 2)], house)])
    assert not LandParcel.objects.exists() and not Building.objects.exists()
    with pytest.raises(ValidationFailed, match="宛名番号"):
        property_ledger.add_owners([{"kind": "resident", "person_no": 999_999}])
    items = property_ledger.add_many(FY, [
        property_ledger.Holding("land", [(owners[0], 1, 1)], land),
        property_ledger.Holding("building", [(owners[0], 1, 2), (owners[1], 1, 2)], house)])
    assert [type(x).__name__ for x in items] == ["LandParcel", "Building"]
    assert Ownership.objects.filter(building=items[1]).count() == 2
    assert sorted(LedgerChange.objects.values_list("reason", flat=True)) == sorted(
        ["所有者の登録", "所有者の登録", "土地の登録", "家屋の登録"])
    run = property_ledger.assess_all(FY)
    assert run.written == 2 and run.total > 0
