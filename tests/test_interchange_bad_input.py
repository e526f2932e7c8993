"""Bad files get a report (file, line, item, value, reason), a non-zero exit, and nothing written."""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lgcloud.areas.registry.models import Person, RegistryEvent
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.platform.interchange.importer import import_municipality
from tests.test_interchange_roundtrip import build_register


@pytest.fixture
def exported(muni_a, as_municipality, tmp_path_factory):
    folder = tmp_path_factory.mktemp("good")
    with as_municipality(muni_a):
        build_register()
        assert export_municipality(folder).ok
    return folder


def _broken(exported: Path, tmp_path: Path, file: str, edit) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(exported, folder)
    path = folder / file
    path.write_bytes(edit(path.read_bytes()))
    return folder


def _set_item(text: str, item: str, value: str) -> str:
    """The item of the first record that has one set to value."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    column = rows[0].index(item)
    next(row for row in rows[1:] if row[column])[column] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _utf8(fn):
    return lambda b: fn(b.decode("utf-8")).encode("utf-8")


CASES = {
    "truncated": ("01_persons.csv", lambda b: b[: len(b) - 7], "途中で切れて"),
    "wrong encoding": ("01_persons.csv", lambda b: b.decode("utf-8").encode("utf-16"), "文字コード"),
    "missing column": ("03_households.csv", _utf8(lambda t: t.replace("方書,", "", 1)), "必要な項目がありません"),
    "unknown code": ("01_persons.csv", _utf8(lambda t: t.replace(",1,1,", ",7,1,", 1)), "コード表"),
    "duplicate key": ("04_memberships.csv", _utf8(lambda t: t + t.splitlines()[1] + "\r\n"), "重複"),
    "household without head": ("04_memberships.csv", _utf8(lambda t: t.replace(",世帯主,", ",同居人,")), "世帯主"),
    "too many fields": ("03_households.csv", _utf8(lambda t: t.replace("\r\n", ",余分\r\n", 2).replace(",余分", "", 1)),
                        "項目の数"),
    "bad relationship": ("04_memberships.csv", _utf8(lambda t: t.replace(",同居人,", ",孫,")), "続柄"),
    "history disagrees": ("01_persons.csv", _utf8(lambda t: t.replace("和子", "和美")), "一致しません"),
    # The history check's shortcuts for blanks and dates (`history.check_history`) still see a difference.
    "history disagrees on a date": ("01_persons.csv", _utf8(lambda t: _set_item(t, "在留期間満了日", "20260401")),
                                    "再構成した「stay_expires_on」"),
    "history disagrees on a blank": ("01_persons.csv", _utf8(lambda t: _set_item(t, "在留カード等番号", "")),
                                     "再構成した「residence_card_number」"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_reported_and_nothing_written(exported, muni_b, as_municipality, tmp_path, case):
    file, edit, reason = CASES[case]
    folder = _broken(exported, tmp_path, file, edit)
    report = tmp_path / "report.csv"
    with pytest.raises(CommandError, match="何も登録していません"):
        call_command("import", "--municipality", muni_b.code, str(folder), "--report", str(report))
    text = report.read_text(encoding="utf-8-sig")
    assert reason in text, text
    with as_municipality(muni_b):
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0


def test_a_two_gigabyte_file_is_refused_without_reading_it(exported, muni_b, as_municipality, tmp_path):
    folder = tmp_path / "huge"
    shutil.copytree(exported, folder)
    with (folder / "05_events.csv").open("r+b") as f:
        f.truncate(2 * 1024**3)  # sparse: takes no disk
    with as_municipality(muni_b):
        result = import_municipality(folder)
        assert any("大きすぎます" in p.reason for p in result.problems)
        assert Person.objects.count() == 0
    os.remove(folder / "05_events.csv")


def test_existing_register_is_kept_unless_replace(exported, muni_b, as_municipality):
    with as_municipality(muni_b):
        assert import_municipality(exported).written
        with pytest.raises(Exception, match="--replace"):
            import_municipality(exported)
        result = import_municipality(exported, replace=True)
        assert result.written and Person.objects.count() == 3


def test_replace_deletes_the_old_register_a_part_at_a_time(exported, muni_b, as_municipality, monkeypatch):
    """--replace on a large register: no DELETE (nor the delete collector's lookups of related tables) carries one
    parameter per record — psycopg refuses more than 65,535 — the register is deleted `DELETE_PART` records at a time."""
    from django.db import connection

    from lgcloud.areas.registry.interchange import writing

    monkeypatch.setattr(writing, "DELETE_PART", 1)
    widest: list[int] = []

    def spy(execute, sql, params, many, context):
        if not many and sql.lstrip().upper().startswith(("DELETE", "SELECT")) and "registry_" in sql:
            widest.append(len(params or ()))
        return execute(sql, params, many, context)

    with as_municipality(muni_b):
        assert import_municipality(exported).written
        old = set(Person.objects.values_list("pk", flat=True))
        assert len(old) == 3 and RegistryEvent.objects.count() > 1
        with connection.execute_wrapper(spy):
            writing.clear_register()
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0
        assert max(widest) <= 3, widest  # one record's id, the municipality, at most one more
        result = import_municipality(exported, replace=True)
        assert result.written and Person.objects.count() == 3


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_files_never_crash_or_half_write(exported, muni_b, as_municipality, tmp_path, data):
    files = sorted(p.name for p in exported.glob("*.csv"))
    name = data.draw(st.sampled_from(files))
    raw = (exported / name).read_bytes()
    op = data.draw(st.sampled_from(["flip", "cut", "insert", "dup_line"]))
    pos = data.draw(st.integers(0, max(len(raw) - 1, 0)))
    if op == "flip":
        mutated = raw[:pos] + bytes([raw[pos] ^ data.draw(st.integers(1, 255))]) + raw[pos + 1:]
    elif op == "cut":
        mutated = raw[:pos]
    elif op == "insert":
        mutated = raw[:pos] + data.draw(st.binary(min_size=1, max_size=20)) + raw[pos:]
    else:
        lines = raw.split(b"\r\n")
        mutated = b"\r\n".join(lines + lines[1:2])
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "files"
    shutil.copytree(exported, folder)
    (folder / name).write_bytes(mutated)
    with as_municipality(muni_b):
        before = Person.objects.count()
        try:
            result = import_municipality(folder, replace=True)
        except Exception as e:  # only the platform's own user-facing errors may surface
            from lgcloud.platform.common.errors import LgcloudError

            assert isinstance(e, LgcloudError), repr(e)
            assert Person.objects.count() == before
            return
        if not result.written:
            assert Person.objects.count() == before
            assert result.problems
