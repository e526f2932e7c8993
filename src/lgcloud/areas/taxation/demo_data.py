"""Demo 税務: income records for the demo residents (salary, pension, 申告), one unmatched record per member on
the 処理待ち一覧, and the finished FY assessment, so a tax clerk sees real work after `make run`."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from lgcloud.areas.registry import public
from lgcloud.areas.taxation import assessment, property_ledger
from lgcloud.areas.taxation.incomes import enter_income
from lgcloud.areas.taxation.models import Assessment, IncomeKind, IncomeRecord, MatchedBy
from lgcloud.areas.taxation.property_models import LandParcel
from lgcloud.platform.common.wareki import fiscal_year_of
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality

DEMO_ACTOR = Actor("demo", "system", "system")
EMPLOYERS = [("E0001", "株式会社さいたま精工"), ("E0002", "比企運輸株式会社"), ("E0003", "医療法人けやき会"),
             ("E0004", "町役場"), ("E0005", "有限会社むさし食品")]


def _age(birth: dt.date | None, on: dt.date) -> int:
    if birth is None:
        return 40
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def income_records(m: Municipality, fiscal_year: int) -> int:
    """Income records for the residents of 1 January (deterministic per member); 0 if the year has some."""
    if IncomeRecord.objects.filter(fiscal_year=fiscal_year).exists():
        return 0
    rng = random.Random(f"taxation-demo-{m.code}-{fiscal_year}")
    year_end = dt.date(fiscal_year - 1, 12, 31)
    records = []
    for v in public.residents_as_of(dt.date(fiscal_year, 1, 1)):
        age = _age(v.birth_date, year_end)
        base = {"fiscal_year": fiscal_year, "person_no": v.person_no, "matched_by": MatchedBy.INDIVIDUAL_NUMBER,
                "full_name": v.full_name, "birth_date": v.birth_date, "address": v.address}
        if 18 <= age < 65 and rng.random() < 0.75:
            salary = rng.choice([1_050_000, 1_500_000, 2_400_000, 3_200_000, 4_300_000, 5_200_000, 6_800_000,
                                 9_000_000]) + rng.randrange(0, 400) * 1_000
            payer_no, payer_name = rng.choice(EMPLOYERS)
            records.append(IncomeRecord(kind=IncomeKind.SALARY_REPORT, payer_no=payer_no, payer_name=payer_name,
                                        salary_revenue=salary, social_insurance_paid=salary * 15 // 100,
                                        life_insurance_deduction=rng.choice([0, 28_000, 56_000, 70_000]),
                                        payroll_withholding=rng.random() < 0.6, **base))
        elif age >= 65:
            pension = rng.choice([800_000, 1_500_000, 2_200_000, 3_100_000]) + rng.randrange(0, 200) * 1_000
            records.append(IncomeRecord(kind=IncomeKind.PENSION_REPORT, payer_no="P0001", payer_name="日本年金機構",
                                        pension_revenue=pension, social_insurance_paid=pension * 8 // 100, **base))
        if 30 <= age < 75 and rng.random() < 0.08:
            records.append(IncomeRecord(kind=IncomeKind.TAX_RETURN, other_income=rng.randrange(50, 400) * 10_000,
                                        **base))
    IncomeRecord.objects.bulk_create(records)
    enter_income(fiscal_year, {"kind": IncomeKind.TAX_RETURN, "full_name": "照合　できない",
                               "birth_date": dt.date(1961, 7, 7), "address": "東京都", "other_income": 1_200_000})
    return len(records)


def properties(m: Municipality, fiscal_year: int) -> int:
    """A home (land and house) for some household heads, a co-owned house, a company's land and warehouse."""
    if LandParcel.objects.filter(fiscal_year=fiscal_year).exists():
        return 0
    rng = random.Random(f"taxation-property-{m.code}-{fiscal_year}")
    heads = [v for v in public.current_residents() if v.is_head and v.full_name.strip()][:12]
    # through the ledger's bulk path: the owners, then every item with its ownerships, in a few inserts
    specs = [{"kind": "resident", "person_no": v.person_no} for v in heads]
    co_owned = len(heads) >= 2
    if co_owned:
        specs += [{"kind": "resident", "person_no": heads[0].person_no},
                  {"kind": "resident", "person_no": heads[1].person_no}]
    specs.append({"kind": "corporation", "name": f"{m.name}物産株式会社", "address": m.name})
    owners = property_ledger.add_owners(specs)
    holdings = []
    for n, owner in enumerate(owners[:len(heads)], 1):
        area = Decimal(rng.choice([165, 198, 230, 330, 480]))
        value = int(area) * rng.choice([18_000, 25_000, 32_000, 41_000])
        holdings.append(property_ledger.Holding("land", [(owner, 1, 1)], dict(
            location=m.name, lot_number=f"{100 + n}", land_category="宅地", area_m2=area, value=value,
            residential="small", dwellings=1, previous_tax_base=value // 7 if n % 3 == 0 else None)))
        holdings.append(property_ledger.Holding("building", [(owner, 1, 1)], dict(
            location=m.name, building_number=f"{100 + n}", kind="居宅", structure=rng.choice(["木造", "軽量鉄骨造"]),
            floor_area_m2=Decimal(rng.choice([85, 105, 120, 140])),
            value=rng.choice([180_000, 3_200_000, 5_800_000, 9_400_000]))))
    if co_owned:
        a, b = owners[len(heads)], owners[len(heads) + 1]
        holdings.append(property_ledger.Holding("building", [(a, 1, 2), (b, 1, 2)], dict(
            location=m.name, building_number="900", kind="共同住宅", structure="木造", floor_area_m2=Decimal(160),
            value=7_500_000)))
    company = owners[-1]
    holdings.append(property_ledger.Holding("land", [(company, 1, 1)], dict(
        location=m.name, lot_number="2000", land_category="雑種地", area_m2=Decimal(1200), value=36_000_000)))
    holdings.append(property_ledger.Holding("building", [(company, 1, 1)], dict(
        location=m.name, building_number="2000", kind="倉庫", structure="鉄骨造", floor_area_m2=Decimal(600),
        value=42_000_000)))
    return len(property_ledger.add_many(fiscal_year, holdings))


@demo_step(50)
def taxation(ctx: DemoContext) -> None:
    """Income records and the finished 個人住民税 assessment of the current fiscal year for every member."""
    if ctx.scale <= 0:
        ctx.say("  税務のデモデータは作成しません（規模 0）")
        return
    fiscal_year = fiscal_year_of(dt.date.today())
    started = time.perf_counter()
    for m in ctx.members:
        with municipality_scope(m, DEMO_ACTOR):
            created = income_records(m, fiscal_year)
            summary = assessment.assess_all(fiscal_year)
            taxed = Assessment.objects.filter(fiscal_year=fiscal_year, is_current=True, total__gt=0).count()
            items = properties(m, fiscal_year)
            run = property_ledger.assess_all(fiscal_year)
        ctx.say(f"  {m.name}: 所得データ {created}件、納税義務者 {summary.taxpayers}人（課税 {taxed}人）、"
                f"年税額合計 {summary.total:,}円；固定資産 {items}件、納税義務者 {run.taxpayers}、税額 {run.total:,}円")
    ctx.say(f"  税務 {time.perf_counter() - started:.1f}秒")
