"""The annual 個人住民税 assessment and its 更正, one record per taxpayer and version.

Taxpayers of FY N: everyone on the register on 1 January N (read as of that day through registry.public)
plus the 家屋敷 taxpayers entered for N. Each assessment names the hash of its inputs and of the parameter
values it used; a re-run over the same inputs writes nothing and the stored results stay byte-identical.
A changed input makes a new version (更正) with its reason and date; the old version stays readable. The
普通徴収 instalments go to revenue through `lgcloud.platform.levies.submit_bills` (the complete current set;
revenue books the difference).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from lgcloud.areas.registry import public
from lgcloud.areas.taxation import incomes
from lgcloud.areas.taxation.models import Assessment, IncomeKind, IncomeRecord, ResidenceOnlyTaxpayer
from lgcloud.areas.taxation.rules import resident_tax
from lgcloud.areas.taxation.rules.installments import months, split
from lgcloud.areas.taxation.rules.params import ParamSet, catalogue, jsonable
from lgcloud.platform import levies
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound
from lgcloud.platform.interchange import bulk
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import require_municipality

LEVY_ORDINARY = "resident_tax.ordinary"
LEVY_PAYROLL = "resident_tax.payroll"  # 特別徴収: the employer pays the 12 monthly amounts
LEVY_PENSION = "resident_tax.pension"  # 公的年金からの特別徴収: the pension payer withholds and pays them
PAYROLL = "payroll_withholding"
ORDINARY = "ordinary_collection"
PENSION = "pension_withholding"
METHOD_LABELS = {PAYROLL: "特別徴収（給与）", ORDINARY: "普通徴収", PENSION: "公的年金からの特別徴収"}


@dataclass(frozen=True)
class Taxpayer:
    person_no: int
    full_name: str
    birth_date: dt.date | None
    residence_only: bool = False


def parameter_values(fiscal_year: int) -> dict[str, Any]:
    """Every taxation parameter in force for the municipality in context (standard or its override)."""
    names = [name for name in sorted(catalogue()) if _has_standard(name, fiscal_year)]
    found = params.values(names, fiscal_year)
    missing = [name for name in names if name not in found]
    if missing:
        raise NotFound(f"パラメータ「{missing[0]}」はカタログにありません。")
    return {name: found[name] for name in names}


def _has_standard(name: str, fiscal_year: int) -> bool:
    return any(int(y) <= fiscal_year for y in catalogue()[name]["standard"])


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def parameter_version(values: dict[str, Any]) -> str:
    return _digest({k: jsonable(v) for k, v in values.items()})


def taxpayers(fiscal_year: int) -> list[Taxpayer]:
    """Who is taxed in FY N: the register as of 1 January N, then the 家屋敷 taxpayers of N."""
    out = [Taxpayer(v.person_no, v.full_name, v.birth_date)
           for v in public.residents_as_of(dt.date(fiscal_year, 1, 1))]
    out.sort(key=lambda t: t.person_no)
    for r in ResidenceOnlyTaxpayer.objects.filter(fiscal_year=fiscal_year).order_by("pk"):
        out.append(Taxpayer(r.taxpayer_no, r.full_name, r.birth_date, residence_only=True))
    return out


def _age_at_year_end(birth_date: dt.date | None, fiscal_year: int) -> int:
    if birth_date is None:
        return 40
    end = dt.date(fiscal_year - 1, 12, 31)
    return end.year - birth_date.year - ((end.month, end.day) < (birth_date.month, birth_date.day))


def facts_for(t: Taxpayer, fiscal_year: int, records: Iterable[IncomeRecord]) -> dict[str, Any]:
    """The facts of one taxpayer as plain JSON (what the input hash covers)."""
    records = list(records)
    returns = [r for r in records if r.kind == IncomeKind.TAX_RETURN]
    family_source = returns[-1] if returns else next((r for r in reversed(records) if r.dependants or r.spouse), None)
    employers = sorted({r.payer_no for r in records if r.kind == IncomeKind.SALARY_REPORT and r.payroll_withholding
                        and r.payer_no})
    return {
        "fiscal_year": fiscal_year,
        "age": _age_at_year_end(t.birth_date, fiscal_year),
        "salary_revenue": sum(r.salary_revenue for r in records),
        "pension_revenue": sum(r.pension_revenue for r in records),
        "other_income": sum(r.other_income for r in records),
        "social_insurance_paid": sum(r.social_insurance_paid for r in records),
        "life_insurance_deduction": min(sum(r.life_insurance_deduction for r in records), 70_000),
        "spouse": family_source.spouse if family_source else None,
        "dependants": family_source.dependants if family_source else [],
        "residence_only": t.residence_only,
        "employers": employers,
        "income_records": [r.pk for r in records],
    }


def _rule_facts(f: dict[str, Any]) -> resident_tax.ResidentTaxFacts:
    spouse = resident_tax.Spouse(int(f["spouse"]["income"]), int(f["spouse"]["age"])) if f["spouse"] else None
    deps = tuple(resident_tax.Dependant(int(d["income"]), int(d["age"]), bool(d.get("living_together")))
                 for d in f["dependants"])
    return resident_tax.ResidentTaxFacts(
        fiscal_year=f["fiscal_year"], age=f["age"], salary_revenue=f["salary_revenue"],
        pension_revenue=f["pension_revenue"], other_income=f["other_income"],
        social_insurance_paid=f["social_insurance_paid"], life_insurance_deduction=f["life_insurance_deduction"],
        spouse=spouse, dependants=deps, residence_only=f["residence_only"],
    )


@functools.lru_cache(maxsize=1024)
def _due(fiscal_year: int, month: int, day: int) -> dt.date:
    year = fiscal_year if month >= 4 else fiscal_year + 1
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def collection(f: dict[str, Any], total: int, p: ParamSet) -> tuple[str, list[dict[str, Any]]]:
    """徴収方法 and the instalments: [{"installment", "method", "due_on", "amount"}]."""
    fy = p.fiscal_year
    day = p.integer("resident_tax.ordinary.due_day")
    if f["employers"] and f["salary_revenue"] > 0:
        amounts = split(total, 12, p.yen("resident_tax.withholding.monthly_unit"))
        month_list = [6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5]
        return PAYROLL, [{"installment": i, "method": PAYROLL, "due_on": _due(fy, m, 10).isoformat(), "amount": a}
                         for i, (m, a) in enumerate(zip(month_list, amounts, strict=True), 1)]
    if f["age"] >= p.integer("resident_tax.pension_withholding.age") and f["pension_revenue"] > 0 and total > 0:
        # first year: half by 普通徴収 (June, August), the other half from the pension (October, December, February)
        unit = p.yen("resident_tax.ordinary.installment_unit")
        ordinary_part = split(total // 2, 2, unit)
        pension_part = split(total - sum(ordinary_part), 3, 100)
        rows = [{"installment": i, "method": ORDINARY, "due_on": _due(fy, m, day).isoformat(), "amount": a}
                for i, (m, a) in enumerate(zip([6, 8], ordinary_part, strict=True), 1)]
        rows += [{"installment": i, "method": PENSION, "due_on": _due(fy, m, 10).isoformat(), "amount": a}
                 for i, (m, a) in enumerate(zip([10, 12, 2], pension_part, strict=True), 3)]
        return PENSION, rows
    spec = months(p.choice("resident_tax.ordinary.installment_months"))
    amounts = split(total, len(spec), p.yen("resident_tax.ordinary.installment_unit"))
    return ORDINARY, [{"installment": i, "method": ORDINARY, "due_on": _due(fy, m, day).isoformat(), "amount": a}
                      for i, (m, a) in enumerate(zip(spec, amounts, strict=True), 1)]


@dataclass
class Outcome:
    assessment: Assessment
    changed: bool


def _new_version(t: Taxpayer, f: dict[str, Any], input_hash: str, version_hash: str, p: ParamSet,
                 previous_version: int | None, reason: str, on: dt.date) -> Assessment:
    """The next version of one taxpayer's assessment (not saved): the rules over the facts and parameters."""
    p.take_used()  # a shared parameter set: start this taxpayer's breakdown clean
    result = resident_tax.calculate(_rule_facts(f), p).as_dict()
    method, rows = collection(f, result["total"], p)
    return Assessment(
        fiscal_year=f["fiscal_year"], person_no=t.person_no, version=(previous_version or 0) + 1,
        reason="当初賦課" if previous_version is None else reason, assessed_on=on, full_name=t.full_name,
        input_hash=input_hash, parameter_version=version_hash, facts=f, result=result, total=result["total"],
        collection_method=method, installments=rows, is_current=True,
    )


