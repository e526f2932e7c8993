"""児童手当: claims, 額改定, 消滅, and the payment run with its 全銀協 総合振込 file."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.welfare import services, zengin
from lgcloud.areas.welfare.models import PaymentRun
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import Conflict, ValidationFailed
from lgcloud.platform.tenancy.models import Municipality

D = dt.date
pytestmark = pytest.mark.django_db
PAYER = zengin.Payer("1130180001", "イナマチ", "0001", "ミズホ", "123", "ウラワ", "1", "1234567")
ACCOUNT = services.Account("0005", "456", "7654321", "テアテ　ハハ", bank_name="ミツビシユーエフジェイ",
                           branch_name="イナ")


def _mother() -> int:
    r = move_in(persons=[{"family_name": "手当", "given_name": "母", "family_name_kana": "テアテ",
                          "given_name_kana": "ハハ", "birth_date": "1990-01-01", "sex": "female",
                          "relationship": "世帯主"}],
                address={"address": "埼玉県北足立郡伊奈町小室3-3"}, effective_on="2025-01-10",
                notified_on="2025-01-10", previous_address="東京都新宿区西新宿2-8-1")
    return r.persons[0].person_no


def test_claim_increase_termination_and_payment_runs(in_a: Municipality) -> None:
    mother = _mother()
    claim = services.claim(mother, D(2025, 8, 20), [services.ChildInput(D(2016, 5, 1)),
                                                    services.ChildInput(D(2024, 3, 3))], ACCOUNT)
    assert claim.first_month == D(2025, 9, 1)
    with pytest.raises(Conflict):
        services.claim(mother, D(2025, 8, 21), [services.ChildInput(D(2016, 5, 1))], ACCOUNT)
    # a birth on 25 September, claimed on 8 October (within 15 days): counted from October
    services.add_child(claim.pk, services.ChildInput(D(2025, 9, 25)), D(2025, 10, 8), event_on=D(2025, 9, 25))
    run = services.payment_run(D(2025, 10, 1), D(2025, 10, 15), PAYER)  # covers August (not yet) and September
    assert (run.recipients, run.total) == (1, 10_000 + 15_000)
    run = services.payment_run(D(2025, 12, 1), D(2025, 12, 15), PAYER)  # October and November: third child 30,000
    assert run.total == 2 * (10_000 + 15_000 + 30_000)
    rows = services.payment_list(run)
    assert rows[0]["person_no"] == mother and rows[0]["amount"] == 110_000 and rows[0]["name"] == "手当　母"
    services.terminate(claim.pk, D(2026, 1, 1), "転出")
    run = services.payment_run(D(2026, 2, 1), D(2026, 2, 13), PAYER)  # December and January, then nothing
    assert run.total == 2 * 55_000
    run = services.payment_run(D(2026, 4, 1), D(2026, 4, 15), PAYER)
    assert run.recipients == 0
    with pytest.raises(ValidationFailed):
        services.payment_run(D(2026, 5, 1), D(2026, 5, 15), PAYER)
    with pytest.raises(Conflict):
        services.payment_run(D(2026, 4, 1), D(2026, 4, 15), PAYER)
    assert AuditRecord.objects.filter(action="welfare.payment_run").count() == 4


def test_zengin_file_has_120_byte_records_in_cp932(in_a: Municipality) -> None:
    mother = _mother()
    services.claim(mother, D(2025, 8, 20), [services.ChildInput(D(2016, 5, 1))], ACCOUNT)
    run = services.payment_run(D(2025, 12, 1), D(2025, 12, 15), PAYER)
    data = bytes(PaymentRun.objects.get(pk=run.pk).transfer_file)
    records = data.split(b"\r\n")[:-1]
    assert [r[:1] for r in records] == [b"1", b"2", b"8", b"9"] and all(len(r) == 120 for r in records)
    assert records[0][1:3] == b"21" and records[0][54:58] == b"1215"
    detail = records[1]
    assert detail[1:5] == b"0005" and detail[20:23] == b"456" and detail[43:50] == b"7654321"
    assert detail[50:80].decode("cp932").rstrip() == "ﾃｱﾃ ﾊﾊ"
    assert int(detail[80:90]) == 20_000
    assert int(records[2][1:7]) == 1 and int(records[2][7:19]) == 20_000


def test_halfwidth_kana() -> None:
    assert zengin.halfwidth_kana("ガッコウ　タロウ") == "ｶﾞﾂｺｳ ﾀﾛｳ"
    with pytest.raises(ValidationFailed):
        zengin.halfwidth_kana("漢字")
    with pytest.raises(ValidationFailed):
        services._check_account(services.Account("12", "456", "7654321", "ア"))


def test_payment_runs_in_one_call_match_the_runs_one_by_one(in_a: Municipality) -> None:
    mother = _mother()
    services.claim(mother, D(2025, 8, 20), [services.ChildInput(D(2016, 5, 1)), services.ChildInput(D(2024, 3, 3))],
                   ACCOUNT)
    runs = services.payment_runs([(D(2025, 12, 1), D(2025, 12, 15)), (D(2025, 10, 1), D(2025, 10, 15))], PAYER)
    assert [(r.payment_month, r.recipients, r.total) for r in runs] == [
        (D(2025, 10, 1), 1, 10_000 + 15_000), (D(2025, 12, 1), 1, 2 * (10_000 + 15_000))]
    with pytest.raises(Conflict):
        services.payment_runs([(D(2026, 2, 1), D(2026, 2, 13)), (D(2025, 12, 1), D(2025, 12, 15))], PAYER)
    assert PaymentRun.objects.count() == 2
