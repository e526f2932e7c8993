"""滞納整理: 督促状 (batch), the arrears list, 分納誓約 with breach detection, the history of contacts."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum

from lgcloud.areas.revenue import ledger, matching, movements
from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.models import (
    ArrearsContact,
    Bill,
    Entry,
    EntryKind,
    Payment,
    PaymentPlan,
    PaymentStatus,
    PlanInstallment,
    PlanStatus,
    ReminderBatch,
    ReminderNotice,
)
from lgcloud.areas.revenue.rules.late_fee import late_fee
from lgcloud.platform import documents, worklists
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of, format_wareki
from lgcloud.platform.tenancy.context import current_actor, require_municipality

PAY_BY_DAYS = 10  # 督促状を発した日から起算して10日を経過した日まで（地方税法第331条第1項）
BREACH_QUEUE = "revenue.plan_breach"
worklists.register_queue(BREACH_QUEUE, label="分納誓約の不履行")


def principal_entries(bills: list[Bill], on: dt.date) -> dict[int, list[Entry]]:
    """The principal movements up to `on` of many instalments (entries and direct payments), a few queries for
    all of them (for `estimate_late_fee`)."""
    out: dict[int, list[Entry]] = {b.pk: [] for b in bills}
    for batch in matching.chunks(b for b in bills if b.due_on < on):
        for e in movements.principal_of(batch, on):
            out[e.bill_id].append(e)
    return out


def estimate_late_fee(bill: Bill, on: dt.date, lookup: P.Lookup | None = None,
                      entries: list[Entry] | None = None) -> int:
    """The 延滞金 an unpaid instalment would bear if paid off on `on` (見込額); `entries`: its principal entries
    up to `on` when the caller has read them (`principal_entries`)."""
    if on <= bill.due_on:
        return 0
    if entries is None:
        entries = movements.principal_of([bill], on)
    charged = sum(e.amount for e in entries if e.kind in (EntryKind.BILL, EntryKind.REMISSION))
    paid = tuple((e.booked_on, -e.amount) for e in entries
                 if e.amount < 0 and e.kind in (EntryKind.COLLECTION, EntryKind.APPROPRIATION))
    if charged <= 0:
        return 0
    lookup = lookup or P.database_lookup()
    rates = P.late_fee_rates(lookup, bill.due_on.year, max(bill.due_on.year, on.year))
    return late_fee(charged, bill.due_on, on, rates, paid).amount


@transaction.atomic
def issue_reminders(on: dt.date) -> list[ReminderNotice]:
    """督促状 for every instalment still unpaid `revenue.reminder.days_after_due` days after its 納期限, once each.

    Left out: instalments already reminded, those with a convenience-store 速報 for their 納付番号 (paid, money
    not yet remitted), and taxpayers with a 分納誓約 being kept.
    """
    days = int(P.database_lookup()("revenue.reminder.days_after_due", fiscal_year_of(on)))
    latest_due = on - dt.timedelta(days=days)
    # the candidates as ids first (a year's instalments, nearly all paid); instances only of the unpaid ones
    candidates = list(Bill.objects.filter(due_on__lte=latest_due).exclude(reminders__isnull=False)
                      .values_list("pk", "payment_ref", "person_no"))
    owed = ledger.balances([pk for pk, _ref, _p in candidates], on)
    owing = [(pk, ref, person) for pk, ref, person in candidates if owed.get(pk, 0) > 0]
    preliminary = set(Payment.objects.filter(status=PaymentStatus.PRELIMINARY, reference__in=[
        ref for _pk, ref, _p in owing]).values_list("reference", flat=True))
    on_plan = set(PaymentPlan.objects.filter(status=PlanStatus.ACTIVE).values_list("person_no", flat=True))
    lookup = P.database_lookup()
    unpaid = list(Bill.objects.filter(pk__in=[pk for pk, ref, person in owing
                                              if ref not in preliminary and person not in on_plan])
                  .order_by("person_no", "due_on", "levy", "installment"))
    entries = principal_entries(unpaid, on)
    notices = []
    for b in unpaid:
        principal = owed[b.pk]
        notices.append(ReminderNotice(bill=b, person_no=b.person_no, issued_on=on,
                                      pay_by=on + dt.timedelta(days=PAY_BY_DAYS), principal=principal,
                                      late_fee_estimate=estimate_late_fee(b, on, lookup, entries[b.pk]),
                                      created_by=current_actor().username))
    if notices:
        batch = _issue_batch(on, notices)
        for n in notices:
            n.batch = batch
    ReminderNotice.objects.bulk_create(notices)
    audit.record("revenue.reminders_issued", object_type="ReminderNotice", object_id=on.isoformat(),
                 detail={"issued_on": on.isoformat(), "count": len(notices),
                         "persons": sorted({n.person_no for n in notices})[:200]})
    return list(ReminderNotice.objects.filter(issued_on=on).select_related("bill").order_by("person_no", "pk"))


def _issue_batch(on: dt.date, notices: list[ReminderNotice]) -> ReminderBatch:
    """The day's 督促状 as one issued document (number, verification code, hash) with the exact PDF kept."""
    from lgcloud.areas.registry import public
    from lgcloud.areas.revenue import pdf

    municipality = require_municipality()
    views = public.persons(n.person_no for n in notices)  # one read for the batch's taxpayers
    names = {}
    for person_no in {n.person_no for n in notices}:
        view = views.get(person_no)
        names[person_no] = f"{view.family_name}　{view.given_name}" if view else ""
    # the PDF's inputs read here (its CVS parameters too): built from them alone, it may be built by the documents'
    # worker while the caller goes on (inside `documents.deferred()`; otherwise here, at once)
    build = functools.partial(pdf.reminders_pdf, municipality, notices, names,
                              settings=pdf.cvs_settings(municipality, [n.pay_by for n in notices]))
    reservation = documents.reserve("revenue.reminder_notice", f"督促状（{format_wareki(on)}発付 {len(notices)}件）",
                                    build, fee=0, subject_ref=f"revenue.reminders:{on.isoformat()}",
                                    purpose="督促状の発付")
    batch = ReminderBatch.objects.create(issued_on=on, count=len(notices), document_number=reservation.number,
                                         verification_code=reservation.code, pdf=b"",
                                         created_by=current_actor().username)

    def keep(_document: object, data: bytes) -> None:  # the exact PDF handed out, once it is there
        ReminderBatch.objects.filter(pk=batch.pk).update(pdf=data)
        batch.pdf = data

    reservation.complete(keep)
    return batch


