"""A household's life through the register: 転入 → 出生 → 世帯分離 → 転居 → 死亡 → 転出, checked as of each date."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.registry import engine, engine_asof
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.cancel import cancel_event
from lgcloud.areas.registry.actions.household import composition_change, household_split
from lgcloud.areas.registry.actions.move_in import birth, move_in
from lgcloud.areas.registry.actions.person import correct
from lgcloud.areas.registry.actions.removal import death, move_out
from lgcloud.areas.registry.models import EventKind, Household, Person, PersonSnapshot, RegistryEvent, Status
from lgcloud.platform.common.errors import Conflict, ValidationFailed

D = dt.date


def family() -> list[dict]:
    return [
        {"family_name": "山田", "given_name": "太郎", "family_name_kana": "やまだ", "given_name_kana": "タロウ",
         "birth_date": "1985-04-02", "sex": "male", "relationship": "世帯主", "registered_domicile": "埼玉県伊奈町",
         "domicile_head": "山田　太郎", "individual_number": "123456789018"},
        {"family_name": "山田", "given_name": "花子", "family_name_kana": "ヤマダ", "given_name_kana": "ハナコ",
         "birth_date": "1987-09-15", "sex": "female", "relationship": "妻"},
        {"family_name": "山田", "given_name": "一郎", "family_name_kana": "ヤマダ", "given_name_kana": "イチロウ",
         "birth_date": "2010-01-20", "sex": "male", "relationship": "子"},
    ]


@pytest.fixture
def moved_in(in_a):
    r = move_in(persons=family(), address={"address": "埼玉県北足立郡伊奈町小室1-1", "district": "小室"},
                         effective_on="2020-04-01", notified_on="2020-04-05", previous_address="東京都新宿区西新宿2-8-1")
    return r


def test_household_life_as_of_each_date(moved_in):
    taro, hanako, ichiro = sorted(moved_in.persons, key=lambda p: p.person_no)
    hh = moved_in.households[0]
    assert hh.head_id == taro.pk and taro.history_no == 1

    baby = birth(child={"family_name": "山田", "given_name": "二郎", "family_name_kana": "ヤマダ",
                                 "given_name_kana": "ジロウ", "sex": "male", "relationship": "子"},
                          household_no=hh.household_no, mother_person_no=hanako.person_no,
                          effective_on="2021-06-10", notified_on="2021-06-14").persons[0]
    split = household_split(person_nos=[ichiro.person_no], new_head_person_no=ichiro.person_no,
                                     address={"address": "埼玉県北足立郡伊奈町小室2-2", "address_extra": "コーポ伊奈101"},
                                     effective_on="2030-04-01" if False else "2024-04-01", notified_on="2024-04-02")
    new_hh = next(h for h in split.households if h.pk != hh.pk)
    move_within(household_no=hh.household_no, address={"address": "埼玉県北足立郡伊奈町内宿台3-3"},
                         effective_on="2024-10-01", notified_on="2024-10-03")
    death(person_no=taro.person_no, death_date="2025-02-01", notified_on="2025-02-03",
                   new_head_person_no=hanako.person_no, relationships={baby.person_no: "子"})
    move_out(person_nos=[ichiro.person_no], destination="埼玉県比企郡川島町", effective_on="2025-05-01",
                      notified_on="2025-04-25")

    # As of 1 January each year: who lived in the first household, and where.
    items, members = engine_asof.household_as_of(hh, D(2021, 1, 1))
    assert [m["given_name"] for m in members] == ["太郎", "花子", "一郎"]
    assert items["address"] == "埼玉県北足立郡伊奈町小室1-1"
    _, members = engine_asof.household_as_of(hh, D(2022, 1, 1))
    assert [m["given_name"] for m in members] == ["太郎", "花子", "一郎", "二郎"]
    items, members = engine_asof.household_as_of(hh, D(2025, 1, 1))
    assert [m["given_name"] for m in members] == ["太郎", "花子", "二郎"]
    assert items["address"] == "埼玉県北足立郡伊奈町内宿台3-3"
    items, members = engine_asof.household_as_of(hh, D(2025, 3, 1))
    assert [(m["given_name"], m["relationship"]) for m in members] == [("花子", "世帯主"), ("二郎", "子")]
    assert engine_asof.household_as_of(hh, D(2019, 12, 31)) == (None, [])

    ichiro_2025 = engine_asof.person_as_of(ichiro, D(2025, 1, 1))
    assert ichiro_2025["household_id"] == new_hh.pk and ichiro_2025["address_extra"] == "コーポ伊奈101"
    assert engine_asof.person_as_of(ichiro, D(2025, 6, 1))["status"] == Status.REMOVED

    register_2025 = {s["given_name"] for s in engine_asof.register_as_of(D(2025, 1, 1))}
    assert register_2025 == {"太郎", "花子", "一郎", "二郎"}
    register_now = {s["given_name"] for s in engine_asof.register_as_of(D(2025, 6, 1))}
    assert register_now == {"花子", "二郎"}

    taro.refresh_from_db()
    assert taro.status == Status.REMOVED and taro.removal_reason == "死亡" and taro.death_date == D(2025, 2, 1)
    assert list(PersonSnapshot.objects.filter(person=taro).values_list("history_no", flat=True)) == [1, 2, 3]
    kinds = list(RegistryEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.MOVE_IN, EventKind.BIRTH, EventKind.HOUSEHOLD_SPLIT, EventKind.MOVE_WITHIN,
                     EventKind.DEATH, EventKind.MOVE_OUT]
    assert engine_asof.verify_projection() == []
    # A dissolved household once its last member left.
    new_hh.refresh_from_db()
    assert new_hh.status == "dissolved"


def test_projection_check_finds_a_change_made_behind_the_engine(moved_in):
    p = moved_in.persons[0]
    Person.objects.filter(pk=p.pk).update(family_name="改ざん")
    diffs = engine_asof.verify_projection()
    assert [(d.number, d.item, d.projected, d.rebuilt) for d in diffs] == [(p.person_no, "family_name", "改ざん", "山田")]


def test_bad_input_is_refused_and_nothing_written(moved_in):
    hh = moved_in.households[0]
    taro = next(p for p in moved_in.persons if p.relationship == "世帯主")
    before = RegistryEvent.objects.count()
    with pytest.raises(ValidationFailed, match="既に住民"):
        move_in(persons=[family()[0] | {"individual_number": ""}], address={"address": "x"},
                         effective_on="2021-01-01", notified_on="2021-01-02", previous_address="y")
    with pytest.raises(ValidationFailed, match="続柄"):
        birth(child={"family_name": "山田", "given_name": "三郎", "sex": "male", "relationship": "孫"},
                       household_no=hh.household_no, effective_on="2021-01-01", notified_on="2021-01-02")
    with pytest.raises(ValidationFailed, match="母の生年月日"):
        birth(child={"family_name": "山田", "given_name": "三郎", "sex": "male", "relationship": "子"},
                       household_no=hh.household_no, mother_person_no=taro.person_no + 2,
                       effective_on="2009-01-01", notified_on="2009-01-02")
    with pytest.raises(ValidationFailed, match="生年月日より前"):
        death(person_no=taro.person_no, death_date="1980-01-01", notified_on="2020-05-01")
    with pytest.raises(ValidationFailed, match="届出日より後"):
        move_within(household_no=hh.household_no, address={"address": "別の住所"}, effective_on="2020-06-10",
                             notified_on="2020-06-01")
    with pytest.raises(ValidationFailed, match="新しい世帯主"):
        move_out(person_nos=[taro.person_no], destination="東京都", effective_on="2020-06-01",
                          notified_on="2020-06-01")
    with pytest.raises(ValidationFailed, match="世帯主"):
        composition_change(household_no=hh.household_no, relationships={taro.person_no + 1: "世帯主"},
                                    effective_on="2020-06-01", notified_on="2020-06-01")
    assert RegistryEvent.objects.count() == before
    assert engine_asof.verify_projection() == []


def test_stale_edit_is_refused(moved_in):
    hh = moved_in.households[0]
    taro = next(p for p in moved_in.persons if p.relationship == "世帯主")
    seen = {taro.pk: taro.version}
    move_within(household_no=hh.household_no, address={"address": "新住所1"}, effective_on="2020-05-01",
                         notified_on="2020-05-01", versions=seen)
    with pytest.raises(Conflict, match="他の職員"):
        move_within(household_no=hh.household_no, address={"address": "新住所2"}, effective_on="2020-05-02",
                             notified_on="2020-05-02", versions=seen)


def test_cancellation_and_retroactive_correction(moved_in):
    hh = moved_in.households[0]
    taro = next(p for p in moved_in.persons if p.relationship == "世帯主")
    moved = move_within(household_no=hh.household_no, address={"address": "新住所"},
                                 effective_on="2021-05-01", notified_on="2021-05-01")
    cancel_event(event_id=moved.event.pk, reason="誤って入力したため")
    taro.refresh_from_db()
    assert taro.address == "埼玉県北足立郡伊奈町小室1-1"
    # 誤記修正 of the 転入: the name is corrected from the 転入 date on, history keeps both.
    first = RegistryEvent.objects.order_by("id").first()
    correct(kind=EventKind.CLERICAL_CORRECTION, person_no=taro.person_no, items={"given_name": "太朗"},
                     reason="届出書との照合", corrects_event_id=first.pk)
    assert engine_asof.person_as_of(taro, D(2020, 4, 1))["given_name"] == "太朗"
    taro.refresh_from_db()
    assert taro.given_name == "太朗" and taro.history_no == 4
    assert engine_asof.verify_projection() == []


def test_individual_number_encrypted_masked_and_revealed_with_purpose(moved_in):
    from lgcloud.platform.audit.models import AuditRecord

    taro = next(p for p in moved_in.persons if p.relationship == "世帯主")
    assert "123456789018" not in taro.individual_number_enc and taro.individual_number_last4 == "9018"
    with pytest.raises(ValidationFailed, match="利用目的"):
        engine.reveal_individual_number(taro, "")
    assert engine.reveal_individual_number(taro, "child_allowance") == "123456789018"
    rec = AuditRecord.objects.filter(action="registry.individual_number_shown").get()
    assert rec.individual_number_shown and rec.purpose == "児童手当の認定"


def test_household_head_invariant(moved_in):
    assert Household.objects.count() == 1


def test_cancelling_a_move_in_removes_the_people_and_dissolves_their_household(moved_in):
    cancel_event(event_id=moved_in.event.pk, reason="誤入力")
    hh = moved_in.households[0]
    hh.refresh_from_db()
    assert hh.status == "dissolved" and hh.head_id is None
    assert Person.objects.filter(status=Status.RESIDENT).count() == 0
    assert engine_asof.verify_projection() == []


def test_individual_number_only_for_a_lawful_purpose_from_the_catalogue(moved_in, in_a):
    from lgcloud.platform.params import services as params

    taro = next(p for p in moved_in.persons if p.relationship == "世帯主")
    for free_text in ("x", "確認", "なんとなく"):
        with pytest.raises(ValidationFailed, match="個人番号を利用できる事務ではありません"):
            engine.reveal_individual_number(taro, free_text)
    assert engine.reveal_individual_number(taro, "地方税の賦課徴収") == "123456789018"  # by its label too
    # An ordinance use (独自利用事務) is a parameter: refused until the member's ordinance provides it.
    with pytest.raises(ValidationFailed, match="条例"):
        engine.reveal_individual_number(taro, "child_medical_subsidy")
    params.set_override(in_a, "registry.individual_number.ordinance_use.child_medical_subsidy",
                        dt.date.today().year if dt.date.today().month >= 4 else dt.date.today().year - 1, "有",
                        "子ども医療費助成条例")
    assert engine.reveal_individual_number(taro, "child_medical_subsidy") == "123456789018"
