"""The import's set-based history writer (`registry.interchange.history_sql`, PostgreSQL): the common history
shapes take it, any other history the Python writer, and both write the same subjects and 履歴 snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from lgcloud.areas.registry import engine_asof, invariants, references
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import death
from lgcloud.areas.registry.interchange import history_sql, writing
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.platform.interchange.importer import import_municipality
from tests.test_interchange_roundtrip import build_register, data_files

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based writer is PostgreSQL's")


def common_register() -> None:
    """Two households by 転入, then a death (the dead person and the new head touched twice)."""
    r = move_in(persons=[
        {"family_name": "岡田", "given_name": "一郎", "family_name_kana": "オカダ", "given_name_kana": "イチロウ",
         "birth_date": "1950-05-01", "sex": "male", "relationship": "世帯主", "individual_number": "123456789018"},
        {"family_name": "岡田", "given_name": "花子", "birth_date": "1953-01-01", "birth_date_precision": "year",
         "sex": "female", "relationship": "妻"},
        {"family_name": "岡田", "given_name": "太郎", "birth_date": "1980-02-29", "sex": "male", "relationship": "子"},
    ], address={"address": "埼玉県北足立郡伊奈町小室1"}, effective_on="2020-04-01", notified_on="2020-04-02",
                previous_address="東京都千代田区")
    move_in(persons=[{"family_name": "森", "given_name": "静", "birth_date": "1990-12-31", "sex": "female",
                      "relationship": "世帯主"}],
            address={"address": "埼玉県北足立郡伊奈町小室2"}, effective_on="2020-05-01", notified_on="2020-05-01",
            previous_address="東京都港区")
    head = next(p for p in r.persons if p.given_name == "一郎")
    death(person_no=head.person_no, death_date="2023-01-01", notified_on="2023-01-05",
          new_head_person_no=head.person_no + 1, relationships={head.person_no + 2: "子"})


def as_written(municipality_id: int) -> dict[str, Any]:
    """Subjects and snapshots in terms that do not depend on ids (異動 rank, 宛名番号, 世帯番号) nor on the import
    (the 個人番号's ciphertext: each import encrypts anew; its keyed hash is compared)."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT e.rank, p.person_no, h.household_no FROM registry_eventsubject s
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rank FROM registry_registryevent
                  WHERE municipality_id = %s) e ON e.id = s.event_id
            LEFT JOIN registry_person p ON p.id = s.person_id LEFT JOIN registry_household h ON h.id = s.household_id
            WHERE s.municipality_id = %s ORDER BY s.id""", [municipality_id, municipality_id])
        subjects = cur.fetchall()
        cur.execute("""
            SELECT e.rank, p.person_no, s.history_no, s.effective_on, h.household_no,
                   (s.data - 'household_id' - 'individual_number_enc')::text, s.data->>'household_id' = s.household_id_at::text
            FROM registry_personsnapshot s
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rank FROM registry_registryevent
                  WHERE municipality_id = %s) e ON e.id = s.event_id
            JOIN registry_person p ON p.id = s.person_id LEFT JOIN registry_household h ON h.id = s.household_id_at
            WHERE s.municipality_id = %s ORDER BY s.id""", [municipality_id, municipality_id])
        snapshots = cur.fetchall()
    return {"subjects": subjects, "snapshots": snapshots}


def import_into(folder: Path, municipality: Any, out: Path) -> tuple[str, dict[str, Any]]:
    """Import (replacing), check the register as `registry verify` does, export to `out`; which writer ran."""
    sql = mock.patch.object(history_sql, "write", wraps=history_sql.write)
    python = mock.patch.object(writing, "_write_history", wraps=writing._write_history)
    with sql as sql_spy, python as python_spy:
        result = import_municipality(folder, replace=True)
    assert result.written, result.problems[:5]
    assert engine_asof.verify_projection() == []
    assert invariants.verify_history() == [] and references.verify_references() == []
    assert export_municipality(out).ok
    assert sql_spy.call_count + python_spy.call_count == 1
    return ("sql" if sql_spy.called else "python"), as_written(municipality.pk)


def test_common_history_takes_the_set_based_writer_with_the_same_rows(muni_a, muni_b, as_municipality, tmp_path):
    with as_municipality(muni_a):
        common_register()
        assert export_municipality(tmp_path / "a").ok
    with as_municipality(muni_b):
        path, fast = import_into(tmp_path / "a", muni_b, tmp_path / "fast")
        assert path == "sql"
        with mock.patch.object(history_sql, "eligible", return_value=False):
            path, slow = import_into(tmp_path / "a", muni_b, tmp_path / "slow")
        assert path == "python"
    assert fast == slow
    assert len(fast["snapshots"]) == 4 + 2 + 1  # four 転入, the dead person and the new head, the son's 続柄
    assert data_files(tmp_path / "a") == data_files(tmp_path / "fast") == data_files(tmp_path / "slow")


def test_a_cancelled_event_takes_the_python_writer(muni_a, muni_b, as_municipality, tmp_path):
    with as_municipality(muni_a):
        build_register()  # a 転居 cancelled, a 職権修正, a death: not the common shapes
        assert export_municipality(tmp_path / "a").ok
    with as_municipality(muni_b):
        path, _rows = import_into(tmp_path / "a", muni_b, tmp_path / "b")
    assert path == "python"
    assert data_files(tmp_path / "a") == data_files(tmp_path / "b")
