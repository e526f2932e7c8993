"""The small seams business areas plug into: levies → revenue, `lgcloud calc`, the registry's public reads."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lgcloud.areas.registry import public
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.platform import calc, levies
from lgcloud.platform.common.errors import ValidationFailed

D = dt.date


def _bills(amounts: list[int]) -> levies.BillSet:
    return levies.BillSet(levy="test_levy", fiscal_year=2026, person_no=1,
                          lines=tuple(levies.BillLine(i + 1, D(2026, 6 + 2 * i, 30), a) for i, a in enumerate(amounts)),
                          reason="当初賦課", effective_on=D(2026, 6, 1))


def test_bills_reach_the_registered_receiver_and_nothing_is_lost_without_one():
    previous = levies.register_receiver(None)
    try:
        with pytest.raises(levies.NoLedger):
            levies.submit_bills(_bills([1000]))
        got = levies.CollectingReceiver()
        levies.register_receiver(got)
        levies.submit_bills(_bills([1000, 900]))
        levies.submit_bills(_bills([800, 900]))
        assert got.current()[("test_levy", 2026, 1)].total == 1700
        with pytest.raises(ValidationFailed):
            levies.submit_bills(_bills([-1]))
    finally:
        levies.register_receiver(previous)


def test_calc_command_runs_a_registered_calculator_and_refuses_bad_input(monkeypatch):
    def double(data):
        if "yen" not in data:
            raise ValidationFailed("yen がありません。", field="yen")
        return {"result": data["yen"] * 2}

    calc.register_calculator("test-double", double, label="試験")
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO('{"yen": 21}'))
    call_command("calc", "test-double", stdout=out)
    assert json.loads(out.getvalue()) == {"result": 42}
    monkeypatch.setattr("sys.stdin", io.StringIO("{}"))
    with pytest.raises(CommandError, match="項目: yen"):
        call_command("calc", "test-double")
    monkeypatch.setattr("sys.stdin", io.StringIO("not json"))
    with pytest.raises(CommandError, match="JSON"):
        call_command("calc", "test-double")
    with pytest.raises(CommandError, match="ありません"):
        call_command("calc", "no-such-calculation")


def test_public_reads_the_register_now_and_as_of_a_date(in_a):
    family = [
        {"family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
         "birth_date": "1985-04-02", "sex": "male", "relationship": "世帯主", "individual_number": "123456789018"},
        {"family_name": "山田", "given_name": "花子", "family_name_kana": "ヤマダ", "given_name_kana": "ハナコ",
         "birth_date": "1987-09-15", "sex": "female", "relationship": "妻"},
    ]
    r = move_in(persons=family, address={"address": "埼玉県北足立郡伊奈町小室1-1"},
                         effective_on="2025-04-01", notified_on="2025-04-01",
                         previous_address="東京都新宿区西新宿2-8-1")
    taro = min(r.persons, key=lambda p: p.person_no)
    hh = r.households[0].household_no
    assert list(public.residents_as_of(D(2025, 3, 31))) == []
    on_jan1 = list(public.residents_as_of(D(2026, 1, 1)))
    assert {v.full_name for v in on_jan1} == {"山田　太郎", "山田　花子"}
    head = next(v for v in on_jan1 if v.is_head)
    assert head.person_no == taro.person_no and head.household_no == hh and head.birth_date == D(1985, 4, 2)
    assert head.age_on(D(2026, 1, 1)) == 40
    assert [v.given_name for v in public.household_members(hh)] == ["太郎", "花子"]
    assert public.find_by_individual_number("1234 5678 9018").person_no == taro.person_no
    assert public.find_by_individual_number("999") is None
    assert [v.person_no for v in public.find_by_name_and_birth_date("やまだ たろう", D(1985, 4, 2))] == [taro.person_no]
    assert public.person(taro.person_no, D(2024, 1, 1)) is None
    assert public.person(taro.person_no).address.endswith("小室1-1")
