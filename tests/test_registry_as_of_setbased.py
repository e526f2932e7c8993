"""The register as of a date, read set-based (projection + fold of the few persons a later event touches), equals
the per-person fold of every person's events on every date — through moves, a birth, a death, a retroactive
correction and a cancellation."""

from __future__ import annotations

import datetime as dt

from lgcloud.areas.registry import engine_asof, public
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.cancel import cancel_event
from lgcloud.areas.registry.actions.household import household_split
from lgcloud.areas.registry.actions.move_in import birth, move_in
from lgcloud.areas.registry.actions.person import correct
from lgcloud.areas.registry.actions.removal import death, move_out
from lgcloud.areas.registry.models import EventKind, Person, Status

D = dt.date


def _folded(on: dt.date) -> list[dict]:
    out = []
    for p in Person.objects.order_by("person_no"):
        state = engine_asof.person_as_of(p, on)
        if state and state["status"] == Status.RESIDENT:
            out.append({**state, "pk": p.pk})
    return out


def test_set_based_register_as_of_equals_the_fold(in_a):
    from tests.test_registry_life import family

    first = move_in(persons=family(), address={"address": "埼玉県北足立郡伊奈町小室1-1", "district": "小室"},
                    effective_on="2020-04-01", notified_on="2020-04-05", previous_address="東京都新宿区西新宿2-8-1")
    taro, hanako, ichiro = sorted(first.persons, key=lambda p: p.person_no)
    hh = first.households[0]
    birth(child={"family_name": "山田", "given_name": "二郎", "family_name_kana": "ヤマダ", "given_name_kana": "ジロウ",
                 "sex": "male", "relationship": "子"}, household_no=hh.household_no, mother_person_no=hanako.person_no,
          effective_on="2021-06-10", notified_on="2021-06-14")
    household_split(person_nos=[ichiro.person_no], new_head_person_no=ichiro.person_no,
                    address={"address": "埼玉県北足立郡伊奈町小室2-2"}, effective_on="2024-04-01",
                    notified_on="2024-04-02")
    move_within(household_no=hh.household_no, address={"address": "埼玉県北足立郡伊奈町内宿台3-3"},
                effective_on="2024-10-01", notified_on="2024-10-03")
    other = move_in(persons=[{**family()[0], "given_name": "次郎", "individual_number": "",
                              "birth_date": "1990-01-01"}],
                    address={"address": "埼玉県北足立郡伊奈町小室9-9"}, effective_on="2023-02-01",
                    notified_on="2023-02-02", previous_address="東京都")
    death(person_no=taro.person_no, death_date="2025-02-01", notified_on="2025-02-03",
          new_head_person_no=hanako.person_no)
    move_out(person_nos=[ichiro.person_no], destination="埼玉県比企郡川島町", effective_on="2025-05-01",
             notified_on="2025-04-25")
    # retroactive: a name corrected back to 2020 after later events were recorded; a move-in cancelled
    correct(kind=EventKind.CLERICAL_CORRECTION, person_no=hanako.person_no, items={"given_name": "華子"},
            reason="誤記", corrects_event_id=first.event.pk)
    cancel_event(event_id=other.event.pk, reason="誤入力")

    for on in (D(2019, 1, 1), D(2020, 4, 1), D(2021, 1, 1), D(2022, 1, 1), D(2023, 6, 1), D(2024, 5, 1),
               D(2025, 1, 1), D(2025, 3, 1), D(2025, 6, 1), D(2030, 1, 1)):
        assert list(engine_asof.register_as_of(on)) == _folded(on), on
        views = list(public.residents_as_of(on))
        assert [(v.person_no, v.full_name, v.status, v.address) for v in views] == [
            (s["person_no"], f"{s['family_name']}　{s['given_name']}", s["status"], s["address"])
            for s in _folded(on)], on
    assert "華子" in {v.given_name for v in public.residents_as_of(D(2021, 1, 1))}
