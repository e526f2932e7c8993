"""The revenue ledger: 調定 from a levy, 更正, payments, 延滞金, over-payments (充当 / 還付), balances as of a date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from lgcloud.areas.revenue import ledger, movements, payments, reading
from lgcloud.areas.revenue.models import (
    Bill,
    Entry,
    EntryKind,
    Immutable,
    PaymentChannel,
    PaymentStatus,
    Refund,
    Vehicle,
)
from lgcloud.platform import levies
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import ValidationFailed

D = dt.date
PERSON = 1001
JUNE_1 = D(2025, 6, 1)


def submit(amounts: list[int], *, levy: str = "resident_tax.ordinary", fy: int = 2025, person: int = PERSON,
           on: dt.date = JUNE_1, reason: str = "当初賦課") -> None:
    dues = [D(2025, 6, 30), D(2025, 8, 31), D(2025, 10, 31), D(2026, 1, 31)]
    levies.submit_bills(levies.BillSet(levy=levy, fiscal_year=fy, person_no=person, reason=reason, effective_on=on,
                                       lines=tuple(levies.BillLine(i + 1, dues[i], a) for i, a in enumerate(amounts))))


def bills(person: int = PERSON) -> list[Bill]:
    return list(Bill.objects.filter(person_no=person).order_by("installment"))


def outstanding(as_of: dt.date | None = None, person: int = PERSON) -> list[int]:
    b = bills(person)
    bal = ledger.balances([x.pk for x in b], as_of)
    return [bal.get(x.pk, 0) for x in b]


def pay(amount: int, on: dt.date, ref: str = "", person: int | None = None, key: str = "") -> payments.Payment:
    return payments.post_payment(payments.Incoming(on, amount, PaymentChannel.COUNTER, reference=ref,
                                                   person_no=person, dedupe_key=key))


def test_bills_are_booked_once_and_a_repeat_changes_nothing(in_a):
    submit([30_000, 30_000, 30_000, 30_000])
    submit([30_000, 30_000, 30_000, 30_000])
    assert outstanding() == [30_000] * 4
    assert Entry.objects.filter(kind=EntryKind.BILL).count() == 4
    assert len({b.payment_ref for b in bills()}) == 4 and all(len(b.payment_ref) == 17 for b in bills())
    assert AuditRecord.objects.filter(action="revenue.bills_received").count() == 1


def test_a_lowering_correction_changes_the_installments_not_yet_due_first(in_a):
    submit([30_000, 30_000, 30_000, 30_000])
    # 更正 on 2025-09-15 lowering the year by 40,000: the levy spreads it evenly, the ledger does not
    submit([20_000, 20_000, 20_000, 20_000], on=D(2025, 9, 15), reason="更正（減額）")
    assert outstanding() == [30_000, 30_000, 20_000, 0]  # the last instalment first
    # entries are never changed: the 調定 history is there, and the balance before the 更正 too
    assert outstanding(D(2025, 9, 14)) == [30_000] * 4
    assert sorted(Entry.objects.filter(kind=EntryKind.BILL).values_list("amount", flat=True)) == \
        [-30_000, -10_000, 30_000, 30_000, 30_000, 30_000]


def test_an_increase_takes_the_levys_installments(in_a):
    submit([30_000, 30_000, 30_000, 30_000])
    submit([30_000, 30_000, 40_000, 40_000], on=D(2025, 9, 15), reason="更正（増額）")
    assert outstanding() == [30_000, 30_000, 40_000, 40_000]


def test_payment_by_reference_then_late_payment_with_late_fee(in_a):
    submit([100_000, 30_000, 30_000, 30_000])
    first, second = bills()[:2]
    pay(100_000, D(2025, 9, 30), ref=first.payment_ref)  # 92 days late: 1,600 yen 延滞金 (see rules test)
    acct = reading.account(PERSON)
    line = acct.lines[0]
    # 100,000 yen due 2025-06-30, paid 2025-09-30: 31 days × 2.4% = 203, 61 days × 8.7% = 1,453 → 1,600
    assert line.outstanding == 0 and line.late_fee_charged == 1_600 and line.late_fee_outstanding == line.late_fee_charged
    fee = line.late_fee_charged
    # the next payment settles principal before the 延滞金
    pay(30_000 + fee, D(2025, 9, 30), ref=second.payment_ref)
    acct = reading.account(PERSON)
    assert acct.lines[1].outstanding == 0 and acct.lines[0].late_fee_outstanding == 0
    assert AuditRecord.objects.filter(action="revenue.account_read").count() == 2


def test_late_fee_matches_the_rule_for_the_worked_case(in_a):
    levies.submit_bills(levies.BillSet(levy="property_tax", fiscal_year=2025, person_no=PERSON, reason="当初賦課",
                                       effective_on=D(2025, 4, 1),
                                       lines=(levies.BillLine(1, D(2025, 4, 30), 100_000),)))
    pay(100_000, D(2025, 7, 31), ref=bills()[0].payment_ref)
    fee = Entry.objects.get(kind=EntryKind.LATE_FEE)
    assert fee.amount == 1_600 and fee.booked_on == D(2025, 7, 31)


def test_partial_payments_lower_the_late_fee_base_day_by_day_and_the_account_shows_it_accruing(in_a):
    """100,000円 納期限 令和7年4月30日; 60,500円 paid 6月30日, the rest 7月31日. The base is 100,000 up to the day
    of the partial payment and 39,000 (100,000 − 60,500 = 39,500, truncated to 1,000) from the day after:
    5/1–5/31 31日 × 2.4% = 203円; 6/1–6/30 30日 × 8.7% = 715円; 7/1–7/31 31日 × 8.7% on 39,000 = 288円;
    1,206円 → 1,200円 (paid at once on 7/31 it would be 1,600円)."""
    levies.submit_bills(levies.BillSet(levy="property_tax", fiscal_year=2025, person_no=PERSON, reason="当初賦課",
                                       effective_on=D(2025, 4, 1),
                                       lines=(levies.BillLine(1, D(2025, 4, 30), 100_000),)))
    ref = bills()[0].payment_ref
    pay(60_500, D(2025, 6, 30), ref=ref)
    assert not Entry.objects.filter(kind=EntryKind.LATE_FEE).exists()  # fixed only when the principal is paid off
    line = reading.account(PERSON, D(2025, 7, 15)).lines[0]
    # as of 7/15: 203 + 715 + 15日 × 8.7% on 39,000 = 139 → 1,057 → 1,000円, accruing (not booked)
    assert (line.outstanding, line.late_fee_accruing, line.late_fee_charged) == (39_500, 1_000, 0)
    pay(39_500, D(2025, 7, 31), ref=ref)
    assert Entry.objects.get(kind=EntryKind.LATE_FEE).amount == 1_200
    line = reading.account(PERSON).lines[0]
    assert (line.outstanding, line.late_fee_accruing, line.late_fee_outstanding) == (0, 0, 1_200)


def test_payment_matched_by_taxpayer_and_amount_and_unmatched_goes_to_the_queue(in_a):
    submit([30_000, 25_000, 30_000, 30_000])
    p = pay(25_000, D(2025, 6, 20), person=PERSON)
    assert p.status == PaymentStatus.APPLIED and outstanding()[1] == 0
    q = pay(12_345, D(2025, 6, 20), person=PERSON)
    assert q.status == PaymentStatus.UNMATCHED and "一致しません" in q.reason
    r = pay(1_000, D(2025, 6, 20), ref="99999999999999999")
    assert r.status == PaymentStatus.UNMATCHED
    from lgcloud.platform.worklists.models import WorkItem

    item = WorkItem.objects.get(dedupe_key=f"payment:{q.pk}")
    assert item.status == "open" and item.capability == "revenue.change"
    payments.resolve_unmatched(q.pk, PERSON)
    item.refresh_from_db()
    assert item.status == "accepted"
    assert sum(outstanding()) == 30_000 + 30_000 + 30_000 - 12_345


def test_duplicates_and_bad_amounts_are_refused(in_a):
    submit([30_000])
    pay(30_000, D(2025, 6, 20), ref=bills()[0].payment_ref, key="bank:1")
    with pytest.raises(payments.Duplicate):
        pay(30_000, D(2025, 6, 20), ref=bills()[0].payment_ref, key="bank:1")
    with pytest.raises(ValidationFailed):
        pay(-1, D(2025, 6, 20), ref=bills()[0].payment_ref)


def test_a_correction_after_payment_produces_a_refund_with_refund_interest(in_a):
    submit([300_000])
    pay(300_000, D(2025, 6, 30), ref=bills()[0].payment_ref)
    submit([0], on=D(2025, 12, 1), reason="更正（減額）")
    refund = Refund.objects.get()
    assert refund.amount == 300_000 and refund.paid_on == D(2025, 6, 30)
    assert outstanding() == [-300_000]
    ledger.decide_refund(refund.pk, D(2026, 6, 30))
    refund.refresh_from_db()
    assert refund.interest == 3_200  # see test_revenue_rules.test_refund_interest_worked_case
    assert outstanding() == [0]


def test_an_over_payment_is_appropriated_to_another_debt_of_the_same_person(in_a):
    submit([50_000])  # resident tax, due 2025-06-30
    levies.submit_bills(levies.BillSet(levy="property_tax", fiscal_year=2025, person_no=PERSON, reason="当初賦課",
                                       effective_on=D(2025, 4, 1),
                                       lines=(levies.BillLine(1, D(2025, 5, 31), 40_000),)))
    resident = Bill.objects.get(levy="resident_tax.ordinary")
    pay(50_000, D(2025, 6, 30), ref=resident.payment_ref)
    submit([20_000], on=D(2025, 7, 10), reason="更正（減額）")  # 30,000 over-paid
    prop = Bill.objects.get(levy="property_tax")
    bal = ledger.balances([resident.pk, prop.pk])
    assert bal[resident.pk] == 0 and bal[prop.pk] == 10_000
    assert Entry.objects.filter(kind=EntryKind.APPROPRIATION).count() == 2
    assert not Refund.objects.exists()


def test_entries_are_immutable_and_write_off_needs_a_ground(in_a):
    submit([30_000])
    entry = Entry.objects.get()
    entry.amount = 1
    with pytest.raises(Immutable):
        entry.save()
    with pytest.raises(Exception, match="変更・削除"):
        entry.delete()
    with pytest.raises(ValidationFailed):
        ledger.write_off(bills()[0].pk, 10_000, D(2026, 4, 1), "")
    with pytest.raises(ValidationFailed):
        ledger.remit(bills()[0].pk, 40_000, D(2025, 6, 1), "災害による減免")
    ledger.write_off(bills()[0].pk, 30_000, D(2030, 7, 1), "地方税法第18条第1項（5年の時効）")
    assert outstanding() == [0] and outstanding(D(2030, 6, 30)) == [30_000]


def test_light_vehicle_tax_is_a_second_levy_through_the_same_seam(in_a):
    from lgcloud.areas.registry.actions import move_in as registry_move_in
    from lgcloud.areas.revenue import light_vehicle

    r = registry_move_in.move_in(
        persons=[{"family_name": "軽井", "given_name": "一郎", "family_name_kana": "カルイ", "given_name_kana": "イチロウ",
                  "birth_date": "1970-01-01", "sex": "male", "relationship": "世帯主"}],
        address={"address": "埼玉県北足立郡伊奈町小室2-2"}, effective_on="2020-04-01", notified_on="2020-04-01",
        previous_address="東京都新宿区西新宿2-8-1")
    owner = r.persons[0].person_no
    light_vehicle.register_vehicle(owner, "伊奈町 あ 1", "passenger_private", 201201, D(2012, 1, 10))
    light_vehicle.register_vehicle(owner, "伊奈町 い 2", "moped_50", 201801, D(2018, 1, 10))
    sold = light_vehicle.register_vehicle(owner, "伊奈町 う 3", "cargo_private", 201901, D(2019, 1, 10))
    light_vehicle.dispose_vehicle(sold.pk, D(2026, 3, 31))  # gone before 4月1日: not taxed for FY2026
    with pytest.raises(ValidationFailed):
        light_vehicle.register_vehicle(owner, "伊奈町 あ 1", "passenger_private", 201201, D(2012, 1, 10))
    with pytest.raises(ValidationFailed):  # in bulk: one refused row (a plate already registered) writes nothing
        light_vehicle.register_vehicles([(owner, "伊奈町 え 4", "moped_50", 201801, D(2018, 1, 10)),
                                         (owner, "伊奈町 い 2", "moped_50", 201801, D(2018, 1, 10))])
    with pytest.raises(ValidationFailed):
        light_vehicle.register_vehicles([(owner + 999, "伊奈町 お 5", "moped_50", 201801, D(2018, 1, 10))])
    assert not Vehicle.objects.filter(plate__in=["伊奈町 え 4", "伊奈町 お 5"]).exists()
    assert light_vehicle.assess(2026) == 1
    bill = Bill.objects.get(levy="light_vehicle_tax", person_no=owner)
    assert bill.due_on == D(2026, 5, 31)
    assert ledger.balances([bill.pk])[bill.pk] == 12_900 + 2_000  # 重課 + 原付
    assert light_vehicle.assess(2026) == 1  # a re-run changes nothing
    assert Entry.objects.filter(bill=bill).count() == 1


def test_no_movement_points_at_an_instalment_that_does_not_exist(in_a):
    """Entries and direct payments name their instalment without a foreign key the database checks row by row (a
    消込 books thousands at once): `movements.dangling()` is the check, and it names what a bypass would leave."""
    submit([100_000, 30_000, 30_000, 30_000])
    first = bills()[0]
    pay(100_000, D(2025, 9, 30), ref=first.payment_ref)
    assert movements.dangling() == []
    with connection.cursor() as cur:  # behind the application's back (instalments are never deleted: PROTECT)
        cur.execute("DELETE FROM revenue_bill WHERE id = %s", [first.pk])
    gone = movements.dangling()
    assert gone and all(x.startswith(("entry:", "payment:")) for x in gone)