@dataclass
class ArrearsRow:
    person_no: int
    installments: int
    principal: int
    late_fee_estimate: int
    oldest_due: dt.date
    reminded: int
    plan: PaymentPlan | None
    last_contact: ArrearsContact | None


@transaction.atomic
def arrears(on: dt.date, *, limit: int = 500) -> list[ArrearsRow]:
    """Every taxpayer with principal overdue on `on`, the largest first (audited as one read)."""
    due = list(Bill.objects.filter(due_on__lt=on).values_list("pk", flat=True))  # ids: nearly all are paid
    owed = ledger.balances(due, on)
    by_person: dict[int, list[Bill]] = {}
    for b in Bill.objects.filter(pk__in=[pk for pk in due if owed.get(pk, 0) > 0]).order_by("pk"):
        by_person.setdefault(b.person_no, []).append(b)
    reminded = set(ReminderNotice.objects.filter(bill_id__in=[b.pk for bs in by_person.values() for b in bs])
                   .values_list("bill_id", flat=True))
    plans = {p.person_no: p for p in PaymentPlan.objects.filter(person_no__in=by_person).order_by("pk")}
    contacts = {c.person_no: c for c in ArrearsContact.objects.filter(person_no__in=by_person).order_by("pk")}
    lookup = P.database_lookup()
    entries = principal_entries([b for bs in by_person.values() for b in bs], on)
    rows = [ArrearsRow(person, len(bs), sum(owed[b.pk] for b in bs),
                       sum(estimate_late_fee(b, on, lookup, entries[b.pk]) for b in bs), min(b.due_on for b in bs),
                       sum(1 for b in bs if b.pk in reminded), plans.get(person), contacts.get(person))
            for person, bs in by_person.items()]
    rows.sort(key=lambda r: (-r.principal, r.person_no))
    audit.record("revenue.arrears_read", object_type="Account",
                 object_id=",".join(str(r.person_no) for r in rows[:limit]), detail={"on": on.isoformat()})
    return rows[:limit]


