"""Demo: 児童手当 recipients (the head of households with children up to high-school age) and the payment runs
of the fiscal year so far."""

from __future__ import annotations

import datetime as dt

from lgcloud.areas.registry import public
from lgcloud.areas.welfare import services, zengin
from lgcloud.areas.welfare.models import AllowanceClaim
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope

DEMO_ACTOR = Actor("demo", "system", "system")
PER_MEMBER = 60
CLAIMED_ON = dt.date(2026, 3, 20)
PAYMENTS = (dt.date(2026, 6, 1), dt.date(2026, 8, 1), dt.date(2026, 10, 1))
BANKS = (("0001", "ﾐｽﾞﾎ"), ("0005", "ﾐﾂﾋﾞｼﾕｰｴﾌｼﾞｪｲ"), ("0009", "ﾐﾂｲｽﾐﾄﾓ"), ("9900", "ﾕｳﾁｮ"))


@demo_step(62)
def child_allowance(ctx: DemoContext) -> None:
    if ctx.scale <= 0:
        return
    for m in ctx.members:
        with municipality_scope(m, DEMO_ACTOR):
            if AllowanceClaim.objects.exists():
                continue
            households: dict[int, list[public.ResidentView]] = {}
            for r in public.current_residents():
                if r.household_no is not None:
                    households.setdefault(r.household_no, []).append(r)
            requests: list[services.ClaimRequest] = []
            for members in households.values():
                head = next((r for r in members if r.is_head and r.kana), None)
                kids = [r for r in members if r.birth_date and (r.age_on(CLAIMED_ON) or 99) < 18
                        and r.birth_date <= CLAIMED_ON and r is not head]
                if head is None or not kids or (head.became_resident_on and head.became_resident_on > CLAIMED_ON):
                    continue
                bank, name = BANKS[head.person_no % len(BANKS)]
                requests.append(services.ClaimRequest(
                    head.person_no, CLAIMED_ON,
                    tuple(services.ChildInput(k.birth_date, k.person_no) for k in kids if k.birth_date),
                    services.Account(bank, f"{head.person_no % 900 + 100:03d}",
                                     f"{head.person_no % 10_000_000:07d}", head.kana, bank_name=name)))
                if len(requests) >= PER_MEMBER:
                    break
            claims = len(services.claim_many(requests))
            payer = zengin.Payer(f"{m.code}0001"[:10], "ｼﾞﾄﾞｳﾃｱﾃ", "0001", "ﾐｽﾞﾎ", "123", "ｳﾗﾜ", "1", "1234567")
            runs = services.payment_runs([(month, month.replace(day=13)) for month in PAYMENTS], payer)
            total = sum(run.total for run in runs)
        ctx.say(f"  {m.name}: 児童手当 受給者 {claims}人、支払 {len(PAYMENTS)}回 合計 {total:,}円")
