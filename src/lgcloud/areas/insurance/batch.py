"""The pure half of the annual 国保税 assessment: households computed step by step into the rows to write and their
調定, in a thread of the caller's process (small batches) or in worker processes forked from it (large ones).

A step is `STEP` consecutive households (in 世帯番号 order). Computing it reads only the rows the batch preloaded
(no database: a forked worker never touches the connection it inherited) and gives the new versions as columns
ready for the bulk insert, their bill sets, the versions superseded, and its share of the run's digests (the
bytes hashed, in order, by the caller). Every household has a row id reserved before the batch starts (the first
id + its index), so a worker needs nothing from the others; the ids of unchanged households stay unused.

Worker processes: steps are dealt round-robin to `workers` processes (fork: the preloaded rows are shared, not
copied or sent), each sends its steps pickled through a pipe of its own; the caller reads them back in order, so
rows, bill sets and digests are exactly those of the single-process path. The writing stays the caller's: one
transaction, one run record.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Generator, Iterator, Mapping, Sequence
from functools import lru_cache
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

import orjson

from lgcloud.areas.insurance.rules.nhi_tax import PARTS, Household, Member, NhiParameters, assess
from lgcloud.areas.insurance.services import _born, household_facts
from lgcloud.platform import levies
from lgcloud.platform.common.forking import fork_child

LEVY = "nhi_tax"
STEP = 2_000  # households per step (the unit of hand-over and of the digests)
AHEAD = 16  # steps a worker may compute ahead of the writer (≈ 1 MB each)
MEMO = 20_000  # distinct household facts whose result is kept for reuse (cleared when full: bounded memory)
COLUMNS = 11  # id, household, version, head, medical, elderly_support, long_term_care, child_support, reduction,
# total, breakdown JSON text


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


def bill_sets(columns: tuple[list[Any], ...], fiscal_year: int, values: Mapping[str, Any], reason: str,
              on: dt.date) -> list[levies.BillSet]:
    """The 調定 of new versions given as columns (see COLUMNS): what `bill_set` gives for each, built in one loop."""
    count, first_month = int(values["nhi_tax.installments"]), int(values["nhi_tax.first_installment_month"])
    ids, _households, versions, heads, medical, elderly, care, child, reductions, totals, _docs = columns
    BillSet = levies.BillSet  # a local name in the loop
    return [BillSet(LEVY, fiscal_year, head, installments(total, fiscal_year, count, first_month), reason, on,
                    f"nhi_assessment:{pk}:v{version}", {"medical": m, "elderly_support": e, "long_term_care": c,
                                                        "child_support": ch, "reduction": r})
            for pk, version, head, m, e, c, ch, r, total
            in zip(ids, versions, heads, medical, elderly, care, child, reductions, totals, strict=True)]


def bill_set(pk: int, version: int, fiscal_year: int, head_person_no: int, amounts: tuple[int, ...],
             reduction: int | None, total: int, values: Mapping[str, Any], reason: str, on: dt.date) -> levies.BillSet:
    lines = installments(total, fiscal_year, int(values["nhi_tax.installments"]),
                         int(values["nhi_tax.first_installment_month"]))
    return levies.BillSet(levy=LEVY, fiscal_year=fiscal_year, person_no=head_person_no, lines=lines,
                          reason=reason, effective_on=on, source_ref=f"nhi_assessment:{pk}:v{version}",
                          detail={**dict(zip(PARTS, amounts, strict=True)), "reduction": reduction})


class Shared(NamedTuple):
    """What every step reads: the preloaded rows (read-only), the parameters and what every row of the run shares."""

    fiscal_year: int
    params: NhiParameters
    households: list[Any]  # (pk, household_no, head_person_no, specified_since) in 世帯番号 order
    coverages: dict[int, list[Any]]
    incomes: dict[int, Any]
    births: dict[int, dt.date | None]
    previous: dict[int, Any]  # household pk → (pk, version, total, breakdown) of the current version
    first_id: int  # the id reserved for the first household (each household: first_id + its index)
    values: Mapping[str, Any]
    reason: str
    today: dt.date


class Step(NamedTuple):
    """One step's outcome: the new versions as columns (see COLUMNS), the versions superseded, the bytes of the input
    and output digests, the sum of the households' totals and the households done so far. (No bill sets: a pickled
    frozen dataclass costs more to send and read back than the caller takes to build it from the columns.)"""

    columns: tuple[list[Any], ...]
    superseded: list[int]
    facts: bytes
    results: bytes
    total: int
    done: int


class _Outcome(NamedTuple):
    """A rule's result as stored: reused by every household with the same facts (immutable: never changed)."""

    amounts: tuple[int, ...]
    reduction: int | None
    total: int
    breakdown: dict[str, Any]
    doc: str  # the breakdown's JSON text, built once


