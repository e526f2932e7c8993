"""The import holds a member's files compactly (issue 13 item 4, peak memory): `CompactRow` reads like the dict it was
made from, and the codec reads a file as a stream — the same rows and the same problems as reading it whole."""

from __future__ import annotations

import codecs
from pathlib import Path

from lgcloud.platform.interchange import codec
from lgcloud.platform.interchange.adapters import layout as standard_layout
from lgcloud.platform.interchange.codec import Problem, read_file
from lgcloud.platform.interchange.compact import CompactRow, pairs, pick


def test_compact_row_reads_like_its_dict() -> None:
    source = {"a": 1, "b": None, "c": "x"}
    strings: dict[str, str] = {}
    row = CompactRow(source, strings)
    assert dict(row) == source and {**row} == source and list(row) == ["a", "b", "c"] and len(row) == 3
    assert row["a"] == 1 and row.get("b") is None and row.get("z", 5) == 5 and "c" in row and "z" not in row
    assert list(pairs(row)) == list(source.items()) and list(pairs(source)) == list(source.items())
    assert pick(row, ["c", "z", "a"]) == {"c": "x", "a": 1} == pick(source, ["c", "z", "a"])
    row["b"] = 2
    row["d"] = 4  # a new item: a wider shape, the others unchanged
    assert dict(row) == {"a": 1, "b": 2, "c": "x", "d": 4}
    assert row.setdefault("e", 5) == 5 and row.setdefault("a", 9) == 1
    del row["c"]
    assert dict(row) == {"a": 1, "b": 2, "d": 4, "e": 5}
    assert CompactRow({"a": 1, "b": 2, "c": "x"}) == source | {"b": 2}
    # Equal texts held once per memo.
    other = CompactRow({"k": "".join(["x"])}, strings)
    assert other["k"] is row.get("zz", strings["x"])


def _read(path: Path, encoding: str = "utf-8") -> tuple[list[tuple[int, dict]], list[Problem]]:
    layout = standard_layout("registry")
    problems: list[Problem] = []
    rows = list(read_file(layout, layout.file("households"), path, encoding, problems))
    return rows, problems


def test_streamed_read_matches_whole_file_semantics(tmp_path: Path, monkeypatch) -> None:
    layout = standard_layout("registry")
    fdef = layout.file("households")
    header = ",".join(fdef.header)
    blank = [""] * len(fdef.header)

    def line(no: int, address: str) -> str:
        values = list(blank)
        values[fdef.header.index("世帯番号")] = str(no)
        values[fdef.header.index("住所")] = address
        values[fdef.header.index("世帯状態")] = "1"
        return ",".join(values)

    body = "\r\n".join([header, line(1, '"埼玉県\r\n伊奈町"'), line(2, "埼玉県伊奈町"), ""])
    path = tmp_path / fdef.file
    path.write_bytes(codecs.BOM_UTF8 + body.encode("utf-8"))
    monkeypatch.setattr(codec, "_CHUNK", 7)  # chunks that split characters and lines
    rows, problems = _read(path)
    assert [n for n, _r in rows] == [3, 4]  # a quoted line break counts as a line, as before
    assert rows[0][1]["address"] == "埼玉県\r\n伊奈町" and rows[1][1]["household_no"] == 2

    # cp932, and bytes it cannot read: the problem names the line, nothing is given.
    path.write_bytes(body.encode("cp932"))
    assert _read(path, "cp932")[0][1][1]["address"] == "埼玉県伊奈町"
    path.write_bytes(body.encode("utf-8") + b"\xff\xfe,\r\n")
    rows, problems = _read(path)
    assert rows == [] and problems[0].line == 5 and "読めないバイト列" in problems[0].reason

    # The last line without its line break: refused, with the line number.
    path.write_bytes(body.rstrip("\r\n").encode("utf-8"))
    rows, problems = _read(path)
    assert rows == [] and problems[0].line == 4 and "改行で終わっていません" in problems[0].reason


def test_history_check_in_parts_reports_as_in_one(muni_a, muni_b, as_municipality, tmp_path, monkeypatch) -> None:
    """The history check folds a large member's records in parts (`history.FOLD_PART`): the same problems, in the
    files' order, as folding them all at once."""
    from lgcloud.areas.registry.interchange import history
    from lgcloud.platform.interchange.export import export_municipality
    from lgcloud.platform.interchange.importer import import_municipality
    from tests.test_interchange_roundtrip import build_register

    folder = tmp_path / "files"
    with as_municipality(muni_a):
        build_register()
        assert export_municipality(folder).ok
    # Every 氏 of a person and 住所 of a household differs from what the history gives: a problem each.
    for file, item in (("01_persons.csv", "氏"), ("02_removed.csv", "氏"), ("03_households.csv", "住所")):
        path = folder / file
        lines = path.read_bytes().decode("utf-8").split("\r\n")
        column = lines[0].split(",").index(item)
        edited = [lines[0]]
        for text in lines[1:]:
            fields = text.split(",")
            if len(fields) > column and fields[column]:
                fields[column] += "違"
            edited.append(",".join(fields))
        path.write_bytes("\r\n".join(edited).encode("utf-8"))
    with as_municipality(muni_b):
        whole = import_municipality(folder, dry_run=True).problems
        monkeypatch.setattr(history, "FOLD_PART", 1)  # every record a part of its own
        parted = import_municipality(folder, dry_run=True).problems
    assert len(whole) >= 2 and all("一致しません" in p.reason for p in whole)
    assert [p.as_row() for p in parted] == [p.as_row() for p in whole]
