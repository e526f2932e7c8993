"""The annual 国保税 assessment (当初賦課) and the recalculations in the year (更正), handing 調定 to revenue.

A run reads the parameters in force for the municipality and fiscal year, the coverage periods, the
income facts of the previous calendar year and the register (ages), computes every household with the
pure rules, stores one Assessment version per household whose amount changed, and submits each
payer's instalments through `lgcloud.platform.levies`. The run record keeps the parameters and the
digests of input and output: running again on the same facts gives the same output digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lgcloud.areas.insurance.models import Assessment, AssessmentRun, Coverage, IncomeFact, NhiHousehold
from lgcloud.areas.insurance.rules.nhi_tax import NhiParameters, NhiTaxResult, assess
from lgcloud.areas.insurance.services import household_facts
from lgcloud.areas.registry import public
from lgcloud.platform import levies
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.params.standard import values_in_force
from lgcloud.platform.tenancy.context import current_actor

LEVY = "nhi_tax"
Progress = Callable[[int, int], None]


def parameters_for(fiscal_year: int) -> tuple[NhiParameters, dict[str, Any]]:
    values = values_in_force("nhi_tax.", fiscal_year)
    return NhiParameters.from_values(fiscal_year, values), values


def installments(total: int, fiscal_year: int, count: int, first_month: int) -> tuple[levies.BillLine, ...]:
    """Equal instalments in 100 yen, the remainder in the first; due on the last day of each month."""
    each = total // count // 100 * 100
    lines = []
    for i in range(count):
        month = first_month + i
        year = fiscal_year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        following = dt.date(year + (1 if month == 12 else 0), 1 if month == 12 else month + 1, 1)
        lines.append(levies.BillLine(i + 1, following - dt.timedelta(days=1),
                                     each + (total - each * count if i == 0 else 0)))
    return tuple(lines)


def _households(fiscal_year: int) -> list[NhiHousehold]:
    start, end = dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)
    ids = (Coverage.objects.filter(coverage_start__lte=end)
           .filter(Q(coverage_end__isnull=True) | Q(coverage_end__gt=start))
           .values_list("household_id", flat=True).distinct())
    return list(NhiHousehold.objects.filter(pk__in=list(ids)).order_by("household_no"))


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _store(run: AssessmentRun, household: NhiHousehold, result: NhiTaxResult, previous: Assessment | None,
           from_month: dt.date | None, reason: str, breakdown: dict[str, Any] | None = None) -> Assessment:
    return Assessment(
        run=run, household=household, fiscal_year=run.fiscal_year,
        version=(previous.version + 1) if previous else 1, head_person_no=household.head_person_no,
        from_month=from_month, reason=reason, medical=result.amount("medical"),
        elderly_support=result.amount("elderly_support"), long_term_care=result.amount("long_term_care"),
        child_support=result.amount("child_support"), reduction=result.reduction.reduction, total=result.total,
        breakdown=breakdown if breakdown is not None else result.as_dict()["breakdown"], current=True,
    )


def _bills(a: Assessment, values: dict[str, Any], reason: str, on: dt.date) -> levies.BillSet:
    lines = installments(a.total, a.fiscal_year, int(values["nhi_tax.installments"]),
                         int(values["nhi_tax.first_installment_month"]))
    return levies.BillSet(levy=LEVY, fiscal_year=a.fiscal_year, person_no=a.head_person_no, lines=lines,
                          reason=reason, effective_on=on, source_ref=f"nhi_assessment:{a.pk}:v{a.version}",
                          detail={"medical": a.medical, "elderly_support": a.elderly_support,
                                  "long_term_care": a.long_term_care, "child_support": a.child_support,
                                  "reduction": a.reduction})


@transaction.atomic
def assess_all(fiscal_year: int, *, progress: Progress | None = None, today: dt.date | None = None) -> AssessmentRun:
    """当初賦課 of every 国保 household of the municipality in context for the fiscal year."""
    if not 2024 <= fiscal_year <= 2100:
        raise ValidationFailed("年度は2024年度以降を西暦4桁で指定してください。", field="fiscal_year")
    today = today or timezone.localdate()
    params, values = parameters_for(fiscal_year)
    households = _households(fiscal_year)
    coverages: dict[int, list[Coverage]] = {}
    for c in Coverage.objects.filter(household_id__in=[h.pk for h in households]):
        coverages.setdefault(c.household_id, []).append(c)
    incomes = {f.person_no: f for f in IncomeFact.objects.filter(income_year=fiscal_year - 1)}
    people = {p.person_no: p for p in public.current_residents()}
    previous = {a.household_id: a for a in Assessment.objects.filter(fiscal_year=fiscal_year, current=True)}
    run = AssessmentRun.objects.create(fiscal_year=fiscal_year, kind="initial", actor=current_actor().username,
                                       parameters={k: str(v) for k, v in sorted(values.items())})
    new: list[Assessment] = []
    inputs: list[Any] = []
    outputs: list[Any] = []
    for i, household in enumerate(households, 1):
        own = coverages.get(household.pk, [])
        for no in {c.person_no for c in own} | {household.head_person_no}:
            if no not in people:
                found = public.person(no)
                if found is not None:
                    people[no] = found
        facts = household_facts(household, fiscal_year, coverages=own, incomes=incomes, people=people)
        result = assess(facts.facts, params)
        inputs.append([household.household_no, [m.__dict__ for m in facts.facts.members], facts.facts.specified])
        outputs.append([household.household_no, result.total, result.reduction.reduction])
        before = previous.get(household.pk)
        breakdown = result.as_dict()["breakdown"]
        if before is None or before.total != result.total or before.breakdown != breakdown:
            new.append(_store(run, household, result, before, None, "当初賦課", breakdown))
        if progress:
            progress(i, len(households))
    superseded = [previous[a.household_id].pk for a in new if a.household_id in previous]
    Assessment.objects.filter(pk__in=superseded).update(current=False)
    Assessment.objects.bulk_create(new, batch_size=2000)
    for a in new:
        levies.submit_bills(_bills(a, values, "当初賦課", today))
    run.households = len(households)
    run.total = sum(o[1] for o in outputs)
    run.input_digest, run.output_digest = _digest(inputs), _digest(outputs)
    run.finished_at = timezone.now()
    run.save()
    audit.record("insurance.assessed", obj=run,
                 detail={"fiscal_year": fiscal_year, "households": run.households, "changed": len(new),
                         "total": run.total, "output_digest": run.output_digest})
    return run


@transaction.atomic
def recalculate(household_no: int, fiscal_year: int, *, from_month: dt.date, reason: str,
                today: dt.date | None = None) -> Assessment | None:
    """更正 after a change in the year (birth, death, move): a new version from the month concerned, if the
    amount changed; None when it did not."""
    household = NhiHousehold.objects.filter(household_no=household_no).first()
    if household is None:
        raise NotFound(f"世帯番号 {household_no} の国保世帯はありません。")
    today = today or timezone.localdate()
    params, values = parameters_for(fiscal_year)
    facts = household_facts(household, fiscal_year)
    result = assess(facts.facts, params)
    before = Assessment.objects.filter(household=household, fiscal_year=fiscal_year, current=True).first()
    if before is not None and before.total == result.total and before.breakdown == result.as_dict()["breakdown"]:
        return None
    run = AssessmentRun.objects.create(fiscal_year=fiscal_year, kind="recalculation", households=1,
                                       actor=current_actor().username, total=result.total,
                                       parameters={k: str(v) for k, v in sorted(values.items())})
    if before is not None:
        Assessment.objects.filter(pk=before.pk).update(current=False)
    a = _store(run, household, result, before, from_month, reason)
    a.save()
    levies.submit_bills(_bills(a, values, f"更正（{reason}）", today))
    audit.record("insurance.reassessed", obj=a, detail={"household_no": household_no, "fiscal_year": fiscal_year,
                                                       "total": a.total, "from_month": from_month.isoformat()})
    return a
