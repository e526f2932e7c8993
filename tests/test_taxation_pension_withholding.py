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
