"""Payments files: 全銀協 口座振替 round trip, a convenience-store 速報/確報 file with a duplicate and an unmatched line."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.revenue import imports, ledger, zengin
from lgcloud.areas.revenue.models import Bill, DirectDebitAccount, Payment, PaymentStatus
from lgcloud.platform import levies
from lgcloud.platform.audit.models import AuditRecord

D = dt.date
JUNE_30 = D(2025, 6, 30)
CONSIGNOR = imports.Consignor("1234567890", "イナマチ", "0009", "ミツイスミトモ", "123", "ウラワ", "1", "7654321")


def bill(person: int, amount: int, due: dt.date = JUNE_30, levy: str = "property_tax") -> Bill:
    levies.submit_bills(levies.BillSet(levy=levy, fiscal_year=2025, person_no=person, reason="当初賦課",
                                       effective_on=D(2025, 4, 1), lines=(levies.BillLine(1, due, amount),)))
    return Bill.objects.get(person_no=person, levy=levy)


def test_zengin_record_layout_round_trip():
    f = zengin.DebitFile("1234567890", "イナマチ", D(2025, 6, 30), "0009", "ミツイスミトモ", "123", "ウラワ", "1",
                         "7654321", [zengin.Debit("0005", "ミツビシUFJ", "001", "ホンテン", "1", "1234567",
                                                  "ヤマダ　タロウ", 30_000, "21250100000010011"),
                                     zengin.Debit("0001", "ミズホ", "002", "シンジュク", "2", "0000001",
                                                  "サトウ ハナコ", 12_345, "21250100000010020", "1")])
    content = zengin.write(f)
    records = content.split(b"\r\n")[:-1]
    assert [len(r) for r in records] == [120] * 5 and [r[:1] for r in records] == [b"1", b"2", b"2", b"8", b"9"]
    assert "ﾔﾏﾀﾞ ﾀﾛｳ".encode("shift_jis") in records[1]  # 半角カナ, Shift_JIS
    assert records[3][:37] == b"8000002000000042345000001000000030000"
    back = zengin.read(content, 2025)
    assert back.debit_date == f.debit_date and [(d.amount, d.customer_no, d.result) for d in back.debits] == \
        [(30_000, "21250100000010011", "0"), (12_345, "21250100000010020", "1")]
    assert zengin.read(content.replace(b"\r\n", b""), 2025).debits == back.debits  # a stream without separators
    with pytest.raises(zengin.FormatError, match="2件目"):
        zengin.read(content.replace(b"\r\n2", b"\r\n2 ", 1), 2025)


def test_direct_debit_request_out_and_result_in(in_a):
    a, b = bill(2001, 30_000), bill(2002, 12_345)
    bill(2003, 5_000)  # no account: not in the request
    for person, no in ((2001, "1234567"), (2002, "0000001")):
        DirectDebitAccount.objects.create(person_no=person, bank_code="0005", bank_name="ミツビシUFJ",
                                          branch_code="001", branch_name="ホンテン", account_no=no,
                                          holder="ヤマダ タロウ", valid_from=D(2024, 4, 1))
    request = imports.debit_request_file(D(2025, 6, 30), CONSIGNOR)
    sent = zengin.read(request, 2025)
    assert [(d.customer_no, d.amount) for d in sent.debits] == [(a.payment_ref, 30_000), (b.payment_ref, 12_345)]
    # the bank returns the same file with results: the first debited, the second short of funds
    sent.debits[1] = zengin.Debit(**{**sent.debits[1].__dict__, "result": "1"})
    result = zengin.write(sent)
    done = imports.import_debit_results(result, "KEKKA0630.txt", 2025)
    assert [p.reference for p in done.payments] == [a.payment_ref]
    assert ledger.balances([a.pk, b.pk]) == {a.pk: 0, b.pk: 12_345}
    assert done.batch.matched == 1 and AuditRecord.objects.filter(action="revenue.payments_imported").exists()
    with pytest.raises(imports.ImportRefused, match="取り込み済み"):
        imports.import_debit_results(result, "KEKKA0630.txt", 2025)
    with pytest.raises(imports.ImportRefused, match="レコード長"):
        imports.import_debit_results(result[:-5], "broken.txt", 2025)


CVS_LINES = [
    "区分,収納日,収納時刻,本部コード,店舗コード,取扱番号,納付番号,金額",
    "確報,20250625,101500,01,0001234,A0001,{ref_a},30000",
    "確報,20250625,101600,01,0001234,A0002,{ref_b},12345",
    "確報,20250626,090000,02,0000999,B0001,99999999999999999,8000",
]


def test_convenience_store_file_with_a_duplicate_and_an_unmatched_line(in_a):
    a, b = bill(3001, 30_000), bill(3002, 12_345)
    lines = [ln.format(ref_a=a.payment_ref, ref_b=b.payment_ref) for ln in CVS_LINES]
    with_duplicate = "\n".join([*lines, lines[2], "確報,2025-06-31,1,1,1,C1,1,1"]).encode("cp932")
    with pytest.raises(imports.ImportRefused) as refused:
        imports.import_cvs(with_duplicate, "cvs_20250626.csv")
    assert [(e.line, e.reason[:10]) for e in refused.value.errors] == [(5, "3行目と同じ収納です"), (6, "収納日「2025-0")]
    assert not Payment.objects.exists() and ledger.balances([a.pk])[a.pk] == 30_000  # nothing applied

    done = imports.import_cvs("\n".join(lines).encode("utf-8"), "cvs_20250626.csv")
    assert [p.status for p in done.payments] == [PaymentStatus.APPLIED, PaymentStatus.APPLIED, PaymentStatus.UNMATCHED]
    assert done.unmatched[0].reason.startswith("納付番号 99999999999999999")
    assert ledger.balances([a.pk, b.pk]) == {a.pk: 0, b.pk: 0}
    again = "\n".join([lines[0], lines[1]]).encode("utf-8") + b"\n"
    with pytest.raises(imports.ImportRefused, match="取込済み"):
        imports.import_cvs(again, "cvs_again.csv")


def test_preliminary_then_final_report(in_a):
    a = bill(4001, 30_000)
    line = CVS_LINES[1].format(ref_a=a.payment_ref)
    imports.import_cvs("\n".join([CVS_LINES[0], line.replace("確報", "速報")]).encode(), "sokuho.csv")
    assert Payment.objects.get().status == PaymentStatus.PRELIMINARY and ledger.balances([a.pk])[a.pk] == 30_000
    imports.import_cvs("\n".join([CVS_LINES[0], line]).encode(), "kakuho.csv")
    assert Payment.objects.get().status == PaymentStatus.APPLIED and ledger.balances([a.pk])[a.pk] == 0


def test_revenue_command_imports_a_file_and_issues_reminders(muni_a, tmp_path):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from lgcloud.platform.tenancy.context import Actor, municipality_scope

    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        a = bill(5001, 30_000)
        bill(5002, 20_000)
    bad = tmp_path / "bad.csv"
    bad.write_text(CVS_LINES[0] + f"\n確報,20250625,1,01,1,Z1,{a.payment_ref},abc\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="何も反映していません"):
        call_command("revenue", "import-cvs", str(bad), "--municipality", muni_a.code, stderr=err)
    assert "2行目: 金額「abc」" in err.getvalue()
    good = tmp_path / "good.csv"
    good.write_text(CVS_LINES[0] + f"\n確報,20250625,1,01,1,Z1,{a.payment_ref},30000\n", encoding="utf-8")
    out = io.StringIO()
    call_command("revenue", "import-cvs", str(good), "--municipality", muni_a.code, stdout=out)
    assert "消込 1件" in out.getvalue()
    pdf = tmp_path / "tokusoku.pdf"
    call_command("revenue", "reminders", "--on", "2025-07-20", "--pdf", str(pdf), "--municipality", muni_a.code,
                 stdout=out)
    assert "督促状 1件" in out.getvalue() and pdf.read_bytes().startswith(b"%PDF")


def test_refund_transfer_file_pays_a_decided_refund_with_its_interest(in_a):
    from lgcloud.areas.revenue import payments
    from lgcloud.areas.revenue.models import PaymentChannel, Refund

    b = bill(6001, 300_000)
    payments.post_payment(payments.Incoming(D(2025, 6, 30), 300_000, PaymentChannel.BANK, reference=b.payment_ref))
    levies.submit_bills(levies.BillSet(levy="property_tax", fiscal_year=2025, person_no=6001, reason="更正（減額）",
                                       effective_on=D(2025, 12, 1), lines=(levies.BillLine(1, JUNE_30, 0),)))
    ledger.decide_refund(Refund.objects.get().pk, D(2026, 6, 30))
    DirectDebitAccount.objects.create(person_no=6001, bank_code="0005", bank_name="ミツビシUFJ", branch_code="001",
                                      branch_name="ホンテン", account_no="7654321", holder="ヤマダ タロウ",
                                      valid_from=D(2024, 4, 1))
    content = imports.refund_transfer_file(D(2026, 7, 10), CONSIGNOR)
    records = content.split(b"\r\n")[:-1]
    assert [len(r) for r in records] == [120] * 4 and records[0][1:3] == b"21" and records[0][54:58] == b"0710"
    assert records[1][80:90] == b"0000303200"  # 300,000 + 還付加算金 3,200
    assert records[2][:19] == b"8000001000000303200"
    assert Refund.objects.get().transferred_on == D(2026, 7, 10)
    again = imports.refund_transfer_file(D(2026, 7, 11), CONSIGNOR).split(b"\r\n")
    assert again[1][:7] == b"8000000"  # nothing left to transfer
