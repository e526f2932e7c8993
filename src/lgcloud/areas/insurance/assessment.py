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
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from lgcloud.areas.insurance import batch
from lgcloud.areas.insurance.batch import LEVY, bill_set, bill_sets, installments
from lgcloud.areas.insurance.models import Assessment, AssessmentRun, Coverage, IncomeFact, NhiHousehold
from lgcloud.areas.insurance.rules.nhi_tax import NhiParameters, NhiTaxResult, assess
from lgcloud.areas.insurance.services import household_facts
from lgcloud.areas.registry import public
from lgcloud.platform import levies
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.interchange import bulk
from lgcloud.platform.params.standard import values_in_force
from lgcloud.platform.tenancy.context import current_actor, require_municipality

__all__ = ["LEVY", "assess_all", "installments", "parameters_for", "recalculate"]
Progress = Callable[[int, int], None]


def parameters_for(fiscal_year: int) -> tuple[NhiParameters, dict[str, Any]]:
    values = values_in_force("nhi_tax.", fiscal_year)
    return NhiParameters.from_values(fiscal_year, values), values


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


def _bills(a: Assessment, values: dict[str, Any], reason: str, on: dt.date) -> levies.BillSet:
    return bill_set(a.pk, a.version, a.fiscal_year, a.head_person_no,
                     (a.medical, a.elderly_support, a.long_term_care, a.child_support), a.reduction, a.total,
                     values, reason, on)


def _rows(query: QuerySet[Any, Any]) -> Iterable[tuple[Any, ...]]:
    """The rows of a values_list query: on PostgreSQL its SQL (the ORM's, with its tenant filter) through a
    client-side cursor, fetched at once (the ORM's chunked iteration costs a few µs a row: a second at 300,000
    households); elsewhere the ORM's iteration (SQLite's dates need its converters)."""
    if connection.vendor != "postgresql":
        return query.iterator(10_000)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def _load(fiscal_year: int) -> tuple[list[_Household], dict[int, list[tuple[Any, ...]]], dict[int, tuple[Any, ...]],
                                     dict[int, dt.date | None], dict[int, _Previous]]:
    """Everything the batch reads, in a few set-based queries (no query per household). A coverage row stays the
    row read: (person_no, coverage_start, coverage_end, former_insured, household), an income row too (person_no,
    aggregate_income, salary_revenue, pension_revenue, declared), as `batch.facts_of` reads them."""
    start, end = dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 3, 31)
    coverages: dict[int, list[tuple[Any, ...]]] = {}
    active: set[int] = set()
    for row in _rows(Coverage.objects.order_by().values_list(
            "person_no", "coverage_start", "coverage_end", "former_insured", "household_id")):
        _no, begins, ends, _former, hid = row
        found = coverages.get(hid)
        if found is None:
            coverages[hid] = [row]
        else:
            found.append(row)
        if begins <= end and (ends is None or ends > start):
            active.add(hid)
    households = [_Household(*row) for row in _rows(NhiHousehold.objects.order_by("household_no").values_list(
        "pk", "household_no", "head_person_no", "specified_since")) if row[0] in active]
    incomes = {row[0]: row for row in _rows(IncomeFact.objects.filter(income_year=fiscal_year - 1)
               .order_by().values_list("person_no", "aggregate_income", "salary_revenue", "pension_revenue",
                                       "declared"))}
    # the current versions' breakdowns as text, parsed by orjson (the JSON field's own decoding is several times
    # slower: a no-op re-run compares every household's)
    loads = orjson.loads
    previous = {hid: _Previous(pk, version, total, loads(doc)) for hid, pk, version, total, doc in
                _rows(Assessment.objects.filter(fiscal_year=fiscal_year, current=True).order_by().values_list(
                    "household_id", "pk", "version", "total", Cast("breakdown", TextField())))}
    return households, coverages, incomes, public.birth_dates(), previous


_COLUMNS = ("id", "municipality_id", "run_id", "household_id", "fiscal_year", "version", "head_person_no",
            "from_month", "reason", "medical", "elderly_support", "long_term_care", "child_support", "reduction",
            "total", "breakdown", "current", "created_at")
CHUNK = 5_000  # result rows written per statement (5,000 measured a little faster than 20,000)