def facts_of(household: Any, rows: Sequence[Any], fiscal_year: int, incomes: Mapping[int, Any],
             births: Mapping[int, dt.date | None]) -> Household:
    """`services.household_facts(household, fiscal_year, coverages=rows, incomes=incomes, births=births).facts` for
    the batch, in fewer steps: coverage rows as read, tuples (person_no, coverage_start, coverage_end,
    former_insured, …), and income rows too (person_no, aggregate_income, salary_revenue, pension_revenue,
    declared); one row per person (nearly every household) by interval arithmetic inline, no grouping
    dict, no wrapper object; a person with several rows goes the general way (tested equal over generated
    households)."""
    if len(rows) > 1:
        rows = sorted(rows, key=_person_no)
        for at in range(1, len(rows)):
            if rows[at][0] == rows[at - 1][0]:
                persons = {r[0] for r in rows} | {household.head_person_no}
                return household_facts(household, fiscal_year, coverages=[CoverageRow(*r[:4]) for r in rows],
                                       incomes={no: IncomeRow(*incomes[no][1:5]) for no in persons if no in incomes},
                                       births=births).facts
    head = household.head_person_no
    first, last = fiscal_year * 12 + 3, fiscal_year * 12 + 15  # April … March (exclusive: April after)
    members: list[Member] = []
    append = members.append
    headless = True
    for no, start, end, former, *_rest in rows:
        if headless and no >= head:
            if no > head:  # the householder without coverage (擬制世帯主) comes in 宛名番号 order
                append(_uncovered(head, fiscal_year, incomes, births))
            headless = False
        age, preschool, care_start, care_end = _born(births.get(no), fiscal_year)
        begins = start.year * 12 + start.month - 1
        if begins < first:
            begins = first
        ends = last if end is None else min(last, end.year * 12 + end.month - 1)
        months = ends - begins if ends > begins else 0
        care = 0
        if months and care_end:
            care = min(ends, care_end) - max(begins, care_start)
            if care < 0:
                care = 0
        income = incomes.get(no)
        if income is None:
            append(Member(age, months > 0, 0, 0, 0, months, preschool, None, care, no == head,
                          not months and former, False))
        else:
            append(Member(age, months > 0, income[2], income[3], income[1], months, preschool, None, care,
                          no == head, not months and former, income[4]))
    if headless:
        append(_uncovered(head, fiscal_year, incomes, births))
    specified = ""
    since = household.specified_since
    if since is not None:
        years = fiscal_year - (since.year - (1 if since.month < 4 else 0))
        specified = "specified" if years < 5 else "specified_continuing" if years < 8 else ""
    return Household(tuple(members), specified)


def _person_no(row: Sequence[Any]) -> int:
    return int(row[0])


class CoverageRow(NamedTuple):
    """A coverage row as the batch reads it (`facts_of` also takes the bare tuple, a household id after these)."""

    person_no: int
    coverage_start: dt.date
    coverage_end: dt.date | None
    former_insured: bool


class IncomeRow(NamedTuple):
    """An income row as `services.household_facts` reads it (the batch keeps the row read: person_no first)."""

    aggregate_income: int
    salary_revenue: int
    pension_revenue: int
    declared: bool


def _uncovered(head: int, fiscal_year: int, incomes: Mapping[int, Any], births: Mapping[int, dt.date | None]) -> Member:
    age, preschool, _start, _end = _born(births.get(head), fiscal_year)
    income = incomes.get(head)
    if income is None:
        return Member(age, False, 0, 0, 0, 0, preschool, None, 0, True, False, False)
    return Member(age, False, income[2], income[3], income[1], 0, preschool, None, 0, True, False, income[4])


