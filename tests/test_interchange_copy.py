"""The export's PostgreSQL path (COPY with the formatting in SQL) writes byte-for-byte what the codec writes."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.models import Person, RegistryEvent
from lgcloud.platform.interchange import copy_export
from lgcloud.platform.interchange import export as export_module
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.test_interchange_roundtrip import build_register, data_files

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="PostgreSQL only (the COPY path)")


def both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **kwargs) -> tuple[dict[str, bytes], dict[str, bytes]]:
    calls: list[str] = []
    real = export_module.copy_file

    def counted(layout, fdef, *args, **kw):
        calls.append(fdef.code)
        return real(layout, fdef, *args, **kw)

    with monkeypatch.context() as m:
        m.setattr(export_module, "copy_file", counted)
        fast = export_municipality(tmp_path / "sql", **kwargs)
    assert fast.ok, fast.problems
    assert "persons" in calls and "events" in calls  # the files did go through COPY
    with monkeypatch.context() as m:
        m.setattr(copy_export, "available", lambda: False)
        slow = export_municipality(tmp_path / "python", **kwargs)
    assert slow.ok, slow.problems
    assert fast.files == slow.files  # rows and SHA-256 in the manifest
    return data_files(tmp_path / "sql"), data_files(tmp_path / "python")


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_copy_export_is_byte_identical_to_the_codec(in_a, tmp_path, monkeypatch, encoding):
    build_register()
    # Values that need CSV quoting or are easily formatted differently: a comma, a quote, a line break in a
    # note, an empty string beside a NULL, benefits as JSON, a 個人番号, an unknown birth date.
    extra = move_in(persons=[{"family_name": "山田", "given_name": "太郎", "birth_date_precision": "unknown",
                              "sex": "male", "relationship": "世帯主", "individual_number": "123456789018"}],
                    address={"address": '伊奈町小室1,2"A"', "address_extra": "コーポ 101"},
                    effective_on="2021-04-01", notified_on="2021-04-02", previous_address="東京都")
    Person.objects.filter(pk=extra.persons[0].pk).update(
        notes="一行目\r\n二行目, \"引用\"\n三行目\r", benefits={"nhi": {"since": "2021-04-01", "番号": 1}, "a": [1, 2], "n": 123456789012345678901234})
    # The events' JSON is written by orjson where it agrees with json.dumps: keys of every kind of character,
    # escapes, and floats (which orjson writes differently: those events go through json.dumps).
    event = RegistryEvent.objects.order_by("-id").first()
    changes = event.changes
    wide = {"𠮷": "\u2028"} if encoding == "utf-8" else {}  # characters CP932 lacks
    changes[-1]["set"]["benefits"] = {"b": 1, "B": [True, None], "あ": "改行\n\t\x01\"\\", "ｱ": {"z": 1, "a": 2},
                                      "a": -12345678901234, **wide}
    big = RegistryEvent.objects.exclude(pk=event.pk).order_by("-id").first()
    big_changes = big.changes
    big_changes[0]["set"]["benefits"] = {"huge": 123456789012345678901234}  # orjson reads it as a float
    RegistryEvent.objects.filter(pk=big.pk).update(changes=big_changes)
    floats = RegistryEvent.objects.exclude(pk__in=[event.pk, big.pk]).order_by("id").first()
    float_changes = floats.changes
    float_changes[0]["set"]["benefits"] = {"rate": 0.1, "big": 1e16, "small": 1.5e-7, "one": 1.0}
    RegistryEvent.objects.filter(pk=event.pk).update(changes=changes)
    RegistryEvent.objects.filter(pk=floats.pk).update(changes=float_changes)
    sql, python = both_ways(tmp_path, monkeypatch, encoding=encoding, include_sensitive=True, purpose="移行試験")
    assert sql == python
    assert len(sql) == 7
    assert b":1.5e-07}" in sql["05_events.csv"]  # json.dumps; orjson would write 1.5e-7
    assert b":123456789012345678901234}" in sql["05_events.csv"]
    assert "\"一行目\r\n二行目, \"\"引用\"\"\n三行目\r\"".encode(encoding) in sql["01_persons.csv"]


def test_a_value_the_encoding_lacks_falls_back_to_the_codecs_report(in_a, tmp_path):
    move_in(persons=[{"family_name": "𠮷田", "given_name": "花", "birth_date": "1990-01-01", "sex": "female",
                      "relationship": "世帯主"}],
            address={"address": "伊奈町1"}, effective_on="2020-04-01", notified_on="2020-04-01", previous_address="東京都")
    result = export_municipality(tmp_path, encoding="cp932")
    assert not result.ok
    assert {(p.file, p.line, p.item) for p in result.problems} >= {("01_persons.csv", 2, "氏")}
    assert not list(tmp_path.glob("*.csv")) and not list(tmp_path.glob(".*"))


@pytest.mark.django_db(transaction=True)
def test_the_files_of_an_export_come_from_one_snapshot(muni_a, tmp_path, monkeypatch):
    """A 転入 committed by another connection while the export is between its files is in none of them."""
    actor = Actor("test", "system", "system")
    with municipality_scope(muni_a, actor):
        build_register()
        events_before = RegistryEvent.objects.count()
    real = export_module.copy_file
    isolation: list[str] = []

    def concurrent_move_in() -> None:
        try:
            with municipality_scope(muni_a, actor):
                move_in(persons=[{"family_name": "並行", "given_name": "一", "birth_date": "1990-01-01", "sex": "male",
                                  "relationship": "世帯主"}],
                        address={"address": "伊奈町2"}, effective_on="2024-04-01", notified_on="2024-04-01",
                        previous_address="東京都")
        finally:
            connections.close_all()

    def between_files(layout, fdef, *args, **kw):
        if fdef.code == "events":  # the persons are written: another clerk's 転入 commits now
            with connection.cursor() as cursor:
                cursor.execute("SHOW transaction_isolation")
                isolation.append(cursor.fetchone()[0])
            worker = threading.Thread(target=concurrent_move_in)
            worker.start()
            worker.join()
        return real(layout, fdef, *args, **kw)

    monkeypatch.setattr(export_module, "copy_file", between_files)
    with municipality_scope(muni_a, actor):
        result = export_municipality(tmp_path)
        assert result.ok
        assert RegistryEvent.objects.count() == events_before + 1  # the 転入 did commit
    assert result.files["05_events.csv"]["rows"] == events_before
    assert isolation == ["repeatable read"]
    assert "並行".encode() not in (tmp_path / "01_persons.csv").read_bytes()
