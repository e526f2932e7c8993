"""国保 coverage (資格): 加入 and 喪失, income facts, and the facts a household's 国保税 is computed from.

Each function is one transaction and writes its audit record; the register is read through
registry.public only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

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


@dataclass(frozen=True)
class Enrolment:
    """One person of a batch 加入 (e.g. a data take-over or the demo): their register household and its head."""

    person_no: int
    household_no: int
    head_person_no: int
    coverage_start: dt.date
    reason: str = StartReason.MOVE_IN
    income: tuple[int, int, int] | None = None  # (総所得金額等, 給与収入, 年金収入) of the previous calendar year


@transaction.atomic
def enrol_many(entries: Sequence[Enrolment], income_year: int) -> int:
    """資格取得 of many persons at once, with their incomes of `income_year`: everything validated first, written in
    bulk, one audit record for the batch. Refuses if any of them is insured already."""
    for e in entries:
        if e.reason not in StartReason.values:
            raise ValidationFailed(f"取得事由「{e.reason}」はありません。", field="reason")
        if e.income is not None and min(e.income) < 0:
            raise ValidationFailed("所得・収入は0以上で入力してください。", field="income")
    numbers = [e.person_no for e in entries]
    if len(set(numbers)) != len(numbers):
        raise ValidationFailed("同じ宛名番号が2回あります。", field="person_no")
    if Coverage.objects.filter(person_no__in=numbers, coverage_end__isnull=True).exists():
        raise Conflict("既に国保の資格がある人が含まれています。")
    existing = {h.household_no: h for h in NhiHousehold.objects.filter(household_no__in={e.household_no
                                                                                         for e in entries})}
    heads = {e.household_no: e.head_person_no for e in entries}
    NhiHousehold.objects.bulk_create([NhiHousehold(household_no=no, head_person_no=head)
                                      for no, head in heads.items() if no not in existing], batch_size=1000)
    households = {h.household_no: h for h in NhiHousehold.objects.filter(household_no__in=set(heads))}
    actor = current_actor().username
    Coverage.objects.bulk_create([
        Coverage(household=households[e.household_no], person_no=e.person_no, coverage_start=e.coverage_start,
                 start_reason=e.reason, recorded_by=actor) for e in entries], batch_size=1000)
    IncomeFact.objects.bulk_create([
        IncomeFact(person_no=e.person_no, income_year=income_year, aggregate_income=e.income[0],
                   salary_revenue=e.income[1], pension_revenue=e.income[2]) for e in entries if e.income is not None],
        batch_size=1000, update_conflicts=True, unique_fields=["municipality", "person_no", "income_year"],
        update_fields=["aggregate_income", "salary_revenue", "pension_revenue"])
    audit.record("insurance.coverage_started", object_type="Coverage",
                 detail={"persons": len(entries), "households": len(heads), "income_year": income_year,
                         "person_nos": numbers[:1000]})
    return len(entries)


# --- facts for the rules ---------------------------------------------------------------------------


def fiscal_months(fiscal_year: int) -> list[dt.date]:
    return [dt.date(fiscal_year + (1 if m < 4 else 0), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def _birthday(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return dt.date(birth.year + years, 3, 1)


def _month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def _date_of(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


class CoverageRow(Protocol):
    @property
    def person_no(self) -> int: ...
    @property
    def coverage_start(self) -> dt.date: ...
    @property
    def coverage_end(self) -> dt.date | None: ...
    @property
    def former_insured(self) -> bool: ...


class IncomeRow(Protocol):
    @property
    def aggregate_income(self) -> int: ...
    @property
    def salary_revenue(self) -> int: ...
    @property
    def pension_revenue(self) -> int: ...
    @property
    def declared(self) -> bool: ...


class HouseholdRow(Protocol):
    @property
    def pk(self) -> int: ...
    @property
    def household_no(self) -> int: ...
    @property
    def head_person_no(self) -> int: ...
    @property
    def specified_since(self) -> dt.date | None: ...


def _covered(coverages: Iterable[CoverageRow], fiscal_year: int, from_month: dt.date | None) -> list[int]:
    """Month indexes (year × 12 + month − 1) of the fiscal year covered, in order."""
    first = fiscal_year * 12 + 3
    if from_month is not None:
        first = max(first, _month_index(from_month))
    last = fiscal_year * 12 + 15  # exclusive: April of the next fiscal year
    covered: set[int] = set()
    for c in coverages:
        start = max(first, _month_index(c.coverage_start))
        end = last if c.coverage_end is None else min(last, _month_index(c.coverage_end))
        covered.update(range(start, end))
    return sorted(covered)


def covered_months(coverages: list[Coverage], fiscal_year: int, from_month: dt.date | None = None) -> list[dt.date]:
    """Months of the fiscal year covered: from the month of joining; to the month before the month of leaving."""
    return [_date_of(i) for i in _covered(coverages, fiscal_year, from_month)]


@lru_cache(maxsize=65536)
def _care_range(birth: dt.date) -> tuple[int, int]:
    return _month_index(_birthday(birth, 40) - ONE_DAY), _month_index(_birthday(birth, 65) - ONE_DAY)


def care_months(birth: dt.date | None, months: list[dt.date]) -> int:
    """介護分: from the month containing the day before the 40th birthday to the month before the month
    containing the day before the 65th birthday."""
    if birth is None:
        return 0
    start, end = _care_range(birth)
    return sum(1 for m in months if start <= _month_index(m) < end)


@lru_cache(maxsize=65536)
def is_preschool(birth: dt.date | None, fiscal_year: int) -> bool:
    """未就学児 for the whole fiscal year: still before 31 March after turning 6 at its start."""
    if birth is None:
        return False
    reached = _birthday(birth, 6) - ONE_DAY
    end = dt.date(reached.year if reached <= dt.date(reached.year, 3, 31) else reached.year + 1, 3, 31)
    return end >= dt.date(fiscal_year + 1, 3, 31)


def _age_on(birth: dt.date | None, on: dt.date) -> int:
    if birth is None:
        return 0
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


@dataclass
class HouseholdFacts:
    household: HouseholdRow
    facts: Household
    person_nos: list[int]


@lru_cache(maxsize=131072)
def _born(birth: dt.date | None, fiscal_year: int) -> tuple[int, bool, int, int]:
    """What a birth date gives for a fiscal year: age on 1 April, 未就学児, and the 介護分 month range (cached: birth
    dates repeat across a register)."""
    if birth is None:
        return 0, False, 0, 0
    care_start, care_end = _care_range(birth)
    return _age_on(birth, dt.date(fiscal_year, 4, 1)), is_preschool(birth, fiscal_year), care_start, care_end


def household_facts(household: HouseholdRow, fiscal_year: int, *,
                    coverages: Sequence[CoverageRow] | None = None,
                    incomes: Mapping[int, IncomeRow] | None = None,
                    births: Mapping[int, dt.date | None] | None = None,
                    from_month: dt.date | None = None) -> HouseholdFacts:
    """The rules' facts of one household for a fiscal year (the batch passes preloaded rows: coverages, incomes
    of the previous year and birth dates by 宛名番号)."""
    if coverages is None:
        coverages = list(Coverage.objects.filter(household_id=household.pk))
    by_person: dict[int, list[CoverageRow]] = {}
    for c in coverages:
        rows = by_person.get(c.person_no)
        if rows is None:
            by_person[c.person_no] = [c]
        else:
            rows.append(c)
    head = household.head_person_no
    person_nos = sorted(by_person) if head in by_person else sorted([*by_person, head])
    if incomes is None:
        incomes = {f.person_no: f for f in IncomeFact.objects.filter(person_no__in=person_nos,
                                                                     income_year=fiscal_year - 1)}
    if births is None:
        births = {}
        for no in person_nos:
            found = public.person(no)
            if found is not None:
                births[no] = found.birth_date
    first = fiscal_year * 12 + 3
    if from_month is not None:
        first = max(first, _month_index(from_month))
    last = fiscal_year * 12 + 15  # exclusive: April of the next fiscal year
    members: list[Member] = []
    for no in person_nos:
        own: Sequence[CoverageRow] = by_person.get(no, ())
        age, preschool, care_start, care_end = _born(births.get(no), fiscal_year)
        if len(own) == 1:  # one coverage period (nearly everyone): months by interval arithmetic
            c = own[0]
            begins = c.coverage_start.year * 12 + c.coverage_start.month - 1
            ends = last if c.coverage_end is None else min(last, c.coverage_end.year * 12 + c.coverage_end.month - 1)
            begins = max(first, begins)
            months = ends - begins if ends > begins else 0
            care = min(ends, care_end) - max(begins, care_start) if months and care_end else 0
            care = care if care > 0 else 0
        else:
            covered = _covered(own, fiscal_year, from_month)
            months = len(covered)
            care = sum(1 for m in covered if care_start <= m < care_end)
        income = incomes.get(no)
        members.append(Member(
            age, months > 0,
            income.salary_revenue if income else 0,
            income.pension_revenue if income else 0,
            income.aggregate_income if income else 0,
            months, preschool, None, care, no == head,
            not months and any(c.former_insured for c in own),
            income.declared if income else False,
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
