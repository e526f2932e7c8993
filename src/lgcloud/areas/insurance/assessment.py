"""The annual 国保税 assessment (当初賦課) and the recalculations in the year (更正), handing 調定 to revenue.

A run reads the parameters in force for the municipality and fiscal year, the coverage periods, the
income facts of the previous calendar year and the register (ages), computes every household with the
pure rules, stores one Assessment version per household whose amount changed, and submits each
payer's instalments through `lgcloud.platform.levies`. The run record keeps the parameters and the
digests of input and output: running again on the same facts gives the same output digest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
import psycopg
from django.db import connection, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from lgcloud.areas.insurance.models import Assessment, AssessmentRun, Coverage, IncomeFact, NhiHousehold
from lgcloud.areas.insurance.rules.nhi_tax import PARTS, Household, NhiParameters, NhiTaxResult, assess
from lgcloud.areas.insurance.services import household_facts
from lgcloud.areas.registry import public
from lgcloud.platform import levies
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.interchange import bulk
from lgcloud.platform.params.standard import values_in_force
from lgcloud.platform.tenancy.context import current_actor, require_municipality

LEVY = "nhi_tax"
Progress = Callable[[int, int], None]


def parameters_for(fiscal_year: int) -> tuple[NhiParameters, dict[str, Any]]:
    values = values_in_force("nhi_tax.", fiscal_year)
    return NhiParameters.from_values(fiscal_year, values), values


@lru_cache(maxsize=64)
def _due_dates(fiscal_year: int, count: int, first_month: int) -> tuple[dt.date, ...]:
    """The last day of each instalment's month."""
    dues = []
    for i in range(count):
        month = first_month + i
        year = fiscal_year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        following = dt.date(year + (1 if month == 12 else 0), 1 if month == 12 else month + 1, 1)
        dues.append(following - dt.timedelta(days=1))
    return tuple(dues)


@lru_cache(maxsize=8192)
def installments(total: int, fiscal_year: int, count: int, first_month: int) -> tuple[levies.BillLine, ...]:
    """Equal instalments in 100 yen, the remainder in the first; due on the last day of each month (cached: totals
    are in 100 yen and repeat across households)."""
    each = total // count // 100 * 100
    return tuple(levies.BillLine(i + 1, due, each + (total - each * count if i == 0 else 0))
                 for i, due in enumerate(_due_dates(fiscal_year, count, first_month)))


class _Coverage(NamedTuple):
    person_no: int
    coverage_start: dt.date
    coverage_end: dt.date | None
    former_insured: bool


class _Income(NamedTuple):
    aggregate_income: int
    salary_revenue: int
    pension_revenue: int
    declared: bool


class _Household(NamedTuple):
    pk: int
    household_no: int
    head_person_no: int
    specified_since: dt.date | None


class _Previous(NamedTuple):
    pk: int
    version: int
    total: int
    breakdown: dict[str, Any]


def _store(run: AssessmentRun, household: NhiHousehold, result: NhiTaxResult, previous: Assessment | None,
           from_month: dt.date | None, reason: str, breakdown: dict[str, Any] | None = None) -> Assessment:
    return Assessment(
        run=run, household=household, fiscal_year=run.fiscal_year,
        version=(previous.version + 1) if previous else 1, head_person_no=household.head_person_no,
        from_month=from_month, reason=reason, medical=result.amount("medical"),
        elderly_support=result.amount("elderly_support"), long_term_care=result.amount("long_term_care"),
        child_support=result.amount("child_support"), reduction=result.reduction.reduction, total=result.total,
        breakdown=breakdown if breakdown is not None else result.breakdown(), current=True,
    )


def _bill_set(pk: int, version: int, fiscal_year: int, head_person_no: int, amounts: tuple[int, ...],
              reduction: int | None, total: int, values: dict[str, Any], reason: str, on: dt.date) -> levies.BillSet:
    lines = installments(total, fiscal_year, int(values["nhi_tax.installments"]),
                         int(values["nhi_tax.first_installment_month"]))
    return levies.BillSet(levy=LEVY, fiscal_year=fiscal_year, person_no=head_person_no, lines=lines,
                          reason=reason, effective_on=on, source_ref=f"nhi_assessment:{pk}:v{version}",
                          detail={**dict(zip(PARTS, amounts, strict=True)), "reduction": reduction})


