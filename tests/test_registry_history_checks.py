"""Checks look at the whole history: a 異動 is checked on its effective date and every later date it affects,
and `registry verify` checks the invariants over the whole history (issue: registry hardening, item 6)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lgcloud.areas.registry import engine_asof, invariants
from lgcloud.areas.registry.actions import address, household, removal
from lgcloud.areas.registry.actions import move_in as move_in_actions
from lgcloud.areas.registry.models import Person, RegistryEvent
from lgcloud.platform.common.errors import ValidationFailed

TARO = {"family_name": "川口", "given_name": "太郎", "family_name_kana": "カワグチ", "given_name_kana": "タロウ",
        "birth_date": "1980-05-05", "sex": "male", "relationship": "世帯主"}
HANAKO = {"family_name": "川口", "given_name": "花子", "family_name_kana": "カワグチ", "given_name_kana": "ハナコ",
          "birth_date": "1982-07-07", "sex": "female", "relationship": "妻"}


def _resident_then_moved_out(in_a) -> Person:
    r = move_in_actions.move_in(persons=[TARO], address={"address": "埼玉県北足立郡伊奈町小室1-1"},
                                effective_on="2020-04-01", notified_on="2020-04-01", previous_address="東京都")
    taro = r.persons[0]
    removal.move_out(person_nos=[taro.person_no], destination="東京都千代田区", effective_on="2026-08-01",
                     notified_on="2026-07-25")
    taro.refresh_from_db()
    return taro


def test_a_re_move_in_dated_inside_an_earlier_residence_is_refused(in_a):
    taro = _resident_then_moved_out(in_a)
    with pytest.raises(ValidationFailed, match="住民である期間が重なります"):
        move_in_actions.move_in(persons=[], re_move_in={taro.person_no: {"relationship": "世帯主"}},
                                address={"address": "埼玉県北足立郡伊奈町小室2-2"}, effective_on="2026-05-01",
                                notified_on="2026-09-01", previous_address="東京都千代田区")
    assert engine_asof.verify_projection() == [] and invariants.verify_history() == []


def test_a_new_record_for_someone_resident_on_that_date_is_refused(in_a):
    _resident_then_moved_out(in_a)
    with pytest.raises(ValidationFailed, match="住民である期間が重なる"):
        move_in_actions.move_in(persons=[TARO], address={"address": "埼玉県北足立郡伊奈町小室2-2"},
                                effective_on="2026-05-01", notified_on="2026-09-01", previous_address="東京都")
    # After the removal date the same person may move in again as a new record.
    move_in_actions.move_in(persons=[TARO], address={"address": "埼玉県北足立郡伊奈町小室2-2"},
                            effective_on="2026-09-01", notified_on="2026-09-01", previous_address="東京都千代田区")


def _family(in_a):
    r = move_in_actions.move_in(persons=[TARO, HANAKO], address={"address": "埼玉県北足立郡伊奈町小室1-1"},
                                effective_on="2020-04-01", notified_on="2020-04-01", previous_address="東京都")
    taro, hanako = sorted(r.persons, key=lambda p: p.person_no)
    return taro, hanako, r.households[0]


def test_a_late_death_notice_may_not_leave_later_events_after_the_death(in_a):
    _taro, hanako, hh = _family(in_a)
    address.move_within(household_no=hh.household_no, address={"address": "埼玉県北足立郡伊奈町小室5-5"},
                        effective_on="2024-06-01", notified_on="2024-06-01")
    with pytest.raises(ValidationFailed, match="死亡日"):
        removal.death(person_no=hanako.person_no, death_date="2024-01-10", notified_on="2024-08-01")
    assert invariants.verify_history() == []


def test_a_retroactive_change_may_not_leave_a_household_without_head_on_any_day(in_a):
    taro, hanako, hh = _family(in_a)
    household.head_change(household_no=hh.household_no, new_head_person_no=hanako.person_no,
                          relationships={taro.person_no: "夫"}, effective_on="2024-01-01", notified_on="2024-01-01")
    # Today the household has a head (花子); but on 2023-06-01, with 太郎 gone, it would have had none.
    with pytest.raises(ValidationFailed, match="2023-06-01に世帯主がいません"):
        removal.move_out(person_nos=[taro.person_no], destination="東京都", effective_on="2023-06-01",
                         notified_on="2024-02-01")
    assert invariants.verify_history() == []


def test_registry_verify_checks_the_whole_history(in_a, muni_a):
    taro = _resident_then_moved_out(in_a)
    out = io.StringIO()
    call_command("registry", "verify", "--municipality", muni_a.code, stdout=out)
    assert "OK" in out.getvalue()
    # Someone with write access to the database slips in an overlapping 再転入 behind the engine's back.
    first = RegistryEvent.objects.filter(kind="move_in").first()
    RegistryEvent.objects.create(kind="re_move_in", effective_on="2026-05-01", notified_on="2026-05-01", clerk="x",
                                 changes=[{"target": "person", "id": taro.pk, "set": {"status": "resident"}}])
    ev = RegistryEvent.objects.latest("id")
    ev.subjects.create(person=taro)
    assert first is not None
    violations = invariants.verify_history()
    assert any("住民である期間が重なります" in v.message and v.person_no == taro.person_no for v in violations)
    err = io.StringIO()
    with pytest.raises(CommandError, match="履歴上の不整合"):
        call_command("registry", "verify", "--municipality", muni_a.code, stdout=io.StringIO(), stderr=err)
    assert f"宛名番号 {taro.person_no}" in err.getvalue()
