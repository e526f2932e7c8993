"""The register's 異動 reach 国保, 国民年金 and 児童手当 as proposals in the clerks' 処理待ち一覧; accepting one
applies it (and recalculates the 国保税)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from lgcloud.areas.insurance import assessment, services
from lgcloud.areas.insurance.models import Assessment, Coverage
from lgcloud.areas.insurance.rules.nhi_tax import part_rows
from lgcloud.areas.pension.models import Qualification
from lgcloud.areas.registry.actions.move_in import birth, move_in
from lgcloud.areas.registry.actions.removal import death
from lgcloud.areas.welfare import services as welfare
from lgcloud.areas.welfare.models import ClaimChild
from lgcloud.platform import events, levies, worklists
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.tenancy.models import Municipality

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger() -> Iterator[levies.CollectingReceiver]:
    receiver = levies.CollectingReceiver()
    previous = levies.register_receiver(receiver)
    yield receiver
    levies.register_receiver(previous)


def _items(queue: str) -> list[worklists.WorkItem]:
    return list(worklists.WorkItem.objects.filter(queue=queue, status="open").order_by("pk"))


def _move_in(effective_on: str = "2026-05-07") -> list[int]:
    r = move_in(persons=[
        {"family_name": "転入", "given_name": "一郎", "family_name_kana": "テンニュウ", "given_name_kana": "イチロウ",
         "birth_date": "1980-06-10", "sex": "male", "relationship": "世帯主"},
        {"family_name": "転入", "given_name": "花子", "family_name_kana": "テンニュウ", "given_name_kana": "ハナコ",
         "birth_date": "1984-02-03", "sex": "female", "relationship": "妻"},
    ], address={"address": "埼玉県北足立郡伊奈町小室5-5"}, effective_on=effective_on, notified_on=effective_on,
        previous_address="東京都新宿区西新宿2-8-1")
    return sorted(p.person_no for p in r.persons)


def test_move_in_proposes_nhi_enrolment_and_acceptance_recalculates(in_a: Municipality,
                                                                   ledger: levies.CollectingReceiver) -> None:
    assessment.assess_all(2026)  # the annual assessment of FY2026 has run (nobody insured yet)
    head, wife = _move_in()
    events.process_pending(municipality=in_a)
    items = _items("insurance.enrolment")
    assert [i.payload["person_no"] for i in items] == [head, wife]
    assert items[0].capability == "insurance" and "転入" in items[0].title
    events.process_pending(municipality=in_a)  # delivered again: no duplicate proposal
    assert len(_items("insurance.enrolment")) == 2
    services.record_income(head, 2025, aggregate_income=3_000_000, salary_revenue=4_500_000)
    services.record_income(wife, 2025, aggregate_income=0)
    decided = worklists.decide(items[0].pk, accept=True, note="社会保険の資格喪失証明書を確認")
    assert "国保税を再計算しました" in decided.outcome
    worklists.decide(items[1].pk, accept=True)
    coverage = Coverage.objects.get(person_no=head)
    assert coverage.coverage_start == D(2026, 5, 7) and coverage.start_reason == "move_in"
    current = Assessment.objects.get(current=True)
    assert current.version == 2 and current.total > 0 and current.head_person_no == head
    # May–March: 11 months of the year
    assert part_rows(current.breakdown)["medical"]["insured_count"] == 2
    assert ledger.current()[("nhi_tax", 2026, head)].total == current.total
    assert AuditRecord.objects.filter(action="insurance.coverage_started").count() == 2
    # the pension clerk is asked about the two 20–59 year olds
    assert len(_items("pension.acquisition")) == 2


def test_birth_into_an_insured_household_and_a_death(in_a: Municipality, ledger: levies.CollectingReceiver) -> None:
    head, wife = _move_in("2026-04-01")
    for no in (head, wife):
        services.enrol(no, D(2026, 4, 1), "move_in")
    household_no = Coverage.objects.get(person_no=head).household.household_no
    claim = welfare.claim(wife, D(2026, 4, 3), [welfare.ChildInput(D(2019, 1, 1))],
                          welfare.Account("0005", "456", "7654321", "テンニュウ　ハナコ"))
    birth(child={"family_name": "転入", "given_name": "赤子", "family_name_kana": "テンニュウ",
                 "given_name_kana": "アカコ", "birth_date": "2026-06-20", "sex": "female", "relationship": "子"},
          household_no=household_no, effective_on="2026-06-20", notified_on="2026-06-25", mother_person_no=wife)
    events.process_pending(municipality=in_a)
    [enrol] = [i for i in _items("insurance.enrolment") if i.payload["reason"] == "birth"]
    assert enrol.payload["coverage_start"] == "2026-06-20"
    [revision] = _items("welfare.amount_revision")
    assert revision.payload["claim_id"] == claim.pk
    worklists.decide(enrol.pk, accept=True)
    worklists.decide(revision.pk, accept=True)
    assert Coverage.objects.filter(household__household_no=household_no, coverage_end__isnull=True).count() == 3
    assert ClaimChild.objects.filter(claim=claim).count() == 2
    pension_items = _items("pension.acquisition")
    for i in pension_items:
        worklists.decide(i.pk, accept=True)
    death(person_no=head, death_date="2026-09-15", notified_on="2026-09-16", new_head_person_no=wife)
    events.process_pending(municipality=in_a)
    [withdrawal] = _items("insurance.withdrawal")
    assert withdrawal.payload["coverage_end"] == "2026-09-16"
    worklists.decide(withdrawal.pk, accept=True)
    ended = Coverage.objects.get(person_no=head)
    assert ended.end_reason == "death" and ended.household.head_person_no == wife  # the new 世帯主 pays
    [loss] = _items("pension.loss")
    worklists.decide(loss.pk, accept=True)
    assert Qualification.objects.get(person_no=head).qualification_end == D(2026, 9, 16)


def test_75th_birthday_proposes_late_elderly_and_the_household_becomes_specified(
        in_a: Municipality, ledger: levies.CollectingReceiver) -> None:
    r = move_in(persons=[
        {"family_name": "高齢", "given_name": "一", "family_name_kana": "コウレイ", "given_name_kana": "ハジメ",
         "birth_date": "1951-11-20", "sex": "male", "relationship": "世帯主"},
        {"family_name": "高齢", "given_name": "二", "family_name_kana": "コウレイ", "given_name_kana": "フタ",
         "birth_date": "1955-01-01", "sex": "female", "relationship": "妻"},
    ], address={"address": "埼玉県北足立郡伊奈町小室8-8"}, effective_on="2025-04-01", notified_on="2025-04-01",
        previous_address="東京都新宿区西新宿2-8-1")
    husband, wife = sorted(p.person_no for p in r.persons)
    for no in (husband, wife):
        services.enrol(no, D(2025, 4, 1), "move_in")
    from lgcloud.areas.insurance.subscribers import propose_age_changes

    assert propose_age_changes(D(2026, 11, 1)) == 1
    [item] = _items("insurance.withdrawal")
    assert item.payload == {"person_no": husband, "coverage_end": "2026-11-20", "reason": "late_elderly"}
    worklists.decide(item.pk, accept=True)
    ended = Coverage.objects.get(person_no=husband)
    assert ended.former_insured and ended.household.specified_since == D(2026, 11, 20)
    facts = services.household_facts(ended.household, 2027).facts
    assert facts.specified == "specified"
    assert [m.former_insured for m in facts.members] == [True, False]
