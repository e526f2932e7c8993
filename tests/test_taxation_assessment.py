"""個人住民税 assessment: income import and matching, the annual run (byte-identical re-run), 更正, collection."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import move_out
from lgcloud.areas.taxation import assessment, incomes
from lgcloud.areas.taxation.models import Assessment, IncomeRecord, ResidenceOnlyTaxpayer
from lgcloud.platform import levies
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.worklists.models import WorkItem

pytestmark = pytest.mark.django_db
FY = 2026
HEADER = "種類,個人番号,氏名,生年月日,住所,支払者番号,支払者名,給与収入,公的年金等収入,その他所得,社会保険料,生命保険料控除,配偶者所得,配偶者年齢,扶養親族,特別徴収\n"


@pytest.fixture
def bills():
    got = levies.CollectingReceiver()
    previous = levies.register_receiver(got)
    yield got
    levies.register_receiver(previous)


@pytest.fixture
def family(in_a):
    return make_family()


def make_family() -> dict[str, int]:
    persons = [
        {"family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
         "birth_date": "1980-04-02", "sex": "male", "relationship": "世帯主", "individual_number": "123456789018"},
        {"family_name": "山田", "given_name": "花子", "family_name_kana": "ヤマダ", "given_name_kana": "ハナコ",
         "birth_date": "1955-09-15", "sex": "female", "relationship": "妻"},
        {"family_name": "山田", "given_name": "一郎", "family_name_kana": "ヤマダ", "given_name_kana": "イチロウ",
         "birth_date": "2005-05-05", "sex": "male", "relationship": "子"},
    ]
    r = move_in(persons=persons, address={"address": "埼玉県北足立郡伊奈町小室1-1"}, effective_on="2025-04-01",
                notified_on="2025-04-01", previous_address="東京都新宿区西新宿2-8-1")
    return {p.given_name: p.person_no for p in r.persons}


CSV = (HEADER
       + "給与,123456789018,山田　太郎,1980-04-02,,E001,伊奈工業,5779320,0,0,1140601,70000,,,,0\n"
       + "年金,,ヤマダ　ハナコ,S30.9.15,,P001,年金機構,0,2000000,0,100000,0,,,,0\n"
       + "申告,,佐藤　次郎,1970-01-01,東京都,,,0,0,3000000,0,0,,,,0\n")


def test_import_matches_by_individual_number_then_name_and_birth_date_and_queues_the_rest(family):
    result = incomes.import_csv(FY, "kyuyo.csv", CSV.encode("cp932"))
    assert (result.created, result.matched, result.unmatched) == (3, 2, 1)
    taro = IncomeRecord.objects.get(full_name="山田　太郎")
    assert taro.person_no == family["太郎"] and taro.matched_by == "individual_number"
    assert IncomeRecord.objects.get(pension_revenue=2_000_000).matched_by == "name_birth_date"
    queue = incomes.unmatched(FY)
    assert [r.full_name for r in queue] == ["佐藤　次郎"]
    item = WorkItem.objects.get(queue="taxation.unmatched_income")
    assert item.status == "open" and item.payload["record_id"] == queue[0].pk and item.capability == "taxation"
    incomes.resolve_unmatched(queue[0].pk, family["一郎"])
    assert incomes.unmatched(FY) == []
    item.refresh_from_db()
    assert item.status == "accepted"


def test_import_is_all_or_nothing_with_file_line_item_and_reason(family):
    bad = CSV + "給与,,鈴木,1990-13-01,,,,abc,0,0,0,80000,,,,2\n"
    with pytest.raises(incomes.ImportFailed) as e:
        incomes.import_csv(FY, "bad.csv", bad.encode("utf-8"))
    places = {(x.file, x.line, x.item) for x in e.value.errors}
    assert {("bad.csv", 5, "生年月日"), ("bad.csv", 5, "給与収入"), ("bad.csv", 5, "生命保険料控除"),
            ("bad.csv", 5, "特別徴収")} <= places
    assert "bad.csv 5行目「給与収入」" in e.value.message
    assert IncomeRecord.objects.count() == 0
    with pytest.raises(incomes.ImportFailed, match="この様式にない列"):
        incomes.import_csv(FY, "x.csv", "氏名,年収\n".encode())


def _dump() -> str:
    rows = Assessment.objects.order_by("person_no", "version").values(
        "person_no", "version", "input_hash", "parameter_version", "facts", "result", "installments")
    return json.dumps(list(rows), ensure_ascii=False, sort_keys=True, default=str)


def test_annual_assessment_then_a_rerun_is_byte_identical(family, bills):
    incomes.import_csv(FY, "kyuyo.csv", CSV.encode("utf-8"))
    first = assessment.assess_all(FY)
    assert (first.taxpayers, first.written) == (3, 3)
    taro = Assessment.objects.get(person_no=family["太郎"])
    assert taro.total == 256_500 and taro.version == 1 and taro.reason == "当初賦課"
    assert taro.collection_method == "ordinary_collection"
    assert [i["amount"] for i in taro.installments] == [64_500, 64_000, 64_000, 64_000]
    assert [i["due_on"] for i in taro.installments] == ["2026-06-30", "2026-08-31", "2026-10-31", "2027-01-31"]
    assert any(s["step"] == "adjustment_credit_municipal" for s in taro.result["breakdown"])
    sent = bills.current()[("resident_tax.ordinary", FY, family["太郎"])]
    assert sent.total == 256_500 and sent.reason == "当初賦課"
    ichiro = Assessment.objects.get(person_no=family["一郎"])
    assert ichiro.total == 0 and ichiro.result["exempt"] == "both"
    before = _dump()
    again = assessment.assess_all(FY)
    assert (again.written, again.unchanged) == (0, 3)
    assert _dump() == before
    assert AuditRecord.objects.filter(action="taxation.assessed").count() == 2


def test_correction_is_a_new_version_the_old_stays_and_revenue_gets_the_new_set(family, bills):
    incomes.import_csv(FY, "kyuyo.csv", CSV.encode("utf-8"))
    assessment.assess_all(FY)
    record = IncomeRecord.objects.get(person_no=family["太郎"])
    out = assessment.correct_income(record.pk, {"social_insurance_paid": 1_340_601}, "社会保険料の申告漏れ")
    assert out.changed and out.assessment.version == 2 and out.assessment.reason == "更正（社会保険料の申告漏れ）"
    versions = assessment.history(FY, family["太郎"])
    assert [(a.version, a.is_current, a.total) for a in versions] == [(1, False, 256_500), (2, True, 236_500)]
    assert bills.current()[("resident_tax.ordinary", FY, family["太郎"])].total == 236_500
    assert IncomeRecord.objects.get(pk=record.pk).superseded


def test_who_is_taxed_register_on_1_january_and_residence_only(family, bills):
    move_out(person_nos=[family["一郎"]], destination="東京都千代田区", effective_on="2026-02-01",
             notified_on="2026-01-25")
    ResidenceOnlyTaxpayer.objects.create(fiscal_year=FY, full_name="別荘　所有", address="東京都港区",
                                         property_address="伊奈町小室9")
    assessment.assess_all(FY)
    numbers = set(Assessment.objects.values_list("person_no", flat=True))
    assert family["一郎"] in numbers  # moved out after 1 January: still taxed here
    villa = Assessment.objects.get(full_name="別荘　所有")
    assert villa.total == 4_000 and villa.result["forest_environment_tax"] == 0
    assert len(assessment.taxpayers(2025)) == 0  # nobody lived here on 1 January 2025


def test_payroll_and_pension_withholding(family, bills):
    csv_text = (HEADER + "給与,123456789018,山田　太郎,1980-04-02,,E001,伊奈工業,5779320,0,0,1140601,70000,,,,1\n"
                + "年金,,山田　花子,1955-09-15,,P001,年金機構,0,3000000,0,100000,0,,,,0\n")
    incomes.import_csv(FY, "k.csv", csv_text.encode())
    assessment.assess_all(FY)
    taro = Assessment.objects.get(person_no=family["太郎"])
    assert taro.collection_method == "payroll_withholding"
    amounts = [i["amount"] for i in taro.installments]
    assert len(amounts) == 12 and sum(amounts) == 256_500 and amounts[1:] == [21_300] * 11
    assert ("resident_tax.ordinary", FY, family["太郎"]) not in bills.current()
    payroll = bills.current()[("resident_tax.payroll", FY, family["太郎"])]
    assert [line.amount for line in payroll.lines] == amounts and payroll.total == 256_500
    assert payroll.detail == {"employer_no": "E001", "employer_name": "伊奈工業"}
    assert [(line.installment, line.due_on.isoformat()) for line in payroll.lines][:2] == [
        (1, "2026-06-10"), (2, "2026-07-10")]
    # a 更正 that leaves 特別徴収 (here: the salary is gone) cancels the monthly amounts and bills 普通徴収
    record = IncomeRecord.objects.get(person_no=family["太郎"])
    assessment.correct_income(record.pk, {"salary_revenue": 0, "other_income": 5_000_000}, "退職")
    assert bills.current()[("resident_tax.payroll", FY, family["太郎"])].total == 0
    assert bills.current()[("resident_tax.ordinary", FY, family["太郎"])].total > 0
    hanako = Assessment.objects.get(person_no=family["花子"])
    assert hanako.collection_method == "pension_withholding"
    assert sum(i["amount"] for i in hanako.installments) == hanako.total > 0
    assert {i["method"] for i in hanako.installments} == {"ordinary_collection", "pension_withholding"}


def test_tax_assess_command_with_progress(family, bills, muni_a):
    out, err = io.StringIO(), io.StringIO()
    call_command("tax", "assess", "--municipality", muni_a.code, "--fiscal-year", str(FY), stdout=out, stderr=err)
    assert "納税義務者 3 人" in out.getvalue()
    assert "3/3" in err.getvalue()


def test_a_member_override_is_used_shown_in_the_deviation_report_and_makes_a_new_version(family, bills, muni_a,
                                                                                          group):
    from lgcloud.platform.params import services as params

    incomes.import_csv(FY, "kyuyo.csv", CSV.encode("utf-8"))
    assessment.assess_all(FY)
    params.set_override(muni_a, "resident_tax.per_capita.prefectural_surcharge", FY, "500", "県の森林環境税（超過課税）")
    run = assessment.assess_all(FY)
    assert run.written == 3  # a new parameter version is a new version for everyone (the record names it)
    taro = Assessment.objects.get(person_no=family["太郎"], is_current=True)
    assert taro.version == 2 and taro.total == 257_000 and taro.result["prefectural_per_capita"] == 1_500
    report = params.deviation_report(group, FY)
    assert any(r.parameter.name == "resident_tax.per_capita.prefectural_surcharge" for r in report.rows)
