"""Export → import into an empty municipality → export gives byte-identical data files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lgcloud.areas.registry import engine_asof, invariants, references, restrictions
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.cancel import cancel_event
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.person import correct
from lgcloud.areas.registry.actions.removal import death
from lgcloud.areas.registry.models import EventKind, Person
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.platform.interchange.importer import import_municipality


def build_register() -> None:
    r = move_in(
        persons=[
            {"family_name": "渡邉", "given_name": "健", "family_name_kana": "ワタナベ", "given_name_kana": "ケン",
             "birth_date": "1950-05-00".replace("-00", "-01"), "birth_date_precision": "month", "sex": "male",
             "relationship": "世帯主", "individual_number": "123456789018", "registered_domicile": "埼玉県伊奈町小室1",
             "domicile_head": "渡邉　健", "resident_code": "12345678901"},
            {"family_name": "渡邉", "given_name": "和子", "birth_date": "1952-01-01", "birth_date_precision": "approx",
             "sex": "female", "relationship": "妻"},
            {"alphabet_name": "NGUYEN VAN AN", "resident_type": "foreign", "nationality": "ベトナム",
             "foreign_category": "mid_long_term", "residence_status": "技能実習", "period_of_stay": "1年",
             "stay_expires_on": "2026-03-31", "residence_card_number": "AB12345678CD", "birth_date": "2000-02-29",
             "sex": "male", "relationship": "同居人"},
        ],
        address={"address": "埼玉県北足立郡伊奈町小室" + "一" * 20, "address_extra": "方書" * 40},
        effective_on="2020-04-01", notified_on="2020-04-02", previous_address="ベトナム社会主義共和国")
    hh = r.households[0]
    ken = next(p for p in r.persons if p.given_name == "健")
    move_within(household_no=hh.household_no, address={"address": "伊奈町内宿台1"},
                         effective_on="2021-04-01", notified_on="2021-04-02")
    wrong = move_within(household_no=hh.household_no, address={"address": "伊奈町羽貫2"},
                                 effective_on="2021-06-01", notified_on="2021-06-01")
    cancel_event(event_id=wrong.event.pk, reason="入力誤り")
    correct(kind=EventKind.CLERICAL_CORRECTION, person_no=ken.person_no, items={"given_name": "健一"},
                     reason="届出書の照合", corrects_event_id=r.event.pk)
    death(person_no=ken.person_no, death_date="2023-01-01", death_date_precision="month",
                   notified_on="2023-02-01", new_head_person_no=ken.person_no + 1,
                   relationships={ken.person_no + 2: "同居人"})
    restrictions.register_support_measure(applicant_person_no=ken.person_no + 1, starts_on=dt.date(2024, 4, 1),
                                           offender_name="某氏", offender_other_names="旧姓某氏\nボウシ")
    restrictions.set_restriction(action="issue", mode="alert", starts_on=dt.date(2024, 1, 1), reason="確認",
                                 person_no=ken.person_no + 2)


def data_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_round_trip_is_byte_identical(muni_a, muni_b, as_municipality, tmp_path, encoding):
    with as_municipality(muni_a):
        build_register()
        first = export_municipality(tmp_path / "a", encoding=encoding, include_sensitive=True, purpose="移行試験")
        assert first.ok, first.problems
    with as_municipality(muni_b):
        result = import_municipality(tmp_path / "a", encoding=encoding, include_sensitive=True, purpose="移行試験")
        assert result.ok, result.problems[:5]
        assert engine_asof.verify_projection() == []
        assert invariants.verify_history() == [] and references.verify_references() == []  # all of registry verify
        second = export_municipality(tmp_path / "b", encoding=encoding, include_sensitive=True, purpose="移行試験")
        assert second.ok
        assert Person.objects.get(person_no=1).history_no >= 3
    assert data_files(tmp_path / "a") == data_files(tmp_path / "b")
    assert len(data_files(tmp_path / "a")) == 7


def test_cp932_unrepresentable_value_is_reported_not_replaced(in_a, tmp_path):
    move_in(persons=[{"family_name": "𠮷田", "given_name": "花", "birth_date": "1990-01-01",
                               "sex": "female", "relationship": "世帯主"}],
                     address={"address": "伊奈町1"}, effective_on="2020-04-01", notified_on="2020-04-01",
                     previous_address="東京都")
    result = export_municipality(tmp_path, encoding="cp932")
    assert not result.ok
    assert {(p.file, p.line, p.item) for p in result.problems} >= {("01_persons.csv", 2, "氏")}
    assert not list(tmp_path.glob("*.csv"))


def test_a_cp932_export_imports_without_encoding(muni_a, muni_b, as_municipality, tmp_path, capsys):
    """`lgcloud import` reads the encoding from the export's manifest.json; without one it assumes UTF-8."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with as_municipality(muni_a):
        build_register()
    call_command("export", "--municipality", muni_a.code, "--out", str(tmp_path / "a"), "--encoding", "cp932")
    assert "渡邉".encode("cp932") in (tmp_path / "a" / "01_persons.csv").read_bytes()
    call_command("import", "--municipality", muni_b.code, str(tmp_path / "a"))
    assert "取り込みました" in capsys.readouterr().out
    with as_municipality(muni_b):
        assert Person.objects.filter(family_name="渡邉").count() == 2
    (tmp_path / "a" / "manifest.json").unlink()
    with pytest.raises(CommandError, match="何も登録していません"):
        call_command("import", "--municipality", muni_b.code, str(tmp_path / "a"), "--replace",
                     "--report", str(tmp_path / "report.csv"))
    assert "文字コード" in (tmp_path / "report.csv").read_text(encoding="utf-8-sig")


def test_cancelled_move_in_round_trips(muni_a, muni_b, as_municipality, tmp_path):
    """A person whose only 記載 (a 転入) was cancelled is exported as the register holds it (a 除票 with the
    items it never had left empty); the import takes it back and the second export is byte-identical."""
    with as_municipality(muni_a):
        build_register()
        r = move_in(persons=[{"family_name": "佐藤", "given_name": "誤", "birth_date": "1990-01-01", "sex": "female",
                              "relationship": "世帯主"}],
                    address={"address": "伊奈町小針新宿1"}, effective_on="2024-05-01", notified_on="2024-05-01",
                    previous_address="東京都")
        cancel_event(event_id=r.event.pk, reason="届出人違い")
        assert engine_asof.verify_projection() == []
        first = export_municipality(tmp_path / "a", include_sensitive=True, purpose="移行試験")
        assert first.ok, first.problems
    with as_municipality(muni_b):
        result = import_municipality(tmp_path / "a", include_sensitive=True, purpose="移行試験")
        assert result.ok, result.problems[:5]
        assert engine_asof.verify_projection() == []
        cancelled = Person.objects.get(person_no=r.persons[0].person_no)
        assert cancelled.status == "removed"
        second = export_municipality(tmp_path / "b", include_sensitive=True, purpose="移行試験")
        assert second.ok, second.problems
    assert data_files(tmp_path / "a") == data_files(tmp_path / "b")
    # A blank required item is still refused on a record a live 異動 made (here the 除票 of the deceased).
    removed = tmp_path / "a" / "02_removed.csv"
    removed.write_text(removed.read_text(encoding="utf-8").replace(",19500500,1,1,", ",19500500,1,,"), encoding="utf-8")
    with as_municipality(muni_b):
        refused = import_municipality(tmp_path / "a", dry_run=True, include_sensitive=True, purpose="移行試験")
    assert [(p.file, p.line, p.reason) for p in refused.problems] == [("02_removed.csv", 2, "性別は必須です")]
