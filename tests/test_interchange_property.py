"""Property: for generated registers, export → import into an empty municipality → export is byte-identical."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lgcloud.areas.registry import engine_asof, restrictions
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.cancel import cancel_event
from lgcloud.areas.registry.actions.household import composition_change
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.person import correct
from lgcloud.areas.registry.actions.removal import death, move_out
from lgcloud.areas.registry.codes import RESIDENCE_STATUSES
from lgcloud.areas.registry.interchange.writing import clear_register
from lgcloud.areas.registry.models import EventKind
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.platform.interchange.importer import import_municipality

KANJI = st.sampled_from(list("山田中川佐藤鈴木高橋渡邉髙﨑齋藤太郎花子一二三"))
KANA = st.text(alphabet=st.sampled_from(list("アイウエオカキクケコサシスセソタチツテトナニヌネノヤユヨワヲンー")), min_size=1, max_size=8)
DATES = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2019, 12, 31))


@st.composite
def person(draw, relationship: str):
    foreign = (draw(st.booleans()) and relationship != "世帯主") or draw(st.integers(0, 9)) == 0
    precision = draw(st.sampled_from(["day", "day", "day", "month", "year", "approx", "unknown"]))
    data = {"sex": draw(st.sampled_from(["male", "female"])), "relationship": relationship,
            "birth_date": draw(DATES).isoformat(), "birth_date_precision": precision}
    if foreign:
        data.update(resident_type="foreign", alphabet_name=draw(st.from_regex(r"[A-Z]{2,10} [A-Z]{2,10}", fullmatch=True)),
                    nationality=draw(st.sampled_from(["ベトナム", "中国", "フィリピン", "ブラジル"])),
                    foreign_category="mid_long_term", residence_status=draw(st.sampled_from(RESIDENCE_STATUSES)),
                    period_of_stay="1年", stay_expires_on=draw(st.dates(dt.date(2025, 1, 1), dt.date(2030, 1, 1))).isoformat())
    else:
        data.update(family_name=draw(st.text(KANJI, min_size=1, max_size=3)),
                    given_name=draw(st.text(KANJI, min_size=1, max_size=3)),
                    family_name_kana=draw(KANA), given_name_kana=draw(KANA))
    return data


@st.composite
def register(draw):
    households = []
    for _ in range(draw(st.integers(1, 3))):
        members = [draw(person("世帯主"))]
        members += [draw(person(draw(st.sampled_from(["妻", "子", "子の妻", "父", "同居人", "妻の母"]))))
                    for _ in range(draw(st.integers(0, 3)))]
        extra = draw(st.text(st.sampled_from(list("コーポ伊奈方書一二三号棟")), max_size=200))
        households.append((members, extra))
    actions = draw(st.lists(st.sampled_from(["move_within", "correct", "cancel", "move_out", "support", "death"]),
                            max_size=4))
    return households, actions


UNIQUE = "壱弐参肆伍陸漆捌玖拾百千万億兆京垓"


def build(households, actions) -> None:
    # Generated people may coincide; the register refuses a second 転入 of the same person, so tell them apart.
    k = 0
    for members, _extra in households:
        for m in members:
            if m.get("alphabet_name"):
                m["alphabet_name"] += " " + "ABCDEFGHIJKLMNOPQ"[k]
            else:
                m["given_name"] += UNIQUE[k]
            k += 1
    results = []
    for n, (members, extra) in enumerate(households):
        results.append(move_in(persons=members, address={"address": f"伊奈町小室{n + 1}", "address_extra": extra},
                                        effective_on="2020-04-01", notified_on="2020-04-01", previous_address="国外"))
    first = results[0]
    hh = first.households[0]
    head = next(p for p in first.persons if p.relationship == "世帯主")
    others = [p for p in first.persons if p.pk != head.pk]
    for i, action in enumerate(actions):
        if action == "move_within":
            move_within(household_no=hh.household_no, address={"address": f"伊奈町内宿台{i}"},
                                 effective_on="2021-01-10", notified_on="2021-01-10", acknowledge_alerts=True)
        elif action == "correct":
            correct(kind=EventKind.CLERICAL_CORRECTION, person_no=head.person_no, items={"notes": "誤記修正"},
                             reason="試験", corrects_event_id=first.event.pk, acknowledge_alerts=True)
        elif action == "cancel":
            r = composition_change(household_no=hh.household_no,
                                            relationships={p.person_no: "縁故者" for p in others} or {head.person_no: "世帯主"},
                                            effective_on="2022-02-02", notified_on="2022-02-02", acknowledge_alerts=True)
            cancel_event(event_id=r.event.pk, reason="取消し試験", acknowledge_alerts=True)
        elif action == "move_out" and others:
            move_out(person_nos=[others[0].person_no], destination="東京都", effective_on="2023-03-03",
                              notified_on="2023-03-03", acknowledge_alerts=True)
            others = others[1:]
        elif action == "support" and not restrictions.active_support_measures([head]):
            restrictions.register_support_measure(applicant_person_no=head.person_no, starts_on=dt.date(2024, 1, 1),
                                                   offender_name="某")
        elif action == "death" and others:
            death(person_no=others[0].person_no, death_date="2023-06-01", death_date_precision="month",
                           notified_on="2023-07-01", acknowledge_alerts=True)
            others = others[1:]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(case=register())
def test_round_trip_property(muni_a, muni_b, as_municipality, case):
    households, actions = case
    work = Path(tempfile.mkdtemp())
    try:
        with as_municipality(muni_a):
            clear_register()
            build(households, actions)
            assert export_municipality(work / "a", include_sensitive=True, purpose="試験").ok
        with as_municipality(muni_b):
            result = import_municipality(work / "a", include_sensitive=True, purpose="試験", replace=True)
            assert result.ok, result.problems[:3]
            assert engine_asof.verify_projection() == []
            assert export_municipality(work / "b", include_sensitive=True, purpose="試験").ok
        a = {p.name: p.read_bytes() for p in (work / "a").glob("*.csv")}
        b = {p.name: p.read_bytes() for p in (work / "b").glob("*.csv")}
        assert a == b
    finally:
        shutil.rmtree(work)