def _bills(a: Assessment, values: dict[str, Any], reason: str, on: dt.date) -> levies.BillSet:
    return _bill_set(a.pk, a.version, a.fiscal_year, a.head_person_no,
                     (a.medical, a.elderly_support, a.long_term_care, a.child_support), a.reduction, a.total,
                     values, reason, on)


def _load(fiscal_year: int) -> tuple[list[_Household], dict[int, list[_Coverage]], dict[int, _Income],
                                     dict[int, dt.date | None], dict[int, _Previous]]:
    """Everything the batch reads, in a few set-based queries (no query per household)."""
    start, end = dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)
    coverages: dict[int, list[_Coverage]] = {}
    active: set[int] = set()
    for hid, no, begins, ends, former in Coverage.objects.order_by().values_list(
            "household_id", "person_no", "coverage_start", "coverage_end", "former_insured").iterator(10_000):
        coverages.setdefault(hid, []).append(_Coverage(no, begins, ends, former))
        if begins <= end and (ends is None or ends > start):
            active.add(hid)
    households = [_Household(*row) for row in NhiHousehold.objects.order_by("household_no").values_list(
        "pk", "household_no", "head_person_no", "specified_since").iterator(10_000) if row[0] in active]
    incomes = {row[0]: _Income(*row[1:]) for row in IncomeFact.objects.filter(income_year=fiscal_year - 1)
               .order_by().values_list("person_no", "aggregate_income", "salary_revenue", "pension_revenue",
                                       "declared").iterator(10_000)}
    # the current versions' breakdowns as text, parsed by orjson (the JSON field's own decoding is several times
    # slower: a no-op re-run compares every household's)
    loads = orjson.loads
    previous = {hid: _Previous(pk, version, total, loads(doc)) for hid, pk, version, total, doc in
                Assessment.objects.filter(fiscal_year=fiscal_year, current=True).order_by().values_list(
                    "household_id", "pk", "version", "total", Cast("breakdown", TextField())).iterator(10_000)}
    return households, coverages, incomes, public.birth_dates(), previous


class _Outcome(NamedTuple):
    """A rule's result as stored: reused by every household with the same facts (immutable: never changed)."""

    amounts: tuple[int, ...]
    reduction: int | None
    total: int
    breakdown: dict[str, Any]
    doc: str  # the breakdown's JSON text, built once


_COLUMNS = ("id", "municipality_id", "run_id", "household_id", "fiscal_year", "version", "head_person_no",
            "from_month", "reason", "medical", "elderly_support", "long_term_care", "child_support", "reduction",
            "total", "breakdown", "current", "created_at")
CHUNK = 5_000  # result rows written per statement (5,000 measured a little faster than 20,000)

# PostgreSQL: one INSERT … SELECT over arrays sent as binary parameters (the row-level security policy's WITH CHECK
# applies as to any insert; COPY FROM is refused on the table, and COPY into a temporary table then INSERT … SELECT
# wrote every row twice). The values the rows share (member, run, year, reason, time) are sent once; the ids follow
# the rows' order from the first one allocated; a breakdown is sent as the JSON text built once per distinct result.
_INSERT = (
    "INSERT INTO insurance_assessment (id, municipality_id, run_id, household_id, fiscal_year, version, "
    "head_person_no, from_month, reason, medical, elderly_support, long_term_care, child_support, reduction, total, "
    "breakdown, current, created_at) "
    "SELECT %b + r.n - 1, %b, %b, r.household, %b, r.version, r.head, NULL, %b, r.medical, r.elderly, r.care, "
    "r.child, r.reduction, r.total, r.doc::jsonb, true, %b "
    "FROM unnest(%b::bigint[], %b::integer[], %b::bigint[], %b::bigint[], %b::bigint[], %b::bigint[], %b::bigint[], "
    "%b::smallint[], %b::bigint[], %b::text[]) WITH ORDINALITY "
    "AS r(household, version, head, medical, elderly, care, child, reduction, total, doc, n)"
)