@transaction.atomic
def create_plan(person_no: int, agreed_on: dt.date, schedule: list[tuple[dt.date, int]], note: str = "") -> PaymentPlan:
    """分納誓約 for everything the person owes overdue on `agreed_on` (principal and determined 延滞金)."""
    debts = ledger.open_debts(person_no, agreed_on, due_only=True)
    owed = sum(p + f for _, p, f in debts)
    if owed <= 0:
        raise ValidationFailed(f"宛名番号 {person_no} には納期限を過ぎた未納がありません。", field="person_no")
    if not schedule:
        raise ValidationFailed("分納の予定を1回以上入力してください。", field="schedule")
    for i, (day, amount) in enumerate(schedule, 1):
        if amount <= 0:
            raise ValidationFailed(f"第{i}回の金額は1円以上で入力してください。", field="schedule")
        if day < agreed_on:
            raise ValidationFailed(f"第{i}回の納付予定日が誓約日より前です。", field="schedule")
    if [d for d, _ in schedule] != sorted(d for d, _ in schedule):
        raise ValidationFailed("納付予定日は早い順に入力してください。", field="schedule")
    total = sum(a for _, a in schedule)
    if total < owed:
        raise ValidationFailed(f"分納の合計 {total:,}円 が未納額 {owed:,}円 に足りません。", field="schedule")
    if PaymentPlan.objects.filter(person_no=person_no, status=PlanStatus.ACTIVE).exists():
        raise ValidationFailed("この納税者には履行中の分納誓約があります。", field="person_no")
    plan = PaymentPlan.objects.create(person_no=person_no, agreed_on=agreed_on, total=total, note=note[:300],
                                      created_by=current_actor().username)
    PlanInstallment.objects.bulk_create([PlanInstallment(plan=plan, seq=i, due_on=d, amount=a)
                                         for i, (d, a) in enumerate(schedule, 1)])
    audit.record("revenue.plan_created", obj=plan, detail={"person_no": person_no, "total": total,
                                                           "installments": len(schedule)})
    return plan


def paid_since(person_no: int, since: dt.date, until: dt.date) -> int:
    got = Entry.objects.filter(person_no=person_no, kind=EntryKind.COLLECTION, booked_on__gte=since,
                               booked_on__lte=until).aggregate(s=Sum("amount"))["s"]
    direct = movements.direct(Bill.objects.filter(person_no=person_no).values_list("pk", flat=True), until=until) \
        .filter(paid_on__gte=since).aggregate(s=Sum("amount"))["s"]
    return -int(got or 0) + int(direct or 0)


@transaction.atomic
def check_plans(on: dt.date, grace_days: int = 0) -> list[PaymentPlan]:
    """Breach detection: a plan whose payments since the 誓約日 fall short of what was due by `on` − grace is
    breached (and raised on the 処理待ち一覧); a plan paid in full is completed. Returns the plans changed."""
    changed = []
    cutoff = on - dt.timedelta(days=grace_days)
    for plan in PaymentPlan.objects.filter(status=PlanStatus.ACTIVE).prefetch_related("schedule"):
        paid = paid_since(plan.person_no, plan.agreed_on, on)
        promised = sum(i.amount for i in plan.schedule.all() if i.due_on < cutoff)
        if paid >= plan.total:
            plan.status = PlanStatus.COMPLETED
        elif paid < promised:
            plan.status, plan.breached_on = PlanStatus.BREACHED, on
            worklists.raise_item(
                BREACH_QUEUE, subject_ref=f"revenue.plan:{plan.pk}",
                title=f"分納誓約の不履行（宛名番号 {plan.person_no}）",
                reason=f"{on:%Y-%m-%d}までの予定 {promised:,}円 に対し納付 {paid:,}円",
                proposed_action="納税者に連絡し、再誓約または滞納処分を検討する",
                payload={"plan_id": plan.pk, "promised": promised, "paid": paid}, capability=Cap.REVENUE_CHANGE,
                dedupe_key=f"plan:{plan.pk}", link=f"/revenue/accounts/{plan.person_no}/")
        else:
            continue
        plan.save(update_fields=["status", "breached_on"])
        audit.record("revenue.plan_checked", obj=plan, detail={"status": plan.status, "paid": paid,
                                                               "promised": promised})
        changed.append(plan)
    return changed


@transaction.atomic
def record_contact(person_no: int, contacted_on: dt.date, method: str, note: str) -> ArrearsContact:
    if not method.strip() or not note.strip():
        raise ValidationFailed("接触の方法と内容を入力してください。", field="note")
    if not Bill.objects.filter(person_no=person_no).exists():
        raise NotFound(f"宛名番号 {person_no} の収納の記録はありません。")
    contact = ArrearsContact.objects.create(person_no=person_no, contacted_on=contacted_on, method=method[:30],
                                            note=note[:500], created_by=current_actor().username)
    audit.record("revenue.contact_recorded", obj=contact, detail={"person_no": person_no, "method": method})
    return contact
