"""Illustrative costs for the demo group (labelled 例示 in the UI): a baseline before joining and the
years after, built so that the group's five-year reduction is the paper's 44.6%; a HARP-style sharing
formula; and monthly meters."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from lgcloud.group.costs import rules
from lgcloud.group.costs.models import CostCategory, CostKind, CostPhase, CostRecord, SharedCost
from lgcloud.group.costs.sharing import set_formula
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.metering import fiscal_year_months
from lgcloud.platform.metering.services import replace_history

BASELINE_FY = 2012
PERIOD = range(2014, 2019)  # the paper's five years after joining
LAST_FY = 2026
REDUCTION = Fraction(446, 1000)
NOTE = "例示データ（実際の費用ではありません）"
BASELINE_SPLIT = {
    CostCategory.HARDWARE: Fraction(25, 100),
    CostCategory.SOFTWARE: Fraction(25, 100),
    CostCategory.OPERATION: Fraction(30, 100),
    CostCategory.DATA_CENTRE: Fraction(5, 100),
    CostCategory.NETWORK: Fraction(5, 100),
    CostCategory.CUSTOMIZATION: Fraction(10, 100),
}
SHARED_RUNNING_SPLIT = {
    CostCategory.SOFTWARE: Fraction(40, 100),
    CostCategory.OPERATION: Fraction(35, 100),
    CostCategory.DATA_CENTRE: Fraction(15, 100),
    CostCategory.NETWORK: Fraction(10, 100),
}
SHARED_INITIAL_SPLIT = {
    CostCategory.MIGRATION: Fraction(50, 100),
    CostCategory.HARDWARE: Fraction(30, 100),
    CostCategory.TRAINING: Fraction(20, 100),
}


def _split(total: int, split: dict[CostCategory, Fraction]) -> dict[CostCategory, int]:
    keys = list(split)
    amounts, _ = rules.largest_remainder(total, [total * split[k] for k in keys], [str(k) for k in keys])
    return dict(zip(keys, amounts, strict=True))


def baseline_per_year(population: int) -> int:
    return 30_000_000 + 2_000 * population


@demo_step(20)
def costs(ctx: DemoContext) -> None:
    group = ctx.group
    members = sorted(ctx.members, key=lambda m: m.code)
    CostRecord.objects.filter(group=group, illustrative=True).delete()
    SharedCost.objects.filter(group=group, illustrative=True).delete()
    baseline = {m.code: baseline_per_year(m.population or 0) for m in members}
    b_total = sum(baseline.values())
    target = round(len(PERIOD) * b_total * (1 - REDUCTION))  # what the group spends over the five years
    initial = target // 10
    running = (target * 6 // 10) // len(PERIOD)
    own_total = target - initial - running * len(PERIOD)
    own_per_year = own_total // len(PERIOD)
    own_first_extra = own_total - own_per_year * len(PERIOD)
    records = []
    for m in members:
        for cat, amount in _split(baseline[m.code], BASELINE_SPLIT).items():
            records.append(CostRecord(group=group, municipality=m, fiscal_year=BASELINE_FY, phase=CostPhase.BASELINE,
                                      kind=CostKind.RUNNING, category=cat, amount=amount, illustrative=True, note=NOTE))
    weights = [Fraction(m.population or 0) for m in members]
    w_total = sum(weights) or Fraction(1)
    for fy in range(PERIOD.start, LAST_FY + 1):
        year_own = own_per_year + (own_first_extra if fy == PERIOD.start else 0)
        shares, _ = rules.largest_remainder(year_own, [year_own * w / w_total for w in weights],
                                            [m.code for m in members])
        for m, amount in zip(members, shares, strict=True):
            records.append(CostRecord(group=group, municipality=m, fiscal_year=fy, phase=CostPhase.ACTUAL,
                                      kind=CostKind.RUNNING, category=CostCategory.OPERATION, amount=amount,
                                      illustrative=True, note=NOTE + "（庁内運用・端末保守）"))
        for cat, amount in _split(running, SHARED_RUNNING_SPLIT).items():
            SharedCost.objects.create(group=group, fiscal_year=fy, kind=CostKind.RUNNING, category=cat,
                                      amount=amount, illustrative=True, note=NOTE)
    for cat, amount in _split(initial, SHARED_INITIAL_SPLIT).items():
        SharedCost.objects.create(group=group, fiscal_year=PERIOD.start, kind=CostKind.INITIAL, category=cat,
                                  amount=amount, illustrative=True, note=NOTE)
    CostRecord.objects.bulk_create(records)
    set_formula(group, 2013, equal="0.2", population="0.6", usage={"certificates_issued": "0.2"},
                population_exponent=rules.HARP_EXPONENT, note="例示: 均等割2割・人口割6割（HARP方式の規模補正）・利用割2割")
    _meters(members)


def _meters(members: list) -> None:
    rows = []
    for fy in range(PERIOD.start, LAST_FY + 1):
        for month in fiscal_year_months(fy):
            if month > dt.date(LAST_FY, 11, 1):
                continue
            for m in members:
                pop = m.population or 0
                rows.append((m.pk, "residents_held", month, pop))
                # About one certificate a month per 20 residents, more at the spring moving season.
                seasonal = 2 if month.month in (3, 4) else 1
                rows.append((m.pk, "certificates_issued", month, pop * seasonal // 20))
    replace_history([m.pk for m in members], ["residents_held", "certificates_issued"], rows)
