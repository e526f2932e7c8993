"""国保 coverage from the register, the annual assessment (調定 to revenue) and recalculation in the year."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from lgcloud.areas.insurance import assessment, batch, services
from lgcloud.areas.insurance.models import Assessment, AssessmentRun, Coverage
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.platform import levies
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import Conflict, ValidationFailed
from lgcloud.platform.tenancy.models import Municipality

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> Iterator[levies.CollectingReceiver]:
    receiver = levies.CollectingReceiver()
    previous = levies.register_receiver(receiver)
    yield receiver
    levies.register_receiver(previous)


def family(effective_on: str = "2025-04-01", variant: int = 0) -> Any:
    persons = [
        {"family_name": "国保", "given_name": "一郎", "family_name_kana": "コクホ", "given_name_kana": "イチロウ",
         "birth_date": f"{1980 - variant}-06-10", "sex": "male", "relationship": "世帯主"},
        {"family_name": "国保", "given_name": "花子", "family_name_kana": "コクホ", "given_name_kana": "ハナコ",
         "birth_date": f"{1982 - variant}-02-03", "sex": "female", "relationship": "妻"},
        {"family_name": "国保", "given_name": "次郎", "family_name_kana": "コクホ", "given_name_kana": "ジロウ",
         "birth_date": f"{2021 - variant}-05-05", "sex": "male", "relationship": "子"},
    ]
    r = move_in(persons=persons, address={"address": "埼玉県北足立郡伊奈町小室2-2"}, effective_on=effective_on,
                notified_on=effective_on, previous_address="東京都新宿区西新宿2-8-1")
    return sorted(r.persons, key=lambda p: p.person_no), r.households[0].household_no


def test_enrol_end_and_the_facts_of_a_household(in_a: Municipality) -> None:
    (head, wife, child), _ = family()
    for p in (head, wife, child):
        services.enrol(p.person_no, D(2025, 4, 1), "move_in")
    with pytest.raises(Conflict):
        services.enrol(head.person_no, D(2025, 5, 1), "other")
    with pytest.raises(ValidationFailed):
        services.enrol(child.person_no, D(2025, 4, 1), "nonsense")
    services.record_income(head.person_no, 2025, aggregate_income=2_760_000, salary_revenue=4_000_000)
    services.record_income(wife.person_no, 2025, aggregate_income=0)
    services.record_income(child.person_no, 2025, aggregate_income=0)
    services.end_coverage(wife.person_no, D(2026, 10, 1), "joined_employee_insurance")
    household = Coverage.objects.get(person_no=head.person_no).household
    facts = services.household_facts(household, 2026).facts
    by_age = {m.age: m for m in facts.members}
    assert by_age[45].months_insured == 12 and by_age[45].long_term_care_months == 12
    assert by_age[44].months_insured == 6  # April–September: the month before the month of leaving
    assert by_age[4].preschool and by_age[4].long_term_care_months == 0
    assert AuditRecord.objects.filter(action="insurance.coverage_started").count() == 3
    assert AuditRecord.objects.filter(action="insurance.coverage_ended").count() == 1


def test_care_months_start_the_month_of_the_day_before_the_40th_birthday() -> None:
    months = services.fiscal_months(2026)
    assert services.care_months(D(1986, 9, 1), months) == 8  # reaches 40 on 31 August 2026: August–March
    assert services.care_months(D(1961, 9, 2), months) == 5  # reaches 65 on 1 September 2026: April–August


def test_annual_assessment_hands_bills_to_revenue_and_is_reproducible(
        in_a: Municipality, ledger: levies.CollectingReceiver) -> None:
    (head, wife, child), _ = family()
    for p in (head, wife, child):
        services.enrol(p.person_no, D(2025, 4, 1), "move_in")
        services.record_income(p.person_no, 2025, aggregate_income=2_760_000 if p is head else 0,
                               salary_revenue=4_000_000 if p is head else 0)
    out, err = io.StringIO(), io.StringIO()
    call_command("nhi", "assess", "--municipality", in_a.code, "--fiscal-year", "2026", stdout=out, stderr=err)
    assert "1 世帯" in out.getvalue() and "1/1" in err.getvalue()
    run = AssessmentRun.objects.get()
    a = Assessment.objects.get()
    assert a.total == run.total > 0 and a.reduction is None and a.head_person_no == head.person_no
    assert a.medical + a.elderly_support + a.long_term_care + a.child_support == a.total
    bills = ledger.current()[("nhi_tax", 2026, head.person_no)]
    assert bills.total == a.total and len(bills.lines) == 8 and bills.lines[0].due_on == D(2026, 7, 31)
    assert all(line.amount % 100 == 0 for line in bills.lines[1:])
    again = assessment.assess_all(2026)
    assert again.output_digest == run.output_digest and again.input_digest == run.input_digest
    assert Assessment.objects.count() == 1  # nothing changed: no new version, no new bills
    assert len(ledger.received) == 1


def test_a_death_in_the_year_recalculates_from_the_month(in_a: Municipality,
                                                        ledger: levies.CollectingReceiver) -> None:
    (head, wife, child), hh = family()
    for p in (head, wife, child):
        services.enrol(p.person_no, D(2025, 4, 1), "move_in")
        services.record_income(p.person_no, 2025, aggregate_income=1_000_000 if p is head else 0)
    assessment.assess_all(2026)
    first = Assessment.objects.get()
    services.end_coverage(wife.person_no, D(2026, 9, 16), "death")
    second = assessment.recalculate(hh, 2026, from_month=D(2026, 9, 1), reason="死亡")
    assert second is not None and second.version == 2 and second.total < first.total
    first.refresh_from_db()
    assert not first.current and second.current
    assert ledger.current()[("nhi_tax", 2026, head.person_no)].total == second.total
    assert assessment.recalculate(hh, 2026, from_month=D(2026, 9, 1), reason="死亡") is None


def test_installments_put_the_remainder_in_the_first() -> None:
    lines = assessment.installments(100_050, 2026, 8, 7)
    assert [x.amount for x in lines] == [12_550] + [12_500] * 7
    assert lines[-1].due_on == D(2027, 2, 28)


@pytest.mark.parametrize("workers", [0, 2], ids=["thread", "processes"])
def test_batch_in_steps_and_chunks_and_a_failure_in_the_computing_thread_leaves_nothing(
        in_a: Municipality, ledger: levies.CollectingReceiver, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    heads = []
    for n in range(3):
        (head, wife, child), _ = family(variant=n)
        heads.append(head)
        for p in (head, wife, child):
            services.enrol(p.person_no, D(2025, 4, 1), "move_in")
            services.record_income(p.person_no, 2025, aggregate_income=1_000_000 * (n + 1) if p is head else 0)
    monkeypatch.setattr(batch, "STEP", 1)  # a hand-over per household, a bulk write per two rows
    monkeypatch.setattr(assessment, "CHUNK", 2)
    monkeypatch.setattr(assessment, "workers_for", lambda households: workers)  # forked workers: steps dealt out
    real = batch.assess
    calls = 0

    def failing(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("rule failed")
        return real(*args)

    monkeypatch.setattr(batch, "assess", failing)
    with pytest.raises(RuntimeError, match="rule failed"):
        assessment.assess_all(2026)
    assert not AssessmentRun.objects.exists() and not Assessment.objects.exists()
    # (the workers fail at the third household, after the first chunk's 調定 reached this in-memory, not
    # transactional, receiver; revenue's ledger writes in the transaction rolled back)
    assert workers or not ledger.received
    monkeypatch.setattr(batch, "assess", real)
    run = assessment.assess_all(2026)
    rows = list(Assessment.objects.order_by("household__household_no"))
    assert len(rows) == 3 and run.total == sum(a.total for a in rows)
    assert [a.head_person_no for a in rows] == sorted(h.person_no for h in heads)
    assert {b.person_no for b in ledger.received} == {h.person_no for h in heads}
    # the other path on the same facts: the same digests, nothing changed, nothing written
    monkeypatch.setattr(assessment, "workers_for", lambda households: 2 - workers)
    again = assessment.assess_all(2026)
    assert (again.input_digest, again.output_digest, again.total) == (run.input_digest, run.output_digest, run.total)
    assert Assessment.objects.count() == 3


def test_worker_processes_only_for_large_batches(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.NHI_ASSESS_PROCESS_THRESHOLD, settings.NHI_ASSESS_WORKERS = 1_000, 2
    monkeypatch.setattr(assessment.threading, "active_count", lambda: 1)  # a command's single thread
    assert assessment.workers_for(999) == 0 and assessment.workers_for(1_000) == 2
    monkeypatch.setattr(assessment.threading, "active_count", lambda: 5)  # a threaded web server: never fork
    assert assessment.workers_for(10**6) == 0
    monkeypatch.setattr(assessment.threading, "active_count", lambda: 1)
    settings.NHI_ASSESS_WORKERS = 0
    assert assessment.workers_for(10**6) == 0


def test_a_failed_write_ends_the_worker_processes(in_a: Municipality, ledger: levies.CollectingReceiver,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        (head, wife, child), _ = family(variant=n)
        for p in (head, wife, child):
            services.enrol(p.person_no, D(2025, 4, 1), "move_in")
    monkeypatch.setattr(batch, "STEP", 1)
    monkeypatch.setattr(assessment, "CHUNK", 1)
    monkeypatch.setattr(assessment, "workers_for", lambda households: 2)

    def failing(*args: Any) -> None:
        raise RuntimeError("write failed")

    monkeypatch.setattr(assessment, "_write", failing)
    with pytest.raises(RuntimeError, match="write failed"):
        assessment.assess_all(2026)
    with pytest.raises(ChildProcessError):  # both workers ended and reaped by the batch itself
        os.waitpid(-1, os.WNOHANG)
    assert not AssessmentRun.objects.exists() and not Assessment.objects.exists()