class _Row(NamedTuple):
    """A new version to write: the household, its version and payer, and the (shared) outcome."""

    household: int
    version: int
    head_person_no: int
    outcome: _Outcome


class _Batch(NamedTuple):
    """What every row of a run shares."""

    municipality: int
    run: int
    fiscal_year: int
    reason: str
    now: dt.datetime
    values: dict[str, Any]
    today: dt.date


def _insert(first: int, rows: list[_Row], batch: _Batch) -> None:
    if connection.vendor == "postgresql":
        outcomes = [r.outcome for r in rows]
        with psycopg.Cursor(connection.connection) as cur:  # server-side binding (Django's cursors bind client-side)
            cur.execute(_INSERT, (
                first, batch.municipality, batch.run, batch.fiscal_year, batch.reason, batch.now,
                [r.household for r in rows], [r.version for r in rows], [r.head_person_no for r in rows],
                [o.amounts[0] for o in outcomes], [o.amounts[1] for o in outcomes], [o.amounts[2] for o in outcomes],
                [o.amounts[3] for o in outcomes], [o.reduction for o in outcomes], [o.total for o in outcomes],
                [o.doc for o in outcomes]))
        return
    bulk.insert(Assessment, _COLUMNS, [
        (first + i, batch.municipality, batch.run, r.household, batch.fiscal_year, r.version, r.head_person_no, None,
         batch.reason, *r.outcome.amounts, r.outcome.reduction, r.outcome.total, r.outcome.breakdown, True, batch.now)
        for i, r in enumerate(rows)])


def _write(rows: list[_Row], batch: _Batch) -> None:
    """Write a chunk of new versions in one bulk statement, then hand their 調定 to revenue."""
    if not rows:
        return
    first = bulk.allocate_ids(Assessment, len(rows))
    _insert(first, rows, batch)
    levies.submit_many([_bill_set(first + i, r.version, batch.fiscal_year, r.head_person_no, r.outcome.amounts,
                                  r.outcome.reduction, r.outcome.total, batch.values, batch.reason, batch.today)
                        for i, r in enumerate(rows)])


MEMO = 20_000  # distinct household facts whose result is kept for reuse (cleared when full: bounded memory)
STEP = 2_000  # households computed per hand-over from the computing thread to the writing one


