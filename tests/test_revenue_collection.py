"""滞納整理: 督促状 20 days after the due date (batch, PDF), arrears list, 分納誓約 with breach detection, and the
collection clerk's screens (名寄せ, posting a payment, roles)."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.revenue import collection, imports, ledger, payments
from lgcloud.areas.revenue.models import (
    Bill,
    PaymentChannel,
    PlanStatus,
    ReminderBatch,
    ReminderNotice,
)
from lgcloud.platform import levies
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import logged_in

D = dt.date
DUE = D(2025, 6, 30)


def bill(person: int, amount: int, due: dt.date = DUE, levy: str = "property_tax", inst: int = 1) -> Bill:
    levies.submit_bills(levies.BillSet(levy=levy, fiscal_year=2025, person_no=person, reason="当初賦課",
                                       effective_on=D(2025, 4, 1), lines=(levies.BillLine(inst, due, amount),)))
    return Bill.objects.get(person_no=person, levy=levy)


def pay(person: int, amount: int, on: dt.date) -> None:
    payments.post_payment(payments.Incoming(on, amount, PaymentChannel.COUNTER, person_no=person,
                                            dedupe_key=f"t:{person}:{on}:{amount}", identified=True))


def test_reminders_are_issued_20_days_after_the_due_date_once_per_installment(in_a):
    unpaid, paid, prelim = bill(1, 50_000), bill(2, 30_000), bill(3, 20_000)
    pay(2, 30_000, D(2025, 7, 5))
    imports.import_cvs(("区分,収納日,収納時刻,本部コード,店舗コード,取扱番号,納付番号,金額\n"
                        f"速報,20250718,1,01,1,X1,{prelim.payment_ref},20000\n").encode(), "s.csv")
    assert collection.issue_reminders(D(2025, 7, 19)) == []  # 19 days: not yet
    issued = collection.issue_reminders(D(2025, 7, 20))
    assert [(n.bill_id, n.principal, n.pay_by) for n in issued] == [(unpaid.pk, 50_000, D(2025, 7, 30))]
    assert collection.issue_reminders(D(2025, 8, 1)) == [] or all(
        n.issued_on == D(2025, 7, 20) for n in ReminderNotice.objects.all())
    assert ReminderNotice.objects.count() == 1 and paid.reminders.count() == 0
    assert ReminderBatch.objects.get().count == 1 and issued[0].batch is not None
    from lgcloud.areas.revenue import pdf
    content = pdf.reminders_pdf(in_a, issued, {1: "試験　太郎"})
    assert content.startswith(b"%PDF") and len(content) > 2_000


def test_arrears_list_and_late_fee_estimate(in_a):
    bill(10, 100_000, D(2025, 4, 30))
    bill(11, 5_000)
    pay(11, 5_000, D(2025, 6, 1))
    rows = collection.arrears(D(2025, 7, 31))
    assert [(r.person_no, r.principal, r.late_fee_estimate) for r in rows] == [(10, 100_000, 1_600)]
    assert AuditRecord.objects.filter(action="revenue.arrears_read").exists()


def test_payment_plan_breach_and_completion(in_a):
    bill(20, 90_000, D(2025, 4, 30))
    bill(21, 20_000, D(2025, 4, 30))
    with pytest.raises(ValidationFailed, match="足りません"):
        collection.create_plan(20, D(2025, 6, 1), [(D(2025, 6, 30), 10_000)])
    plan = collection.create_plan(20, D(2025, 6, 1), [(D(2025, 6, 30), 30_000), (D(2025, 7, 31), 30_000),
                                                      (D(2025, 8, 31), 30_000)])
    # on plan: no 督促状 for this taxpayer
    assert {n.person_no for n in collection.issue_reminders(D(2025, 6, 1))} == {21}
    pay(20, 30_000, D(2025, 6, 28))
    assert collection.check_plans(D(2025, 7, 15)) == []
    assert collection.check_plans(D(2025, 8, 5)) == [plan]  # the July instalment was missed
    plan.refresh_from_db()
    assert plan.status == PlanStatus.BREACHED and plan.breached_on == D(2025, 8, 5)
    from lgcloud.platform.worklists.models import WorkItem
    assert WorkItem.objects.get(dedupe_key=f"plan:{plan.pk}").queue == collection.BREACH_QUEUE
    kept = collection.create_plan(21, D(2025, 6, 1), [(D(2025, 6, 30), 20_000)])
    pay(21, 20_000, D(2025, 6, 30))
    assert collection.check_plans(D(2025, 7, 1)) == [kept]
    kept.refresh_from_db()
    assert kept.status == PlanStatus.COMPLETED


@pytest.fixture
def revenue_staff(make_staff, muni_a):
    return {role: make_staff(role, municipality=muni_a) for role in (Role.COLLECTION, Role.TAX, Role.COUNTER_CLERK)}


def test_a_collection_clerk_sees_the_whole_account_and_posts_a_payment(revenue_staff, muni_a):
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        prop = bill(30, 40_000)
        bill(30, 10_000, levy="light_vehicle_tax")
    clerk = logged_in(revenue_staff[Role.COLLECTION])
    page = clerk.get("/revenue/accounts/30/")
    text = page.content.decode()
    assert page.status_code == 200 and "固定資産税" in text and "軽自動車税（種別割）" in text and "50,000円" in text
    r = clerk.post("/revenue/accounts/30/payments/", {"amount": "４０，０００", "paid_on": "令和7年6月20日",
                                                      "reference": prop.payment_ref})
    assert r.status_code == 302
    text = clerk.get("/revenue/accounts/30/").content.decode()
    assert "を消し込みました" in text and 'id="rv-outstanding">10,000円' in text
    bad = clerk.post("/revenue/accounts/30/payments/", {"amount": "-5", "paid_on": ""}, follow=True)
    assert "金額は円単位の整数" in bad.content.decode()
    assert clerk.post("/revenue/reminders/issue/", {"on": "2025-07-20"}).status_code == 302
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        batch = ReminderBatch.objects.get()
    pdf = clerk.get(f"/revenue/reminders/{batch.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # the batch is an issued document: its code verifies and the file handed out matches the register
    from lgcloud.platform.documents import verify

    found = verify(batch.verification_code)
    assert found is not None and found.matches([pdf.content]) and "督促状" in found.title
    assert clerk.get("/revenue/arrears/?on=2025-07-31").status_code == 200
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        other = Bill.objects.get(person_no=30, levy="light_vehicle_tax")
    slip = clerk.get(f"/revenue/bills/{other.pk}/slip/")
    assert slip.status_code == 200 and slip.content.startswith(b"%PDF")
    assert "未納はありません" in clerk.get(f"/revenue/bills/{prop.pk}/slip/", follow=True).content.decode()
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        assert ledger.balances([prop.pk])[prop.pk] == 0
        assert AuditRecord.objects.filter(action="revenue.account_read").count() >= 2
    # tax reads revenue but cannot post; a counter clerk does not see it at all
    tax = logged_in(revenue_staff[Role.TAX])
    assert tax.get("/revenue/accounts/30/").status_code == 200
    assert tax.post("/revenue/accounts/30/payments/", {"amount": "1"}).status_code == 403
    assert logged_in(revenue_staff[Role.COUNTER_CLERK]).get("/revenue/accounts/30/").status_code == 403


def test_clerk_decides_a_refund_and_books_a_write_off_with_its_ground(revenue_staff, muni_a):
    from lgcloud.areas.revenue.models import Refund

    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        over = bill(40, 300_000, D(2025, 6, 30))
        pay(40, 300_000, D(2025, 6, 30))
        levies.submit_bills(levies.BillSet(levy="property_tax", fiscal_year=2025, person_no=40, reason="更正（減額）",
                                           effective_on=D(2025, 12, 1), lines=(levies.BillLine(1, D(2025, 6, 30), 0),)))
        refund = Refund.objects.get()
        old = bill(41, 8_000, D(2020, 4, 30), levy="light_vehicle_tax")
    clerk = logged_in(revenue_staff[Role.COLLECTION])
    r = clerk.post(f"/revenue/refunds/{refund.pk}/decide/", {"decided_on": "2026-06-30"}, follow=True)
    assert "還付加算金 3,200円" in r.content.decode()
    r = clerk.post(f"/revenue/bills/{old.pk}/reduce/", {"kind": "write_off", "amount": "8000", "on": "2025-05-01",
                                                       "reason": ""}, follow=True)
    assert "事由（根拠）を入力してください" in r.content.decode()
    r = clerk.post(f"/revenue/bills/{old.pk}/reduce/", {"kind": "write_off", "amount": "8000", "on": "2025-05-01",
                                                       "reason": "地方税法第18条第1項（時効）"}, follow=True)
    assert "不納欠損 8,000円" in r.content.decode()
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        assert ledger.balances([over.pk, old.pk]) == {over.pk: 0, old.pk: 0}
    tax = logged_in(revenue_staff[Role.TAX])
    assert tax.post(f"/revenue/bills/{old.pk}/reduce/", {"kind": "remission", "amount": "1"}).status_code == 403


def test_collection_rates_current_year_and_carried_over_for_a_member_and_the_group(muni_a, muni_b, staff_of):
    from lgcloud.areas.revenue import figures

    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        bill(50, 100_000, D(2025, 6, 30))
        pay(50, 60_000, D(2025, 6, 30))
        levies.submit_bills(levies.BillSet(levy="property_tax", fiscal_year=2024, person_no=51, reason="当初賦課",
                                           effective_on=D(2024, 4, 1),
                                           lines=(levies.BillLine(1, D(2024, 4, 30), 50_000),)))
        pay(51, 10_000, D(2025, 5, 10))
        rows = figures.collection_rates(2025, D(2025, 12, 31))
        assert [(r.part, r.charged, r.received, str(r.rate)) for r in rows] == [
            ("現年分", 100_000, 60_000, "60.00"), ("滞納繰越分", 50_000, 10_000, "20.00")]
    clerk = logged_in(staff_of[Role.COLLECTION])
    page = clerk.get("/revenue/rates/?fy=2025&on=2025-12-31").content.decode()
    assert "60.00%" in page and "20.00%" in page
    csv_text = clerk.get("/revenue/rates/?fy=2025&on=2025-12-31&format=csv").content.decode("utf-8-sig")
    assert "固定資産税,滞納繰越分,50000,10000,40000,20.00" in csv_text
    secretariat = logged_in(staff_of[Role.GROUP_SECRETARIAT])
    side = secretariat.get("/revenue/group-rates/?fy=2025&on=2025-12-31").content.decode()
    assert muni_a.name in side and muni_b.name in side and "60.00%" in side
    assert clerk.get("/revenue/group-rates/").status_code == 403


def test_api_account_payment_arrears_and_rates(muni_a, staff_of):
    import json

    from tests.conftest import api_client

    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        b = bill(60, 45_000, D(2025, 6, 30))
    clerk = api_client(staff_of[Role.COLLECTION])
    got = clerk.get("/api/v1/revenue/accounts/60").json()
    assert got["outstanding"] == 45_000 and got["lines"][0]["payment_ref"] == b.payment_ref
    r = clerk.post("/api/v1/revenue/accounts/60/payments", data=json.dumps(
        {"amount": 45_000, "paid_on": "2025-06-29", "reference": b.payment_ref}), content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "applied"
    assert clerk.get("/api/v1/revenue/accounts/60?as_of=2025-06-28").json()["outstanding"] == 45_000
    assert clerk.get("/api/v1/revenue/accounts/60").json()["outstanding"] == 0
    bad = clerk.post("/api/v1/revenue/accounts/60/payments", data=json.dumps({"amount": -1, "paid_on": "2025-06-29"}),
                     content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "amount"
    assert clerk.get("/api/v1/revenue/arrears?on=2025-07-31").json() == []
    rates = clerk.get("/api/v1/revenue/rates?fiscal_year=2025&on=2025-12-31").json()
    assert rates[0]["rate_percent"] == "100.00"
    tax = api_client(staff_of[Role.TAX])
    assert tax.get("/api/v1/revenue/accounts/60").status_code == 200
    assert tax.post("/api/v1/revenue/accounts/60/payments", data=json.dumps(
        {"amount": 1, "paid_on": "2025-06-29"}), content_type="application/json").status_code == 403
