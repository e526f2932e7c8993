"""Demo: insured households of every member (a sample of the register's households), their incomes and the
FY2026 国保税 (with the 調定 handed to revenue)."""

from __future__ import annotations

import datetime as dt
import time

from lgcloud.areas.insurance import assessment, services
from lgcloud.areas.insurance.models import Coverage
from lgcloud.areas.registry import public
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope

DEMO_ACTOR = Actor("demo", "system", "system")
HOUSEHOLDS_PER_MEMBER = 120
FISCAL_YEAR = 2026


def _income(person_no: int, age: int) -> tuple[int, int, int]:
    """A deterministic spread of incomes: (総所得金額等, 給与収入, 年金収入)."""
    if age < 18:
        return 0, 0, 0
    bucket = person_no % 7
    if age >= 65:
        pension = (600_000, 1_200_000, 1_600_000, 2_400_000, 3_000_000, 900_000, 2_000_000)[bucket]
        return max(0, pension - 1_100_000), 0, pension
    salary = (0, 1_000_000, 2_500_000, 3_800_000, 5_200_000, 8_000_000, 15_000_000)[bucket]
    income = 0 if salary <= 650_000 else salary - 650_000 if salary < 1_900_000 else int(salary * 0.7) - 80_000
    return max(0, income), salary, 0


@demo_step(60)
def insured_households(ctx: DemoContext) -> None:
    if ctx.scale <= 0:
        return
    for m in ctx.members:
        started = time.perf_counter()
        with municipality_scope(m, DEMO_ACTOR):
            if Coverage.objects.exists():
                ctx.say(f"  {m.name}: 国保のデモデータは作成済みです")
                continue
            households: dict[int, list[public.ResidentView]] = {}
            for r in public.current_residents():
                if r.household_no is not None:
                    households.setdefault(r.household_no, []).append(r)
            chosen = [h for i, h in enumerate(sorted(households)) if i % 3 == 0][:HOUSEHOLDS_PER_MEMBER]
            start = dt.date(FISCAL_YEAR - 1, 4, 1)
            entries = []
            for household_no in chosen:
                members = households[household_no]
                head = next((r for r in members if r.is_head), members[0])
                for r in members:
                    age = r.age_on(start) or 0
                    if age >= 75 or (r.became_resident_on and r.became_resident_on > start):
                        continue
                    entries.append(services.Enrolment(
                        r.person_no, household_no, head.person_no,
                        start if not r.birth_date or r.birth_date < start else r.birth_date, "move_in",
                        _income(r.person_no, age)))
            services.enrol_many(entries, FISCAL_YEAR - 1)
            run = assessment.assess_all(FISCAL_YEAR)
        ctx.say(f"  {m.name}: 国保 {run.households}世帯、令和8年度 国保税 合計 {run.total:,}円"
                f"（{time.perf_counter() - started:.1f}秒）")
