"""Demo treasury for every member: 個人住民税（普通徴収）, 固定資産税 and 軽自動車税 bills for part of the residents,
their payments up to today (bank, 口座振替, コンビニ — the last month's convenience-store payments as one
速報/確報 file), some late payers (延滞金), some in arrears with 督促状, one 分納誓約, an unmatched payment and an
over-payment waiting for its refund. Everything goes through the services; a member that already has bills is
left alone."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import public
from lgcloud.areas.revenue import collection, imports, ledger, light_vehicle, payments
from lgcloud.areas.revenue.models import Bill, Payment, PaymentChannel
from lgcloud.platform import levies
from lgcloud.platform.common.wareki import fiscal_year_of
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality

DEMO_ACTOR = Actor("demo", "system", "system")
TAXPAYERS_PER_MEMBER = 24
MAX_TAXPAYERS = 1000  # taxpayers whose payments are simulated per member (all of them at demo scale: one batch)


def _dues(fy: int) -> dict[str, list[dt.date]]:
    return {"resident_tax.ordinary": [dt.date(fy, 6, 30), dt.date(fy, 8, 31), dt.date(fy, 10, 31),
                                      dt.date(fy + 1, 1, 31)],
            "property_tax": [dt.date(fy, 4, 30), dt.date(fy, 7, 31), dt.date(fy, 12, 25), dt.date(fy + 1, 2, 28)]}


class _Due(Protocol):
    pk: int
    person_no: int
    due_on: dt.date
    payment_ref: str


def _split(total: int, n: int) -> list[int]:
    """Instalments in whole 100 yen, the odd part in the first (as 普通徴収 notices do)."""
    each = total // n // 100 * 100
    return [total - each * (n - 1)] + [each] * (n - 1)


def _bills(rng: random.Random, person_no: int, fy: int, billed: set[tuple[int, str]]) -> list[levies.BillSet]:
    sets = []
    for levy, dues in _dues(fy).items():
        if levy == "property_tax" and rng.random() > 0.4:
            continue
        if (person_no, levy) in billed:
            continue  # the levy's own demo has billed this person: keep its 調定
        total = rng.randrange(20_000, 240_000, 100)
        sets.append(levies.BillSet(
            levy=levy, fiscal_year=fy, person_no=person_no, reason="当初賦課", effective_on=dt.date(fy, 4, 1),
            lines=tuple(levies.BillLine(i + 1, d, a) for i, (d, a) in enumerate(zip(dues, _split(total, 4),
                                                                                  strict=True))),
            source_ref="demo"))
    return sets


@transaction.atomic
def load_member(m: Municipality, today: dt.date) -> dict[str, int] | None:
    rng = random.Random(f"revenue-{m.code}")
    fy = fiscal_year_of(today)
    counts = {"taxpayers": 0, "payments": 0, "reminders": 0, "cvs": 0}
    with municipality_scope(m, DEMO_ACTOR):
        if Payment.objects.exists():
            return None
        adults = [r for r in public.current_residents() if (r.age_on(today) or 0) >= 20][:200]
        if not adults:
            return counts
        people = rng.sample(adults, min(TAXPAYERS_PER_MEMBER, len(adults)))
        billed_before = set(Bill.objects.filter(person_no__in=[r.person_no for r in people], fiscal_year=fy)
                            .values_list("person_no", "levy"))
        bill_sets: list[levies.BillSet] = []
        vehicles = []
        for i, r in enumerate(people):
            bill_sets += _bills(rng, r.person_no, fy, billed_before)
            if i % 3 == 0:
                vehicles.append((r.person_no, f"{m.name[:3]} {rng.choice('あいうえか')} {1000 + i}",
                                 rng.choice(["passenger_private", "cargo_private", "moped_50"]),
                                 rng.choice([200903, 201205, 201606, 202104]), dt.date(2021, 5, 1)))
        levies.submit_many(bill_sets)  # the demo's own 調定 in one call (the bulk receiver)
        light_vehicle.register_vehicles(vehicles)
        light_vehicle.assess(fy, person_nos={r.person_no for r in people[::3]})
        # everyone billed (by this demo or by the levies' demos that ran before: 個人住民税, 国保税 …)
        billed = sorted(set(Bill.objects.values_list("person_no", flat=True)))[:MAX_TAXPAYERS]
        counts["taxpayers"] = len(billed)
        month_ago = today - dt.timedelta(days=31)
        cvs_lines = []
        by_person: dict[int, list[_Due]] = {}
        for row in Bill.objects.filter(person_no__in=billed).order_by("person_no", "due_on", "pk").values_list(
                "pk", "person_no", "due_on", "payment_ref", named=True):  # tuples: thousands of instalments
            by_person.setdefault(row.person_no, []).append(row)
        owed_now = ledger.balances([b.pk for bs in by_person.values() for b in bs])
        incoming: list[payments.Incoming] = []
        owing = [p for p in billed if any(owed_now.get(b.pk, 0) > 0 for b in by_person.get(p, []))]
        for i, person_no in enumerate(owing):  # (a 非課税 taxpayer's 調定 of 0 yen owes nothing)
            # A treasury's year: nearly everyone pays by the 納期限; about 1 in 12 paid an older instalment months
            # late (its 延滞金 determined, no 督促状 left open) and 1 in 40 stopped paying in the summer (in arrears,
            # the 督促状 below). Only these few instalments are unpaid, as a real 収納率 of ~98 % has it.
            kind = "arrears" if i % 40 == 3 else "late" if i % 12 == 2 else "prompt"
            for b in by_person.get(person_no, []):
                owed = owed_now.get(b.pk, 0)
                overdue = (today - b.due_on).days
                if owed <= 0 or (kind == "arrears" and overdue < 130):
                    continue
                if b.due_on > today:  # paid ahead within the last month by some (the next 納期 is near)
                    if kind != "prompt" or (b.due_on - today).days > 60 or rng.random() < 0.5:
                        continue
                    paid_on = today - dt.timedelta(days=rng.randrange(0, 31))
                elif kind == "late" and overdue >= 150:
                    paid_on = b.due_on + dt.timedelta(days=rng.randrange(140, 170))
                else:
                    paid_on = b.due_on - dt.timedelta(days=rng.randrange(0, 25))
                if paid_on > today:
                    continue
                if paid_on >= month_ago and rng.random() < 0.5:
                    cvs_lines.append(f"確報,{paid_on:%Y%m%d},{rng.randrange(80000, 200000)},0{rng.randrange(1, 4)},"
                                     f"{rng.randrange(1000, 9999)},{m.code}-{b.pk},{b.payment_ref},{owed}")
                    continue
                channel = rng.choice([PaymentChannel.BANK, PaymentChannel.DIRECT_DEBIT, PaymentChannel.COUNTER])
                incoming.append(payments.Incoming(paid_on, owed, channel, reference=b.payment_ref,
                                                  dedupe_key=f"demo:{b.pk}"))
        payments.receive_many(incoming)  # the bank and counter payments of the period, matched as one batch
        counts["payments"] = len(incoming)
        # one unmatched convenience-store payment and one over-payment (a refund to decide)
        cvs_lines.append(f"確報,{today - dt.timedelta(days=3):%Y%m%d},101010,01,1234,{m.code}-unmatched,"
                         f"{'9' * 17},4500")
        imports.import_cvs(("区分,収納日,収納時刻,本部コード,店舗コード,取扱番号,納付番号,金額\n"
                            + "\n".join(cvs_lines) + "\n").encode("cp932"), f"cvs_{today:%Y%m%d}.csv")
        counts["cvs"] = len(cvs_lines)
        over = billed[0]
        payments.receive_payment(payments.Incoming(today - dt.timedelta(days=2), 150_000, PaymentChannel.COUNTER,
                                                   person_no=over, identified=True, dedupe_key=f"demo:over:{over}"))
        # 督促状 on the last day one was due (20 days after a 納期限): one batch, for what was still unpaid then
        passed = [d + dt.timedelta(days=20) for dues in _dues(fy).values() for d in dues
                  if d + dt.timedelta(days=20) <= today]
        if passed:
            counts["reminders"] += len(collection.issue_reminders(max(passed)))
        # The plan is agreed five days ago, for what was overdue that day (a 納期限 may have passed since).
        agreed = today - dt.timedelta(days=5)
        rows = collection.arrears(agreed)
        if rows:
            worst = rows[0]
            debts = ledger.open_debts(worst.person_no, agreed, due_only=True)
            owed = sum(p + f for _, p, f in debts)
            if owed > 0:
                per = -(-owed // 6 // 100) * 100
                start = today.replace(day=1)
                schedule = []
                for k in range(6):
                    month = start.month - 1 + k + 1
                    schedule.append((dt.date(start.year + month // 12, month % 12 + 1, 10), per))
                collection.create_plan(worst.person_no, agreed, schedule, "デモ: 分納相談の結果")
                collection.record_contact(worst.person_no, agreed, "納付相談", "収入減のため6回の分納を誓約")
    return counts


@demo_step(70)  # after the levies' own demos (taxation 50, insurance 60): their 調定 are paid here too
def treasury(ctx: DemoContext) -> None:
    """Bills, a month of payments, arrears, 督促状 and a payment plan for every member (scale 0: none)."""
    if ctx.scale <= 0:
        return
    started = time.perf_counter()
    today = timezone.localdate()
    for m in ctx.members:
        counts = load_member(m, today)
        if counts is None:
            ctx.say(f"  {m.name}: 収納の台帳が既にあるため省略しました")
            continue
        ctx.say(f"  {m.name}: 納税者 {counts['taxpayers']}人、収納 {counts['payments'] + counts['cvs']}件"
                f"（うちコンビニ {counts['cvs']}件）、督促状 {counts['reminders']}件")
    ctx.say(f"  収納・滞納のデモデータ（{time.perf_counter() - started:.1f}秒）")