def _assess_one(t: Taxpayer, fiscal_year: int, values: dict[str, Any], version_hash: str, reason: str,
                on: dt.date, records: list[IncomeRecord]) -> Outcome:
    f = facts_for(t, fiscal_year, records)
    input_hash = _digest(f)
    current = Assessment.objects.filter(fiscal_year=fiscal_year, person_no=t.person_no, is_current=True).first()
    if current is not None and current.input_hash == input_hash and current.parameter_version == version_hash:
        return Outcome(current, False)
    a = _new_version(t, f, input_hash, version_hash, ParamSet(fiscal_year, values),
                     current.version if current else None, reason, on)
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    a.save()
    submit(a, current.collection_method if current else None, records, on)
    return Outcome(a, True)


def _lines(rows: list[dict[str, Any]], method: str) -> tuple[levies.BillLine, ...]:
    return tuple(levies.BillLine(r["installment"], _date(r["due_on"]), r["amount"])
                 for r in rows if r["method"] == method)


@functools.lru_cache(maxsize=512)
def _date(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def employer_of(records: Iterable[IncomeRecord], employers: list[str]) -> tuple[str, str]:
    """The 特別徴収義務者 (payer number and name) of a payroll-withheld taxpayer: the first of its employers."""
    if not employers:
        return "", ""
    names = {r.payer_no: r.payer_name for r in records if r.payer_no}
    return employers[0], names.get(employers[0], "")


def pension_payer_of(records: Iterable[IncomeRecord]) -> tuple[str, str]:
    """The 特別徴収義務者 of 公的年金からの特別徴収 (payer number and name): the payer of the largest public
    pension reported (the 老齢基礎年金 payer, 日本年金機構 for most)."""
    reports = [r for r in records if r.kind == IncomeKind.PENSION_REPORT and r.payer_no]
    if not reports:
        return "", ""
    best = min(reports, key=lambda r: (-r.pension_revenue, r.payer_no))
    return best.payer_no, best.payer_name


def bill_sets(a: Assessment | NewVersion, previous_method: str | None, records: Iterable[IncomeRecord],
              on: dt.date) -> list[levies.BillSet]:
    """The 調定 for revenue: the 普通徴収 instalments, the 12 monthly 特別徴収 amounts (levy
    resident_tax.payroll, naming the employer that withholds them) and the 公的年金からの特別徴収 amounts (levy
    resident_tax.pension, naming the pension payer that withholds them). A method that no longer applies after a
    更正 is sent empty, so revenue cancels what it held."""
    records = list(records)
    out = []
    ref = f"assessment:{a.pk}:v{a.version}"
    ordinary = _lines(a.installments, ORDINARY)
    if ordinary or previous_method is not None:
        out.append(levies.BillSet(levy=LEVY_ORDINARY, fiscal_year=a.fiscal_year, person_no=a.person_no,
                                  lines=ordinary, reason=a.reason, effective_on=on, source_ref=ref))
    payroll = _lines(a.installments, PAYROLL)
    if payroll or previous_method == PAYROLL:
        employer_no, employer_name = employer_of(records, list(a.facts.get("employers", [])))
        out.append(levies.BillSet(
            levy=LEVY_PAYROLL, fiscal_year=a.fiscal_year, person_no=a.person_no, lines=payroll, reason=a.reason,
            effective_on=on, source_ref=ref, detail={"employer_no": employer_no, "employer_name": employer_name}))
    pension = _lines(a.installments, PENSION)
    if pension or previous_method == PENSION:
        payer_no, payer_name = pension_payer_of(records)
        out.append(levies.BillSet(
            levy=LEVY_PENSION, fiscal_year=a.fiscal_year, person_no=a.person_no, lines=pension, reason=a.reason,
            effective_on=on, source_ref=ref, detail={"payer_no": payer_no, "payer_name": payer_name}))
    return out


def submit(a: Assessment, previous_method: str | None, records: Iterable[IncomeRecord], on: dt.date) -> None:
    """Hand one assessment's 調定 to revenue through the levies seam."""
    levies.submit_many(bill_sets(a, previous_method, records, on))


@dataclass
class RunSummary:
    fiscal_year: int
    taxpayers: int
    written: int
    unchanged: int
    total: int
    parameter_version: str


BATCH = 5_000  # taxpayers per batch: inputs hashed, changed ones computed and written by one COPY (PostgreSQL)
COLUMNS = ("id", "municipality_id", "fiscal_year", "person_no", "version", "reason", "assessed_on", "is_current",
           "full_name", "input_hash", "parameter_version", "facts", "result", "total", "collection_method",
           "installments")
_INCOME_FIELDS = ("pk", "person_no", "kind", "payer_no", "payer_name", "payroll_withholding", "salary_revenue",
                  "pension_revenue", "other_income", "social_insurance_paid", "life_insurance_deduction", "spouse",
                  "dependants")


class IncomeRow:
    """An income record as the batch reads it (the attributes `facts_for` and `employer_of` use), without a
    model instance per record."""

    __slots__ = _INCOME_FIELDS

    def __init__(self, *values: Any) -> None:
        for name, value in zip(_INCOME_FIELDS, values, strict=True):
            setattr(self, name, value)


class NewVersion:
    """A new assessment version computed by the batch, before it is written (the attributes `bill_sets` reads)."""

    __slots__ = ("facts", "fiscal_year", "installments", "person_no", "pk", "reason", "row", "version")

    def __init__(self, pk: int, row: tuple[Any, ...]) -> None:
        self.pk, self.row = pk, row
        self.fiscal_year, self.person_no, self.version, self.reason = row[2], row[3], row[4], row[5]
        self.facts, self.installments = row[11], row[15]


def _incomes_by_person(fiscal_year: int) -> dict[int, list[Any]]:
    by_person: dict[int, list[Any]] = {}
    rows = (IncomeRecord.objects.filter(fiscal_year=fiscal_year, superseded=False, person_no__isnull=False)
            .order_by("pk").values_list(*_INCOME_FIELDS))
    for values in rows.iterator(chunk_size=10_000):
        by_person.setdefault(int(values[1]), []).append(IncomeRow(*values))
    return by_person


@transaction.atomic
def assess_all(fiscal_year: int, *, on: dt.date | None = None,
               progress: Callable[[int, int], None] | None = None) -> RunSummary:
    """`lgcloud tax assess`: every taxpayer of the fiscal year; unchanged inputs are left as they are.

    In bulk: the register as of 1 January, the income records and the current versions are read set-based
    (a few queries); per batch of taxpayers the inputs are hashed, and only the changed ones are computed by
    the same pure functions as a single 更正 — while the rows stream into one COPY (PostgreSQL), so the
    database takes them in as they are computed — then one update retires the versions they replace and the
    batch's 調定 go to revenue through the levies seam."""
    on = on or dt.date(fiscal_year, 6, 1)
    values = parameter_values(fiscal_year)
    version_hash = parameter_version(values)
    p = ParamSet(fiscal_year, values)
    people = taxpayers(fiscal_year)
    by_person = _incomes_by_person(fiscal_year)
    current = {row[0]: row for row in Assessment.objects.filter(fiscal_year=fiscal_year, is_current=True).values_list(
        "person_no", "pk", "version", "input_hash", "parameter_version", "total", "collection_method")}
    written = unchanged = total = 0
    municipality_id = require_municipality().pk
    memo: dict[tuple[resident_tax.ResidentTaxFacts, bool], tuple[dict[str, Any], str, list[dict[str, Any]]]] = {}

    def computed(f: dict[str, Any]) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
        """The rules over one taxpayer's facts, remembered for taxpayers with the same facts (the pure functions
        give the same result and instalments for them: many have no income, or the same pension)."""
        rule_facts = _rule_facts(f)
        key = (rule_facts, bool(f["employers"]))
        hit = memo.get(key)
        if hit is None:
            p.take_used()  # a shared parameter set: start this taxpayer's breakdown clean
            result = resident_tax.calculate(rule_facts, p).as_dict()
            method, instalments = collection(f, result["total"], p)
            if len(memo) >= 20_000:
                memo.clear()
            hit = memo[key] = (result, method, instalments)
        return hit

    def write(changed: list[tuple[Taxpayer, dict[str, Any], str, tuple[Any, ...] | None, list[Any]]]) -> int:
        """Compute and write one batch's changed taxpayers; returns their total."""
        replaced = [cur[1] for _t, _f, _h, cur, _r in changed if cur is not None]
        for k in range(0, len(replaced), 500):
            Assessment.objects.filter(pk__in=replaced[k:k + 500]).update(is_current=False)
        first = bulk.allocate_ids(Assessment, len(changed))
        bills: list[levies.BillSet] = []
        batch_total = 0

        def rows() -> Iterable[tuple[Any, ...]]:
            nonlocal batch_total
            for k, (t, f, input_hash, cur, records) in enumerate(changed):
                result, method, instalments = computed(f)
                row = (first + k, municipality_id, fiscal_year, t.person_no, (cur[2] if cur else 0) + 1,
                       "当初賦課" if cur is None else "更正（再計算）", on, True,
                       t.full_name, input_hash, version_hash, f, result, result["total"], method, instalments)
                yield row
                # after the row is handed over: the bill sets are built while the server inserts the rows
                batch_total += result["total"]
                bills.extend(bill_sets(NewVersion(first + k, row), cur[6] if cur else None, records, on))

        bulk.insert_once(Assessment, COLUMNS, rows())
        levies.submit_many(bills)
        return batch_total

    for start in range(0, len(people), BATCH):
        changed = []
        for t in people[start:start + BATCH]:
            records = by_person.get(t.person_no, [])
            f = facts_for(t, fiscal_year, records)
            input_hash = _digest(f)
            cur = current.get(t.person_no)
            if cur is not None and cur[3] == input_hash and cur[4] == version_hash:
                unchanged += 1
                total += cur[5]
            else:
                changed.append((t, f, input_hash, cur, records))
        if changed:
            written += len(changed)
            total += write(changed)
        if progress:
            progress(min(start + BATCH, len(people)), len(people))
    audit.record("taxation.assessed", object_type="Assessment", object_id=str(fiscal_year),
                 purpose="個人住民税の賦課", detail={"fiscal_year": fiscal_year, "taxpayers": len(people),
                                                   "written": written, "parameter_version": version_hash})
    return RunSummary(fiscal_year, len(people), written, unchanged, total, version_hash)


@transaction.atomic
def reassess(fiscal_year: int, person_no: int, reason: str, *, on: dt.date | None = None) -> Outcome:
    """更正 of one taxpayer (after an income correction or a late deduction)."""
    t = next((x for x in taxpayers_for(fiscal_year, person_no)), None)
    if t is None:
        raise NotFound(f"宛名番号 {person_no} は{fiscal_year}年度の納税義務者ではありません。")
    values = parameter_values(fiscal_year)
    out = _assess_one(t, fiscal_year, values, parameter_version(values), f"更正（{reason}）", on or dt.date.today(),
                      incomes.income_of(fiscal_year, person_no))
    audit.record("taxation.reassessed", obj=out.assessment, purpose="個人住民税の更正",
                 detail={"person_no": person_no, "fiscal_year": fiscal_year, "reason": reason,
                         "version": out.assessment.version})
    return out


def taxpayers_for(fiscal_year: int, person_no: int) -> list[Taxpayer]:
    view = public.person(person_no, dt.date(fiscal_year, 1, 1))
    if view is not None and view.status == "resident":
        return [Taxpayer(view.person_no, view.full_name, view.birth_date)]
    return [t for t in taxpayers(fiscal_year) if t.person_no == person_no and t.residence_only]


@transaction.atomic
def correct_income(record_id: int, changes: dict[str, int], reason: str) -> Outcome:
    """Replace one income record by a corrected copy (the old one stays, marked 訂正済み) and 更正."""
    old = IncomeRecord.objects.filter(pk=record_id, superseded=False).first()
    if old is None or old.person_no is None:
        raise NotFound("訂正できる所得データが見つかりません。")
    allowed = {"salary_revenue", "pension_revenue", "other_income", "social_insurance_paid",
               "life_insurance_deduction"}
    new = IncomeRecord.objects.get(pk=old.pk)
    new.pk = None
    for name, value in changes.items():
        if name not in allowed:
            from lgcloud.platform.common.errors import ValidationFailed

            raise ValidationFailed(f"{name} は訂正できる項目ではありません。", field=name)
        setattr(new, name, value)
    new.note = f"訂正: {reason}"[:200]
    old.superseded = True
    old.save(update_fields=["superseded"])
    new.save()
    audit.record("taxation.income_corrected", obj=new, detail={"replaces": old.pk, "reason": reason,
                                                               "changes": changes})
    return reassess(new.fiscal_year, int(new.person_no or 0), reason)


def history(fiscal_year: int, person_no: int) -> list[Assessment]:
    return list(Assessment.objects.filter(fiscal_year=fiscal_year, person_no=person_no).order_by("version"))


def summary_dict(s: RunSummary) -> dict[str, Any]:
    return asdict(s)