# PostgreSQL: one INSERT … SELECT over arrays sent as binary parameters (the row-level security policy's WITH CHECK
# applies as to any insert; COPY FROM is refused on the table, and COPY into a temporary table then INSERT … SELECT
# wrote every row twice). The values the rows share (member, run, year, reason, time) are sent once; a breakdown is
# sent as the JSON text built once per distinct result.
_INSERT = (
    "INSERT INTO insurance_assessment (id, municipality_id, run_id, household_id, fiscal_year, version, "
    "head_person_no, from_month, reason, medical, elderly_support, long_term_care, child_support, reduction, total, "
    "breakdown, current, created_at) "
    "SELECT r.id, %b, %b, r.household, %b, r.version, r.head, NULL, %b, r.medical, r.elderly, r.care, "
    "r.child, r.reduction, r.total, r.doc::jsonb, true, %b "
    "FROM unnest(%b::bigint[], %b::bigint[], %b::integer[], %b::bigint[], %b::bigint[], %b::bigint[], %b::bigint[], "
    "%b::bigint[], %b::smallint[], %b::bigint[], %b::text[]) "
    "AS r(id, household, version, head, medical, elderly, care, child, reduction, total, doc)"
)


class _Batch(NamedTuple):
    """What every row of a run shares."""

    municipality: int
    run: int
    fiscal_year: int
    reason: str
    now: dt.datetime
    values: dict[str, Any]
    today: dt.date


def _write(columns: tuple[list[Any], ...], batch: _Batch) -> None:
    """Write a chunk of new versions (columns as `batch.COLUMNS`) in one bulk statement, then hand their 調定 to
    revenue."""
    if not columns[0]:
        return
    if connection.vendor == "postgresql":
        import psycopg  # here: a process on SQLite does not import psycopg (~0.15 s) at all

        with psycopg.Cursor(connection.connection) as cur:  # server-side binding (Django's cursors bind client-side)
            cur.execute(_INSERT, (batch.municipality, batch.run, batch.fiscal_year, batch.reason, batch.now,
                                  *columns))
    else:
        bulk.insert(Assessment, _COLUMNS, [
            (pk, batch.municipality, batch.run, household, batch.fiscal_year, version, head, None, batch.reason,
             medical, elderly, care, child, reduction, total, orjson.loads(doc), True, batch.now)
            for pk, household, version, head, medical, elderly, care, child, reduction, total, doc
            in zip(*columns, strict=True)])
    levies.submit_many(bill_sets(columns, batch.fiscal_year, batch.values, batch.reason, batch.today))


def workers_for(households: int) -> int:
    """Worker processes for a batch of this size: none (a thread) below the setting's threshold."""
    if households < int(getattr(settings, "NHI_ASSESS_PROCESS_THRESHOLD", 20_000)):
        return 0
    if threading.active_count() > 1:
        # fork copies only the calling thread: a lock another thread held (logging, a connection pool) would stay
        # locked in the worker forever. A threaded caller (a web server's request) computes in a thread instead.
        return 0
    return max(0, int(getattr(settings, "NHI_ASSESS_WORKERS", 2)))


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
    households = loaded[0]
    count = len(households)
    # every household's row id reserved now (first + its index; unchanged households leave theirs unused), so that
    # the steps can be computed anywhere, in any order
    first = bulk.allocate_ids(Assessment, count) if count else 0
    shared = batch.Shared(fiscal_year, params, *loaded, first, values, "当初賦課", today)
    written = _Batch(require_municipality().pk, run.pk, fiscal_year, "当初賦課", timezone.now(), values, today)
    inputs, outputs = hashlib.sha256(), hashlib.sha256()
    pending: tuple[list[Any], ...] = tuple([] for _ in range(batch.COLUMNS))
    superseded: list[int] = []
    changed = total = 0
    # closed on the way out, an error included: the workers (or the thread) end with the batch, not when the
    # generator is collected
    with contextlib.closing(batch.steps(shared, workers_for(count))) as computed:
        for step in computed:
            for column, values_of in zip(pending, step.columns, strict=True):
                column.extend(values_of)
            superseded.extend(step.superseded)
            inputs.update(step.facts)
            outputs.update(step.results)
            total += step.total
            if len(pending[0]) >= CHUNK:
                changed += len(pending[0])
                _write(pending, written)
                pending = tuple([] for _ in range(batch.COLUMNS))
            if progress:
                progress(step.done, count)
    for at in range(0, len(superseded), CHUNK):
        Assessment.objects.filter(pk__in=superseded[at:at + CHUNK]).update(current=False)
    changed += len(pending[0])
    _write(pending, written)
    run.households = count
    run.total = total
    run.input_digest, run.output_digest = inputs.hexdigest(), outputs.hexdigest()
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