class _Computation:
    """The pure half of the batch: facts and rules of every household from the preloaded rows, in a thread of its
    own, handing the changed rows over in steps (in order) while the caller's thread writes the previous ones
    (the database works meanwhile). It reads no database and holds the digests and the total."""

    def __init__(self, fiscal_year: int, params: NhiParameters, loaded: tuple[Any, ...]) -> None:
        self.fiscal_year, self.params = fiscal_year, params
        self.households, self.coverages, self.incomes, self.births, self.previous = loaded
        self.inputs, self.outputs = hashlib.sha256(), hashlib.sha256()
        self.total = 0
        self.handed: queue.Queue[tuple[list[_Row], list[int], int] | BaseException | None] = (
            queue.Queue(maxsize=8))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="nhi-assess-compute", daemon=True)

    def _hand(self, item: tuple[list[_Row], list[int], int] | BaseException | None) -> None:
        while not self.stopped.is_set():
            try:
                self.handed.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            self._compute()
        except BaseException as e:  # handed to the writing thread, which raises it
            self._hand(e)

    def _compute(self) -> None:
        fiscal_year, params = self.fiscal_year, self.params
        coverages, incomes, births, previous = self.coverages, self.incomes, self.births, self.previous
        memo: dict[Household, _Outcome] = {}
        rows: list[_Row] = []
        superseded: list[int] = []
        facts_seen: list[Any] = []
        results_seen: list[str] = []
        count = len(self.households)
        for i, household in enumerate(self.households, 1):
            facts = household_facts(household, fiscal_year, coverages=coverages.get(household.pk, ()),
                                    incomes=incomes, births=births).facts
            outcome = memo.get(facts)
            if outcome is None:
                result = assess(facts, params)
                breakdown = result.breakdown()
                outcome = _Outcome(result.amounts(), result.reduction.reduction, result.total, breakdown,
                                   orjson.dumps(breakdown).decode())
                if len(memo) >= MEMO:
                    memo.clear()
                memo[facts] = outcome
            facts_seen.append((household.household_no, facts))
            results_seen.append(f"{household.household_no}:{outcome.total}:{outcome.reduction};")
            self.total += outcome.total
            before = previous.get(household.pk)
            if before is None or before.total != outcome.total or before.breakdown != outcome.breakdown:
                rows.append(_Row(household.pk, before.version + 1 if before else 1, household.head_person_no,
                                 outcome))
                if before is not None:
                    superseded.append(before.pk)
            if i % STEP == 0 or i == count:
                self.inputs.update(orjson.dumps(facts_seen, default=tuple))
                self.outputs.update("".join(results_seen).encode())
                facts_seen, results_seen = [], []
                self._hand((rows, superseded, i))
                rows, superseded = [], []
                if self.stopped.is_set():
                    return
        self._hand(None)

    def steps(self) -> Iterator[tuple[list[_Row], list[int], int]]:
        """The computed steps in order (rows to write, versions superseded, households done)."""
        if not self.households:
            return
        interval = sys.getswitchinterval()
        # the writing thread waits on the database most of the time: when its answer comes, it should not wait
        # the default 5 ms for the computing thread to give up the interpreter
        sys.setswitchinterval(0.0005)
        self.thread.start()
        try:
            while (item := self.handed.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.stopped.set()
            self.thread.join()
            sys.setswitchinterval(interval)


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The batch holds a million small objects (rows read, facts, results): every full run of the cyclic garbage
    collector walks them all, a third of the pure half's time at 30,000 households and more the larger the member.
    Reference counting still frees everything the batch drops; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_without_cyclic_gc()
@transaction.atomic
def assess_all(fiscal_year: int, *, progress: Progress | None = None, today: dt.date | None = None) -> AssessmentRun:
    """当初賦課 of every 国保 household of the municipality in context for the fiscal year.

    Set-based: the households, coverages, incomes, birth dates and current versions are read in a few queries
    as tuples; a thread computes every household with the pure rules (once per distinct set of facts: households
    with the same facts share the result) while this one writes the changed rows in bulk (one INSERT over arrays on PostgreSQL)
    chunk by chunk, each followed by its 調定; unchanged households are not written. One run record with the
    digests of input and output.
    """
    if not 2024 <= fiscal_year <= 2100:
        raise ValidationFailed("年度は2024年度以降を西暦4桁で指定してください。", field="fiscal_year")
    today = today or timezone.localdate()
    params, values = parameters_for(fiscal_year)
    loaded = _load(fiscal_year)
    run = AssessmentRun.objects.create(fiscal_year=fiscal_year, kind="initial", actor=current_actor().username,
                                       parameters={k: str(v) for k, v in sorted(values.items())})
    computation = _Computation(fiscal_year, params, loaded)
    batch = _Batch(require_municipality().pk, run.pk, fiscal_year, "当初賦課", timezone.now(), values, today)
    count = len(computation.households)
    pending: list[_Row] = []
    superseded: list[int] = []
    changed = 0
    for rows, replaced, done in computation.steps():
        pending.extend(rows)
        superseded.extend(replaced)
        if len(pending) >= CHUNK:
            changed += len(pending)
            _write(pending, batch)
            pending = []
        if progress:
            progress(done, count)
    for at in range(0, len(superseded), CHUNK):
        Assessment.objects.filter(pk__in=superseded[at:at + CHUNK]).update(current=False)
    changed += len(pending)
    _write(pending, batch)
    run.households = count
    run.total = computation.total
    run.input_digest, run.output_digest = computation.inputs.hexdigest(), computation.outputs.hexdigest()
    run.finished_at = timezone.now()
    run.save()
    audit.record("insurance.assessed", obj=run,
                 detail={"fiscal_year": fiscal_year, "households": run.households, "changed": changed,
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
    if before is not None and before.total == result.total and before.breakdown == result.breakdown():
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