def steps_count(shared: Shared) -> int:
    return -(-len(shared.households) // STEP)


def compute_step(shared: Shared, index: int, memo: dict[Any, _Outcome]) -> Step:
    """Households [index × STEP, (index + 1) × STEP) with the pure rules (no database)."""
    fiscal_year, params, first_id = shared.fiscal_year, shared.params, shared.first_id
    coverages, incomes, births, previous = shared.coverages, shared.incomes, shared.births, shared.previous
    start = index * STEP
    households = shared.households[start:start + STEP]
    columns: tuple[list[Any], ...] = tuple([] for _ in range(COLUMNS))
    ids, pks, versions, heads, medical, elderly, care, child, reductions, totals, docs = columns
    superseded: list[int] = []
    facts_seen: list[Any] = []
    results_seen: list[str] = []
    step_total = 0
    for i, household in enumerate(households, start):
        facts = facts_of(household, coverages.get(household.pk, ()), fiscal_year, incomes, births)
        outcome = memo.get(facts)
        if outcome is None:
            result = assess(facts, params)
            breakdown = result.breakdown()
            outcome = _Outcome(result.amounts(), result.reduction.reduction, result.total, breakdown,
                               orjson.dumps(breakdown).decode())
            if len(memo) >= MEMO:
                memo.clear()
            memo[facts] = outcome
        household_no = household.household_no
        facts_seen.append((household_no, facts))
        total = outcome.total
        results_seen.append(f"{household_no}:{total}:{outcome.reduction};")
        step_total += total
        before = previous.get(household.pk)
        if before is None or before.total != total or before.breakdown != outcome.breakdown:
            pk, version, head = first_id + i, before.version + 1 if before else 1, household.head_person_no
            amounts = outcome.amounts
            ids.append(pk)
            pks.append(household.pk)
            versions.append(version)
            heads.append(head)
            medical.append(amounts[0])
            elderly.append(amounts[1])
            care.append(amounts[2])
            child.append(amounts[3])
            reductions.append(outcome.reduction)
            totals.append(total)
            docs.append(outcome.doc)
            if before is not None:
                superseded.append(before.pk)
    return Step(columns, superseded, orjson.dumps(facts_seen, default=tuple),
                "".join(results_seen).encode(), step_total, start + len(households))


def steps(shared: Shared, workers: int = 0) -> Generator[Step, None, None]:
    """Every step in order: computed by `workers` forked processes, or (0) by a thread of this process. Close it
    (`contextlib.closing`) when the caller stops early: that ends the workers or the thread at once."""
    if not shared.households:
        return
    yield from (_in_processes(shared, workers) if workers > 0 else _in_thread(shared))


def _in_thread(shared: Shared) -> Iterator[Step]:
    """A thread computes the steps while the caller writes the previous ones (the database works meanwhile)."""
    handed: queue.Queue[Step | BaseException | None] = queue.Queue(maxsize=8)
    stopped = threading.Event()

    def hand(item: Step | BaseException | None) -> None:
        while not stopped.is_set():
            try:
                handed.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def run() -> None:
        try:
            memo: dict[Any, _Outcome] = {}
            for index in range(steps_count(shared)):
                hand(compute_step(shared, index, memo))
                if stopped.is_set():
                    return
            hand(None)
        except BaseException as e:  # handed to the writing thread, which raises it
            hand(e)

    thread = threading.Thread(target=run, name="nhi-assess-compute", daemon=True)
    interval = sys.getswitchinterval()
    # the writing thread waits on the database most of the time: when its answer comes, it should not wait the
    # default 5 ms for the computing thread to give up the interpreter
    sys.setswitchinterval(0.0005)
    thread.start()
    try:
        while (item := handed.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()
        thread.join()
        sys.setswitchinterval(interval)


class WorkerFailed(RuntimeError):
    """A worker process of the assessment failed (its traceback is the message): the batch is rolled back."""


def _work(shared: Shared, workers: int, me: int, out: Connection) -> None:
    """In a forked worker: compute steps me, me + workers, … and send each, pickled, in order."""
    memo: dict[Any, _Outcome] = {}
    try:
        for index in range(me, steps_count(shared), workers):
            out.send_bytes(pickle.dumps(compute_step(shared, index, memo), protocol=pickle.HIGHEST_PROTOCOL))
    except BrokenPipeError:  # the caller gave up (an error on its side): nothing to report
        return
    except BaseException:
        out.send_bytes(pickle.dumps(traceback.format_exc(), protocol=pickle.HIGHEST_PROTOCOL))


def _fork_worker(shared: Shared, workers: int, me: int) -> tuple[int, Connection]:
    read, write = os.pipe()
    # the worker never returns into the caller's code and never touches the inherited connection
    pid = fork_child(lambda: _work(shared, workers, me, Connection(write, readable=False)), close=(read,))
    os.close(write)
    return pid, Connection(read, writable=False)


def _in_processes(shared: Shared, workers: int) -> Iterator[Step]:
    total_steps = steps_count(shared)
    workers = max(1, min(workers, total_steps))
    started: list[tuple[int, Connection]] = []
    # a thread of the caller per worker drains its pipe while the caller writes: no worker waits on its pipe while
    # the caller waits on the database or on the other worker (each may run up to AHEAD steps ahead)
    received: list[queue.Queue[bytes | BaseException]] = [queue.Queue(maxsize=AHEAD) for _ in range(workers)]
    stopped = threading.Event()

    def drain(me: int) -> None:
        conn, into = started[me][1], received[me]
        item: bytes | BaseException
        for _index in range(me, total_steps, workers):
            try:
                item = conn.recv_bytes()
            except BaseException as e:  # the worker died (end of its pipe) or the batch ended
                item = e
            while not stopped.is_set():
                try:
                    into.put(item, timeout=0.5)
                    break
                except queue.Full:
                    continue
            if stopped.is_set() or isinstance(item, BaseException):
                return

    readers: list[threading.Thread] = []
    try:
        for me in range(workers):
            started.append(_fork_worker(shared, workers, me))
        for me in range(workers):
            readers.append(threading.Thread(target=drain, args=(me,), name=f"nhi-assess-receive-{me}", daemon=True))
            readers[-1].start()
        for index in range(total_steps):
            data = received[index % workers].get()
            if isinstance(data, BaseException):
                raise WorkerFailed(f"国保税の計算プロセスが途中で終了しました: {data!r}")
            item = pickle.loads(data)  # noqa: S301 (our own forked worker, through a pipe of our own)
            if isinstance(item, str):
                raise WorkerFailed(item)
            yield item
    finally:
        stopped.set()
        for pid, _conn in started:  # finished workers are only reaped; the others are ended (an error here)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid, _conn in started:
            os.waitpid(pid, 0)
        for reader in readers:
            reader.join()  # the pipes' ends are closed with the workers: a reader sees their end
        for _pid, conn in started:
            conn.close()
