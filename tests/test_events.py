"""Domain events: the registry publishes every committed 異動 into the outbox; subscribers receive them in
order per municipality, at least once, with their database writes exactly once; a failing subscriber is
retried and blocks nobody else; a replay from any cursor gives the same state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction

from lgcloud.areas.registry import transfer
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.move_in import birth as register_birth
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import death, move_out
from lgcloud.areas.registry.engine import EventResult
from lgcloud.platform import events
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.events.models import DomainEvent, SubscriberCursor
from lgcloud.platform.events.processing import backoff
from tests.testapp import subscribers as toy
from tests.testapp.models import Delivery, ToyResident

TOY = ["testapp.births", "testapp.census", "testapp.flaky"]


def person(given: str, birth: str, relationship: str, **extra: str) -> dict:
    return {"family_name": "山田", "given_name": given, "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
            "birth_date": birth, "sex": "male", "relationship": relationship, **extra}


def move_in_family() -> EventResult:
    return move_in(persons=[person("太郎", "1985-04-02", "世帯主"), person("花子", "1987-09-15", "妻")],
                            address={"address": "埼玉県北足立郡伊奈町小室1-1"}, effective_on="2020-04-01",
                            notified_on="2020-04-05", previous_address="東京都新宿区西新宿2-8-1")


def birth(household_no: int, given: str = "二郎", on: str = "2021-06-10") -> EventResult:
    return register_birth(child=person(given, on, "子") | {"birth_date": on}, household_no=household_no,
                          effective_on=on, notified_on=on)


def process(**kwargs) -> list[events.processing.Progress]:  # type: ignore[name-defined]
    return events.process_pending(subscribers=TOY, **kwargs)


@pytest.fixture(autouse=True)
def no_failures() -> Iterator[None]:
    toy.FAILING.clear()
    toy.FAILING_IN.clear()
    yield
    toy.FAILING.clear()
    toy.FAILING_IN.clear()


def test_every_committed_event_publishes_its_kind_and_the_documented_payload(in_a):
    moved = move_in_family()
    hh = moved.households[0]
    born = birth(hh.household_no)
    [move_in, birth_event] = DomainEvent.objects.order_by("id")
    assert (move_in.kind, birth_event.kind, birth_event.source) == ("registry.move_in", "registry.birth", "registry")
    child = born.persons[0]
    assert birth_event.payload == {
        "event_id": born.event.pk, "kind": "birth", "effective_on": "2021-06-10", "notified_on": "2021-06-10",
        "persons": [{"person_no": child.person_no, "birth_date": "2021-06-10", "household_no": hh.household_no,
                     "status": "resident"}],
        "households": [hh.household_no],
        "changed": sorted(set(birth_event.payload["changed"])),
    }
    assert {"family_name", "birth_date", "household_id"} <= set(birth_event.payload["changed"])
    assert sorted(p["person_no"] for p in move_in.payload["persons"]) == sorted(p.person_no for p in moved.persons)


def test_a_rolled_back_event_publishes_nothing(in_a):
    hh = move_in_family().households[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        birth(hh.household_no)
        assert DomainEvent.objects.filter(kind="registry.birth").count() == 1  # in the same transaction
        raise RuntimeError("the caller's transaction fails after the 異動")
    # A 異動 refused inside the engine (two heads of one household) publishes nothing either.
    with pytest.raises(ValidationFailed):
        move_in(persons=[person("一", "1980-01-01", "世帯主"), person("二", "1981-01-01", "世帯主")],
                         address={"address": "伊奈町2"}, effective_on="2020-04-01", notified_on="2020-04-01",
                         previous_address="東京都")
    assert list(DomainEvent.objects.values_list("kind", flat=True)) == ["registry.move_in"]


def test_a_failing_subscriber_is_retried_and_blocks_neither_the_event_nor_the_others(in_a):
    hh = move_in_family().households[0]
    toy.FAILING.add("registry.birth")
    first = birth(hh.household_no)  # the 異動 commits whatever its subscribers will do
    second = birth(hh.household_no, "三郎", "2022-07-01")
    t0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    [progress] = process(now=t0)
    assert progress.failed == ["testapp.flaky"] and progress.behind["testapp.flaky"] == 2
    flaky = SubscriberCursor.objects.get(subscriber="testapp.flaky")
    assert flaky.attempts == 1 and "toy failure on registry.birth" in flaky.last_error
    assert flaky.failed_event_id == DomainEvent.objects.get(kind="registry.birth", payload__event_id=first.event.pk).pk
    assert flaky.next_retry_at == t0 + backoff(1)
    # It got the 転入 before the failing 出生, nothing after it; the other subscribers got everything.
    assert list(Delivery.objects.filter(subscriber="testapp.flaky").values_list("kind", flat=True)) == [
        "registry.move_in"]
    assert Delivery.objects.filter(subscriber="testapp.births").count() == 2
    assert ToyResident.objects.count() == 4
    # Before its retry time a pass leaves it alone; after it, it is retried (and waits longer when it fails again).
    process(now=t0 + dt.timedelta(seconds=10))
    assert SubscriberCursor.objects.get(subscriber="testapp.flaky").attempts == 1
    process(now=t0 + backoff(1))
    flaky.refresh_from_db()
    assert flaky.attempts == 2 and flaky.next_retry_at == t0 + backoff(1) + backoff(2) > t0 + 2 * backoff(1)
    toy.FAILING.clear()
    [progress] = process(now=flaky.next_retry_at)
    assert progress.delivered == 2 and progress.failed == []
    flaky.refresh_from_db()
    assert (flaky.attempts, flaky.last_error, flaky.next_retry_at) == (0, "", None)
    assert [d.event_id for d in Delivery.objects.filter(subscriber="testapp.flaky", kind="registry.birth")
            .order_by("id")] == list(DomainEvent.objects.filter(kind="registry.birth").order_by("id")
                                     .values_list("id", flat=True))
    assert second.event.pk > first.event.pk


def test_delivery_is_in_order_per_municipality_and_a_failure_in_one_does_not_hold_up_another(
        muni_a, muni_b, as_municipality):
    households = {}
    for m in (muni_a, muni_b):
        with as_municipality(m):
            households[m.pk] = move_in_family().households[0].household_no
    for i, on in enumerate(["2021-01-01", "2021-02-01", "2021-03-01"]):
        for m in (muni_b, muni_a):
            with as_municipality(m):
                birth(households[m.pk], f"子{i}", on)
    toy.FAILING_IN.add(muni_a.pk)
    progress = {p.municipality.pk: p for p in events.process_pending(subscribers=TOY)}
    assert progress[muni_a.pk].failed == ["testapp.flaky"] and progress[muni_b.pk].failed == []
    for m in (muni_a, muni_b):
        with as_municipality(m):
            outbox = list(DomainEvent.objects.filter(kind="registry.birth").order_by("id").values_list("id", flat=True))
            delivered = list(Delivery.objects.filter(subscriber="testapp.births").order_by("id")
                             .values_list("event_id", flat=True))
            assert delivered == outbox and len(outbox) == 3
            flaky = list(Delivery.objects.filter(subscriber="testapp.flaky").values_list("kind", flat=True))
            assert flaky == ([] if m == muni_a else ["registry.move_in"] + ["registry.birth"] * 3)
            assert [d.payload["persons"][0]["birth_date"] for d in DomainEvent.objects.filter(
                kind="registry.birth").order_by("id")] == ["2021-01-01", "2021-02-01", "2021-03-01"]


def test_a_replay_from_any_cursor_gives_the_same_state(in_a):
    moved = move_in_family()
    hh = moved.households[0]
    taro = min(moved.persons, key=lambda p: p.person_no)
    baby = birth(hh.household_no).persons[0]
    move_within(household_no=hh.household_no, address={"address": "埼玉県北足立郡伊奈町内宿台3-3"},
                         effective_on="2024-10-01", notified_on="2024-10-03")
    death(person_no=taro.person_no, death_date="2025-02-01", notified_on="2025-02-03",
                   new_head_person_no=min(p.person_no for p in moved.persons if p.pk != taro.pk),
                   relationships={baby.person_no: "子"})
    process()

    def state() -> list[tuple]:
        return list(ToyResident.objects.order_by("person_no").values_list("person_no", "status", "household_no",
                                                                           "birth_date"))

    expected = state()
    assert dict((p, s) for p, s, *_ in expected)[taro.person_no] == "removed"
    ids = list(DomainEvent.objects.order_by("id").values_list("id", flat=True))
    for start in [*ids, ids[-1] + 1]:
        assert events.replay("testapp.census", start) >= 1
        process()
        assert state() == expected, f"replay from {start}"
        assert SubscriberCursor.objects.get(subscriber="testapp.census").position == ids[-1]
    call_command("events", "replay", "--subscriber", "testapp.census", "--from", str(ids[0]))
    assert SubscriberCursor.objects.get(subscriber="testapp.census").position == ids[0] - 1
    ToyResident.objects.all().delete()
    process()
    assert state() == expected


def test_moves_between_members_publish_in_both_municipalities(muni_a, muni_b, as_municipality):
    with as_municipality(muni_a):
        family = sorted(p.person_no for p in move_in_family().persons)
        move_out(person_nos=family, destination="埼玉県入間郡越生町越生1",
                          destination_code=muni_b.code, effective_on="2024-04-10", notified_on="2024-04-01")
    with as_municipality(muni_b):
        [msg] = transfer.pending("move_out_certificate")
        transfer.move_in_from_certificate(message_id=msg.pk, address={"address": "埼玉県入間郡越生町越生1"},
                                          effective_on="2024-04-12", notified_on="2024-04-15")
        assert list(DomainEvent.objects.values_list("kind", flat=True)) == ["registry.move_in"]
    with as_municipality(muni_a):
        transfer.process_move_in_notices()
        kinds = list(DomainEvent.objects.order_by("id").values_list("kind", flat=True))
        assert kinds == ["registry.move_in", "registry.move_out", *["registry.move_out_confirmed"] * 2]  # one a person
        confirmed = DomainEvent.objects.filter(kind="registry.move_out_confirmed")
        assert sorted(p["person_no"] for e in confirmed for p in e.payload["persons"]) == family


def test_process_command_reports_progress_per_municipality(muni_a, muni_b, as_municipality, capsys):
    with as_municipality(muni_a):
        birth(move_in_family().households[0].household_no)
    call_command("events", "process")
    out = capsys.readouterr().out
    assert f"{muni_a.code} " in out and "配信" in out and f"{muni_b.code} " in out
    with as_municipality(muni_a):
        assert Delivery.objects.filter(subscriber="testapp.births").count() == 1
    with pytest.raises(ValidationFailed, match="登録されていません"):
        events.replay("nobody.here", 1)
