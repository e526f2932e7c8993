"""国保 coverage (資格): 加入 and 喪失, income facts, and the facts a household's 国保税 is computed from.

Each function is one transaction and writes its audit record; the register is read through
registry.public only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from lgcloud.areas.insurance.models import Coverage, EndReason, IncomeFact, NhiHousehold, StartReason
from lgcloud.areas.insurance.rules.nhi_tax import Household, Member
from lgcloud.areas.registry import public
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.tenancy.context import current_actor

ONE_DAY = dt.timedelta(days=1)


def _resident(person_no: int) -> public.ResidentView:
    found = public.person(person_no)
    if found is None:
        raise NotFound(f"宛名番号 {person_no} の住民は登録されていません。")
    return found


def _household_for(person: public.ResidentView) -> NhiHousehold:
    if person.household_no is None:
        raise ValidationFailed(f"宛名番号 {person.person_no} の世帯がわかりません。", field="person_no")
    household = NhiHousehold.objects.filter(household_no=person.household_no).first()
    if household is None:
        head = next((m for m in public.household_members(person.household_no) if m.is_head), person)
        household = NhiHousehold.objects.create(household_no=person.household_no, head_person_no=head.person_no)
    return household


def open_coverage(person_no: int) -> Coverage | None:
    return Coverage.objects.filter(person_no=person_no, coverage_end__isnull=True).first()


@transaction.atomic
def enrol(person_no: int, coverage_start: dt.date, reason: str) -> Coverage:
    """資格取得: the person becomes insured from `coverage_start` (in their register household)."""
    if reason not in StartReason.values:
        raise ValidationFailed(f"取得事由「{reason}」はありません。", field="reason")
    person = _resident(person_no)
    if person.birth_date and coverage_start < person.birth_date:
        raise ValidationFailed("資格取得日が生年月日より前です。", field="coverage_start")
    if open_coverage(person_no) is not None:
        raise Conflict(f"{person.full_name}さんは既に国保の資格があります。")
    if Coverage.objects.filter(person_no=person_no, coverage_end__gt=coverage_start).exists():
        raise Conflict("資格取得日が以前の資格期間と重なります。")
    coverage = Coverage.objects.create(
        household=_household_for(person), person_no=person_no, coverage_start=coverage_start, start_reason=reason,
        recorded_by=current_actor().username,
    )
    audit.record("insurance.coverage_started", obj=coverage,
                 detail={"person_no": person_no, "coverage_start": coverage_start.isoformat(), "reason": reason})
    return coverage


@transaction.atomic
def end_coverage(person_no: int, coverage_end: dt.date, reason: str) -> Coverage:
    """資格喪失 on `coverage_end` (e.g. the day after a 転出 or death, the 75th birthday)."""
    if reason not in EndReason.values:
        raise ValidationFailed(f"喪失事由「{reason}」はありません。", field="reason")
    coverage = Coverage.objects.select_for_update().filter(person_no=person_no, coverage_end__isnull=True).first()
    if coverage is None:
        raise NotFound(f"宛名番号 {person_no} に国保の資格はありません。")
    if coverage_end < coverage.coverage_start:
        raise ValidationFailed("資格喪失日が資格取得日より前です。", field="coverage_end")
    coverage.coverage_end, coverage.end_reason = coverage_end, reason
    coverage.former_insured = reason == EndReason.LATE_ELDERLY
    coverage.save(update_fields=["coverage_end", "end_reason", "former_insured"])
    household = coverage.household
    if person_no == household.head_person_no:  # the register may name a new 世帯主, who then pays
        head = next((m for m in public.household_members(household.household_no) if m.is_head), None)
        if head is not None and head.person_no != household.head_person_no:
            household.head_person_no = head.person_no
            household.save(update_fields=["head_person_no"])
    if reason == EndReason.LATE_ELDERLY:
        remaining = Coverage.objects.filter(household=household, coverage_end__isnull=True).count()
        if remaining == 1 and household.specified_since is None:
            household.specified_since = coverage_end
            household.save(update_fields=["specified_since"])
    audit.record("insurance.coverage_ended", obj=coverage,
                 detail={"person_no": person_no, "coverage_end": coverage_end.isoformat(), "reason": reason})
    return coverage


@transaction.atomic
def record_income(person_no: int, income_year: int, *, aggregate_income: int, salary_revenue: int = 0,
                  pension_revenue: int = 0, declared: bool = True) -> IncomeFact:
    for name, value in (("aggregate_income", aggregate_income), ("salary_revenue", salary_revenue),
                        ("pension_revenue", pension_revenue)):
        if value < 0:
            raise ValidationFailed("所得・収入は0以上で入力してください。", field=name)
    fact, _ = IncomeFact.objects.update_or_create(
        person_no=person_no, income_year=income_year,
        defaults={"aggregate_income": aggregate_income, "salary_revenue": salary_revenue,
                  "pension_revenue": pension_revenue, "declared": declared},
    )
    audit.record("insurance.income_recorded", obj=fact, detail={"person_no": person_no, "income_year": income_year})
    return fact


# --- facts for the rules ---------------------------------------------------------------------------


def fiscal_months(fiscal_year: int) -> list[dt.date]:
    return [dt.date(fiscal_year + (1 if m < 4 else 0), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def _birthday(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def covered_months(coverages: list[Coverage], fiscal_year: int, from_month: dt.date | None = None) -> list[dt.date]:
    """Months of the fiscal year covered: from the month of joining; to the month before the month of leaving."""
    months: list[dt.date] = []
    for month in fiscal_months(fiscal_year):
        if from_month is not None and month < from_month:
            continue
        for c in coverages:
            start = c.coverage_start.replace(day=1)
            if month >= start and (c.coverage_end is None or month < c.coverage_end.replace(day=1)):
                months.append(month)
                break
    return months


def care_months(birth: dt.date | None, months: list[dt.date]) -> int:
    """介護分: from the month containing the day before the 40th birthday to the month before the month
    containing the day before the 65th birthday."""
    if birth is None:
        return 0
    start = (_birthday(birth, 40) - ONE_DAY).replace(day=1)
    end = (_birthday(birth, 65) - ONE_DAY).replace(day=1)
    return sum(1 for m in months if start <= m < end)


def is_preschool(birth: dt.date | None, fiscal_year: int) -> bool:
    """未就学児 for the whole fiscal year: still before 31 March after turning 6 at its start."""
    if birth is None:
        return False
    reached = _birthday(birth, 6) - ONE_DAY
    end = dt.date(reached.year if reached <= dt.date(reached.year, 3, 31) else reached.year + 1, 3, 31)
    return end >= dt.date(fiscal_year + 1, 3, 31)


@dataclass
class HouseholdFacts:
    household: NhiHousehold
    facts: Household
    person_nos: list[int]


def household_facts(household: NhiHousehold, fiscal_year: int, *,
                    coverages: list[Coverage] | None = None,
                    incomes: dict[int, IncomeFact] | None = None,
                    people: dict[int, public.ResidentView] | None = None,
                    from_month: dt.date | None = None) -> HouseholdFacts:
    """The rules' facts of one household for a fiscal year (the batch passes preloaded rows)."""
    if coverages is None:
        coverages = list(Coverage.objects.filter(household=household))
    by_person: dict[int, list[Coverage]] = {}
    for c in coverages:
        by_person.setdefault(c.person_no, []).append(c)
    person_nos = sorted(set(by_person) | {household.head_person_no})
    if incomes is None:
        incomes = {f.person_no: f for f in IncomeFact.objects.filter(person_no__in=person_nos,
                                                                     income_year=fiscal_year - 1)}
    if people is None:
        people = {}
        for no in person_nos:
            found = public.person(no)
            if found is not None:
                people[no] = found
    start = dt.date(fiscal_year, 4, 1)
    members: list[Member] = []
    for no in person_nos:
        own = by_person.get(no, [])
        months = covered_months(own, fiscal_year, from_month)
        person = people.get(no)
        birth = person.birth_date if person else None
        age = (person.age_on(start) or 0) if person else 0
        income = incomes.get(no)
        former = any(c.former_insured for c in own) and not months
        members.append(Member(
            age=age, insured=bool(months), months_insured=len(months),
            salary_revenue=income.salary_revenue if income else 0,
            pension_revenue=income.pension_revenue if income else 0,
            aggregate_income=income.aggregate_income if income else 0,
            income_declared=income.declared if income else False,
            preschool=is_preschool(birth, fiscal_year),
            long_term_care_months=care_months(birth, months),
            household_head=no == household.head_person_no,
            former_insured=former,
        ))
    specified = ""
    if household.specified_since is not None:
        years = fiscal_year - (household.specified_since.year - (1 if household.specified_since.month < 4 else 0))
        specified = "specified" if years < 5 else "specified_continuing" if years < 8 else ""
    return HouseholdFacts(household, Household(tuple(members), specified), person_nos)


def describe_coverage(c: Coverage) -> str:
    text = f"{format_wareki(c.coverage_start)} 取得（{c.get_start_reason_display()}）"
    if c.coverage_end:
        text += f"、{format_wareki(c.coverage_end)} 喪失（{c.get_end_reason_display()}）"
    return text
