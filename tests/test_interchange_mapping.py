"""The mapping language on vendor-style CP932 files (docs/mapping-language.md): one test per feature —
name split, per-row conditions, partly unknown dates, patterns and defaults in value tables, zero padding,
異動事由 into events, errors in the vendor's own file and line — and imported history standing on its dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lgcloud.areas.registry import engine_asof, invariants
from lgcloud.areas.registry.certificates.content import _partial
from lgcloud.areas.registry.display import date_item
from lgcloud.areas.registry.models import EventKind, Person, RegistryEvent
from lgcloud.platform.interchange.mapping import MappingError, load_mapping

HEADER = ["宛名番号", "世帯番号", "続柄", "氏名", "氏名カナ", "生年月日", "性別", "住民種別", "国籍", "在留区分", "英字氏名",
          "住所", "住所コード", "住民となった日", "状態", "消除事由", "消除日", "異動事由", "異動日"]
ROW = {"宛名番号": "101", "世帯番号": "501", "続柄": "01", "氏名": "小川　誠", "氏名カナ": "ｵｶﾞﾜ ﾏｺﾄ",
       "生年月日": "昭和45年7月1日", "性別": "1", "住民種別": "1", "国籍": "", "在留区分": "", "英字氏名": "",
       "住所": "埼玉県比企郡小川町大塚1", "住所コード": "00120", "住民となった日": "H31.4.30", "状態": "0", "消除事由": "",
       "消除日": "", "異動事由": "", "異動日": ""}
BASE = """
layout: registry
name: テスト社 住記CSV
file: JUMIN.CSV
encoding: cp932
columns:
  person_no: 宛名番号
  household_no: 世帯番号
  relationship: 続柄
  birth_date: 生年月日
  sex: 性別
  address: 住所
  became_resident_on: 住民となった日
  status: 状態
  removal_reason: 消除事由
  removed_on: 消除日
{columns}
split:
  - {{column: 氏名, into: [family_name, given_name]{no_space}}}
  - {{column: 氏名カナ, into: [family_name_kana, given_name_kana], no_space: first}}
values:
  relationship: {{"01": 世帯主, "02": 妻, "04": 子}}
  sex: {{"1": male, "2": female}}
  status: {{"0": resident, "1": removed}}
{values}
"""


def vendor(tmp_path: Path, rows: list[dict[str, str]], *, columns: str = "", values: str = "",
           no_space: str = "") -> tuple[Path, Path]:
    """A vendor folder with JUMIN.CSV (CP932, CRLF) and its mapping file."""
    folder = tmp_path / "vendor"
    folder.mkdir(exist_ok=True)
    lines = [",".join(HEADER)] + [",".join({**ROW, **r}[h] for h in HEADER) for r in rows]
    (folder / "JUMIN.CSV").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(BASE.format(columns=columns, values=values, no_space=no_space), encoding="utf-8")
    return folder, mapping


def run(muni: Any, folder: Path, mapping: Path) -> None:
    call_command("import", "--municipality", muni.code, str(folder), "--mapping", str(mapping))


def refused(muni: Any, folder: Path, mapping: Path) -> str:
    with pytest.raises(CommandError, match="何も登録していません"):
        run(muni, folder, mapping)
    return (folder / "import_errors.csv").read_text(encoding="utf-8-sig")


FAMILY = [{}, {"宛名番号": "102", "続柄": "02", "氏名": "小川 由美", "氏名カナ": "ｵｶﾞﾜ ﾕﾐ", "性別": "2"}]


def test_split_full_name_at_the_first_full_or_half_width_space(muni_a, as_municipality, tmp_path):
    rows = [*FAMILY, {"宛名番号": "103", "続柄": "04", "氏名": "小川 翔 太", "氏名カナ": "ｵｶﾞﾜｼｮｳﾀ"}]
    run(muni_a, *vendor(tmp_path, rows))
    with as_municipality(muni_a):
        names = {p.person_no: (p.family_name, p.given_name, p.family_name_kana, p.given_name_kana)
                 for p in Person.objects.all()}
    assert names[101] == ("小川", "誠", "オガワ", "マコト")
    assert names[102] == ("小川", "由美", "オガワ", "ユミ")
    assert names[103] == ("小川", "翔 太", "オガワショウタ", "")  # kana without a space: whole into 氏 (no_space: first)


def test_split_without_a_space_is_an_error_naming_file_line_and_column(muni_a, as_municipality, tmp_path):
    report = refused(muni_a, *vendor(tmp_path, [*FAMILY, {"宛名番号": "103", "続柄": "04", "氏名": "小川翔"}]))
    assert "JUMIN.CSV,4,氏名,小川翔,氏と名を区切る空白（全角または半角）がありません" in report
    with as_municipality(muni_a):
        assert Person.objects.count() == 0


FOREIGN_COLUMNS = """
  resident_type: 住民種別
  nationality: {column: 国籍, when: {column: 住民種別, equals: "2"}}
  foreign_category: {column: 在留区分, when: {column: 住民種別, equals: "2"}}
  alphabet_name: {column: 英字氏名, when: {column: 住民種別, equals: ["2"]}}
"""
FOREIGN_VALUES = """
  resident_type: {"1": japanese, "2": foreign}
  foreign_category: {"1": mid_long_term, "2": special_permanent}
"""
MARIA = {"宛名番号": "201", "世帯番号": "502", "氏名": "", "氏名カナ": "", "性別": "2", "住民種別": "２", "国籍": "フィリピン",
         "在留区分": "1", "英字氏名": "SANTOS MARIA"}


def test_condition_maps_foreign_items_only_for_foreign_residents(muni_a, as_municipality, tmp_path):
    # The vendor leaves a stale code in 国籍/在留区分 of a Japanese row: not mapped (the condition does not hold).
    rows = [{**ROW, "国籍": "日本", "在留区分": "9", "英字氏名": "OGAWA"}, MARIA]
    run(muni_a, *vendor(tmp_path, rows, columns=FOREIGN_COLUMNS, values=FOREIGN_VALUES))
    with as_municipality(muni_a):
        makoto, maria = Person.objects.get(person_no=101), Person.objects.get(person_no=201)
    assert (makoto.resident_type, makoto.nationality, makoto.foreign_category, makoto.alphabet_name) == (
        "japanese", "", "", "")
    assert (maria.resident_type, maria.nationality, maria.foreign_category, maria.alphabet_name) == (
        "foreign", "フィリピン", "mid_long_term", "SANTOS MARIA")


@pytest.mark.parametrize(("written", "value", "precision", "shown"), [
    ("昭和20年不詳", dt.date(1945, 1, 1), "year", "昭和20年月日不詳"),
    ("昭和20年5月不詳", dt.date(1945, 5, 1), "month", "昭和20年5月日不詳"),
    ("S20.05.00", dt.date(1945, 5, 1), "month", "昭和20年5月日不詳"),
    ("不詳", None, "unknown", "不詳"),
])
def test_partly_unknown_birth_date_into_precision(muni_a, as_municipality, tmp_path, written, value, precision, shown):
    run(muni_a, *vendor(tmp_path, [{"生年月日": written}]))
    with as_municipality(muni_a):
        p = Person.objects.get(person_no=101)
        state = engine_asof.person_as_of(p, dt.date.today())
    assert (p.birth_date, p.birth_date_precision) == (value, precision)
    assert date_item(state, "birth_date") == shown  # the screens
    assert _partial(p.birth_date, p.birth_date_precision) == shown  # the certificates


def test_partly_unknown_date_in_an_item_without_precision_is_an_error(muni_a, tmp_path):
    folder, mapping = vendor(tmp_path, [{"状態": "1", "消除事由": "転出", "消除日": "令和2年不詳"}])
    assert "JUMIN.CSV,2,消除日,令和2年不詳,この項目は一部不詳" in refused(muni_a, folder, mapping)


PATTERN_VALUES = """
  relationship:
    map: {"01": 世帯主, "02": 妻}
    patterns:
      - {match: "0[4-6]", value: 子}
      - {match: "1[0-9]", value: 子の子}
    default: 同居人
"""


def test_value_table_patterns_then_default(muni_a, as_municipality, tmp_path):
    rows = [*FAMILY, {"宛名番号": "103", "続柄": "05", "氏名": "小川 翔"}, {"宛名番号": "104", "続柄": "12", "氏名": "小川 陸"},
            {"宛名番号": "105", "続柄": "88", "氏名": "山田 一"}]
    folder, mapping = vendor(tmp_path, rows)
    mapping.write_text(mapping.read_text(encoding="utf-8").replace(
        '  relationship: {"01": 世帯主, "02": 妻, "04": 子}\n', PATTERN_VALUES), encoding="utf-8")
    run(muni_a, folder, mapping)
    with as_municipality(muni_a):
        rel = dict(Person.objects.values_list("person_no", "relationship"))
    assert rel == {101: "世帯主", 102: "妻", 103: "子", 104: "子の子", 105: "同居人"}


def test_value_without_entry_pattern_or_default_is_an_error(muni_a, tmp_path):
    report = refused(muni_a, *vendor(tmp_path, [*FAMILY, {"宛名番号": "103", "続柄": "07", "氏名": "小川 翔"}]))
    assert "JUMIN.CSV,4,続柄,07,この値は対応定義の「relationship」の対応表にありません" in report


def test_zero_padded_numbers_kept_as_text_and_restored(muni_a, as_municipality, tmp_path):
    columns = "  address_code: 住所コード\n  district: {column: 異動日, zero_pad: 3}\n  postal_code: {column: 異動事由, text: true}"
    rows = [{"住所コード": "００１２０", "異動日": "7", "異動事由": "0600001"},
            {**FAMILY[1], "住所コード": "00120", "異動日": "012", "異動事由": "0600001"}]
    run(muni_a, *vendor(tmp_path, rows, columns=columns))
    with as_municipality(muni_a):
        got = {p.person_no: (p.address_code, p.district, p.postal_code) for p in Person.objects.all()}
    assert got[101] == ("００１２０", "007", "0600001")  # text as written (a 文字 item is never a number)
    assert got[102] == ("00120", "012", "0600001")


COLUMNS = "columns: {person_no: 宛名番号, household_no: 世帯番号, relationship: 続柄, sex: 性別}\n"


@pytest.mark.parametrize(("body", "message"), [
    (COLUMNS + "split: [{column: 氏名, into: [family_name, given_name], no_space: maybe}]", "no_space は error"),
    (COLUMNS + "values: {sex: {patterns: [{match: '(', value: male}]}}", "正規表現"),
    ("columns: {person_no: {column: 宛名番号, zero_pad: 5}, household_no: 世帯番号, relationship: 続柄, sex: 性別}", "整数"),
    (COLUMNS + "split: [{column: 氏名, into: [family_name, given_name]}]\n"
               "columns_extra: 1\nconstants: {}\nvalues: {}\n", None),
])
def test_mapping_file_errors_name_the_mapping_file(tmp_path, body, message):
    path = tmp_path / "m.yaml"
    path.write_text("layout: registry\nname: x\nfile: x.csv\n" + body + "\n", encoding="utf-8")
    if message is None:
        assert load_mapping(path).columns["given_name"] == "氏名"
        return
    with pytest.raises(MappingError, match=f"対応定義ファイル m.yaml: .*{message}"):
        load_mapping(path)


def test_register_checks_report_the_vendor_file_line_and_column(muni_a, tmp_path):
    future = f"{dt.date.today().year + 1}年1月1日"
    report = refused(muni_a, *vendor(tmp_path, [*FAMILY, {"宛名番号": "103", "続柄": "04", "氏名": "小川 翔",
                                                        "生年月日": future}]))
    assert f"JUMIN.CSV,4,生年月日,{dt.date.today().year + 1}-01-01,生年月日が未来の日付です" in report
    assert "01_persons" not in report


def test_foreign_resident_without_nationality_or_category_is_refused(muni_a, as_municipality, tmp_path):
    rows = [ROW, {**MARIA, "国籍": ""}, {**MARIA, "宛名番号": "202", "世帯番号": "503", "在留区分": ""}]
    report = refused(muni_a, *vendor(tmp_path, rows, columns=FOREIGN_COLUMNS, values=FOREIGN_VALUES))
    assert "JUMIN.CSV,3,国籍,,外国人住民は国籍・地域が必須です" in report
    assert "JUMIN.CSV,4,在留区分,,外国人住民は外国人住民区分" in report
    with as_municipality(muni_a):
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0


def test_removed_without_date_or_reason_is_refused(muni_a, tmp_path):
    rows = [*FAMILY, {"宛名番号": "103", "続柄": "04", "氏名": "小川 翔", "状態": "1", "消除事由": "転出"},
            {"宛名番号": "104", "続柄": "04", "氏名": "小川 陸", "状態": "1", "消除日": "R7.4.1"}]
    report = refused(muni_a, *vendor(tmp_path, rows))
    assert "JUMIN.CSV,4,消除日,,除票は消除日が必須です" in report
    assert "JUMIN.CSV,5,消除事由,,除票は消除事由が必須です" in report


def test_imported_history_stands_on_its_dates(muni_a, as_municipality, tmp_path, capsys):
    """Item 12: resident from 住民となった年月日, a 除票 removed on its 消除日, for every as-of read."""
    rows = [*FAMILY,
            {"宛名番号": "103", "続柄": "04", "氏名": "小川 翔", "住民となった日": "H15.3.3", "状態": "1", "消除事由": "転出",
             "消除日": "R7.4.1"}]
    run(muni_a, *vendor(tmp_path, rows))
    with as_municipality(muni_a):
        def residents(on: dt.date) -> set[int]:
            return {s["person_no"] for s in engine_asof.register_as_of(on)}

        assert residents(dt.date(2019, 4, 29)) == {103}
        assert residents(dt.date(2019, 4, 30)) == {101, 102, 103}
        assert residents(dt.date(2025, 3, 31)) == {101, 102, 103}
        assert residents(dt.date(2025, 4, 1)) == {101, 102}
        sho = engine_asof.person_as_of(Person.objects.get(person_no=103), dt.date(2010, 1, 1))
        assert sho is not None and sho["status"] == "resident"
        assert engine_asof.verify_projection() == [] and invariants.verify_history() == []
    call_command("registry", "residents", "--municipality", muni_a.code, "--as-of", "2019-04-29")
    out = capsys.readouterr().out
    assert "103" in out and "101" not in out.replace("103", "")
    call_command("registry", "verify", "--municipality", muni_a.code)
    assert "OK" in capsys.readouterr().out


EVENT_COLUMNS = "  last_event_kind: 異動事由\n  last_event_on: 異動日"
EVENT_VALUES = """
  last_event_kind: {"01": move_in, "02": birth, "21": move_within, "31": move_out, "32": death}
"""


def test_moving_reason_column_gives_the_event_kinds(muni_a, as_municipality, tmp_path):
    rows = [{"異動事由": "01"},
            {**FAMILY[1], "異動事由": "21", "異動日": "R3.6.1"},
            {"宛名番号": "103", "続柄": "04", "氏名": "小川 翔", "生年月日": "R2.2.2", "住民となった日": "R2.2.2",
             "異動事由": "02"},
            {"宛名番号": "104", "続柄": "04", "氏名": "小川 陸", "住民となった日": "H31.4.30", "状態": "1",
             "消除事由": "死亡", "消除日": "R6.1.10", "異動事由": "32"},
            {"宛名番号": "105", "続柄": "04", "氏名": "小川 空", "住民となった日": "H31.4.30", "状態": "1",
             "消除事由": "転出", "消除日": "R6.3.1"}]
    run(muni_a, *vendor(tmp_path, rows, columns=EVENT_COLUMNS, values=EVENT_VALUES))
    with as_municipality(muni_a):
        kinds: dict[int, list[tuple[str, dt.date]]] = {}
        for ev in RegistryEvent.objects.order_by("effective_on", "id").prefetch_related("subjects__person"):
            for s in ev.subjects.all():
                if s.person_id:
                    kinds.setdefault(s.person.person_no, []).append((ev.kind, ev.effective_on))
        assert invariants.verify_history() == [] and engine_asof.verify_projection() == []
    assert kinds[101] == [(EventKind.MOVE_IN, dt.date(2019, 4, 30))]
    assert kinds[102] == [(EventKind.MIGRATION, dt.date(2019, 4, 30)), (EventKind.MOVE_WITHIN, dt.date(2021, 6, 1))]
    assert kinds[103] == [(EventKind.BIRTH, dt.date(2020, 2, 2))]
    assert kinds[104] == [(EventKind.MIGRATION, dt.date(2019, 4, 30)), (EventKind.DEATH, dt.date(2024, 1, 10))]
    assert kinds[105] == [(EventKind.MIGRATION, dt.date(2019, 4, 30)), (EventKind.MOVE_OUT, dt.date(2024, 3, 1))]


def test_moving_reason_that_contradicts_the_row_is_an_error(muni_a, tmp_path):
    rows = [{"異動事由": "31"}, {**FAMILY[1], "異動事由": "21"}, {"宛名番号": "103", "続柄": "04", "氏名": "小川 翔",
                                                            "異動事由": "99"},
            {"宛名番号": "104", "続柄": "04", "氏名": "小川 陸", "状態": "1", "消除事由": "転出", "消除日": "R6.3.1",
             "異動事由": "21", "異動日": "R6.4.1"},
            {"宛名番号": "105", "続柄": "04", "氏名": "小川 空", "住民となった日": "R30.1.1"}]
    report = refused(muni_a, *vendor(tmp_path, rows, columns=EVENT_COLUMNS, values=EVENT_VALUES))
    assert "JUMIN.CSV,2,異動事由,move_out,住民の異動事由が消除の異動（転出）です" in report
    assert "JUMIN.CSV,3,異動事由,move_within,異動事由「転居」には異動日が必要です" in report
    assert "JUMIN.CSV,4,異動事由,99,この値は対応定義の「last_event_kind」の対応表にありません" in report
    assert "JUMIN.CSV,5,異動事由,move_within,異動日（2024-04-01）が消除日より後です" in report
    assert "JUMIN.CSV,6,住民となった日,2048-01-01,住民となった年月日が未来の日付です" in report


def test_household_heads_follow_each_other_and_verify_stays_ok(muni_a, as_municipality, tmp_path):
    """A 除票 世帯主 who died, his wife 世帯主 now, a child resident before either: one head on every day, and
    every as-of read (public interface, lists, search) answers from the files' dates."""
    from lgcloud.areas.registry import as_of_lists, public, search

    rows = [{"状態": "1", "消除事由": "死亡", "消除日": "R6.1.10", "住民となった日": "H10.4.1"},
            {"宛名番号": "102", "続柄": "01", "氏名": "小川 由美", "性別": "2", "住民となった日": "H12.5.5"},
            {"宛名番号": "103", "続柄": "04", "氏名": "小川 翔", "住民となった日": "H5.1.1"}]
    run(muni_a, *vendor(tmp_path, rows))
    with as_municipality(muni_a):
        assert invariants.verify_history() == [] and engine_asof.verify_projection() == []

        def heads(on: dt.date) -> list[tuple[int, bool]]:
            return [(v.person_no, v.is_head) for v in public.household_members(501, on)]

        assert heads(dt.date(1995, 1, 1)) == []  # 翔 resident, but nobody headed 501 yet: no household then
        assert heads(dt.date(2005, 1, 1)) == [(101, True), (102, False), (103, False)]
        assert heads(dt.date(2024, 1, 10)) == [(102, True), (103, False)]
        assert {v.person_no for v in public.residents_as_of(dt.date(1995, 1, 1))} == {103}
        removed = as_of_lists.list_as_of(dt.date(2024, 2, 1), status="removed")
        assert [r["person_no"] for r in removed.rows] == [101]
        assert as_of_lists.list_as_of(dt.date(2024, 1, 9), status="removed").rows == []
        found = as_of_lists.search_as_of(search.SearchQuery(name="小川"), dt.date(1999, 1, 1))
        assert [r["person_no"] for r in found.rows] == [101, 103]  # 由美 from H12 only


def test_rules_without_a_file():
    """The pure parts: partial dates as written, and a pattern's value built from its groups."""
    from lgcloud.platform.interchange.mapping_rules import RuleError, parse_partial_date, parse_table

    assert parse_partial_date("1945年不詳") == (dt.date(1945, 1, 1), "year")
    assert parse_partial_date("19450000") == (dt.date(1945, 1, 1), "year")
    assert parse_partial_date("昭和２０年頃") == (dt.date(1945, 1, 1), "approx")
    assert parse_partial_date("年月日不詳") == (None, "unknown")
    assert parse_partial_date("昭和20年5月1日") is None  # a full date: read as one
    with pytest.raises(RuleError, match="元号の期間"):
        parse_partial_date("昭和99年不詳")
    with pytest.raises(RuleError, match="読み取れません"):
        parse_partial_date("昭和の頃不詳")
    table = parse_table("postal_code", {"patterns": [{"match": "([0-9]{3})-?([0-9]{4})", "value": "\\1-\\2"}]})
    assert table.lookup("3550328") == "355-0328"
    with pytest.raises(KeyError):
        table.lookup("355")


def test_partly_unknown_birth_date_on_the_person_screen(muni_a, staff_of, tmp_path):
    from lgcloud.platform.accounts.roles import Role
    from tests.conftest import logged_in

    run(muni_a, *vendor(tmp_path, [{"生年月日": "昭和20年不詳"}]))
    page = logged_in(staff_of[Role.COUNTER_CLERK]).get("/registry/persons/101/")
    assert page.status_code == 200
    assert "昭和20年月日不詳" in page.content.decode()


def test_standard_layout_without_history_stands_on_its_dates(muni_a, muni_b, as_municipality, tmp_path):
    """The same for the standard layout imported without its 異動履歴 file (05_events.csv)."""
    from lgcloud.platform.interchange.export import export_municipality
    from lgcloud.platform.interchange.importer import import_municipality
    from tests.test_interchange_roundtrip import build_register

    with as_municipality(muni_a):
        build_register()
        export_municipality(tmp_path / "a")
    (tmp_path / "a" / "05_events.csv").unlink()
    with as_municipality(muni_b):
        result = import_municipality(tmp_path / "a")
        assert result.written, result.problems
        ken = Person.objects.get(given_name="健一")
        assert ken.status == "removed" and ken.removed_on is not None

        def residents(on: dt.date) -> set[str]:
            return {s["given_name"] or s["alphabet_name"] for s in engine_asof.register_as_of(on)}

        assert residents(dt.date(2020, 3, 31)) == set()
        assert residents(dt.date(2020, 4, 1)) == {"健一", "和子", "NGUYEN VAN AN"}
        assert residents(ken.removed_on) == {"和子", "NGUYEN VAN AN"}
        assert invariants.verify_history() == [] and engine_asof.verify_projection() == []


def test_standard_layout_without_history_refuses_a_removed_person_without_date(muni_a, muni_b, as_municipality,
                                                                               tmp_path):
    """Without 05_events.csv a 除票 needs its 消除日 (with the history, the events say when: a person whose only
    異動 was cancelled is a 除票 without one, and imports with its history)."""
    import csv

    from lgcloud.platform.interchange.export import export_municipality
    from lgcloud.platform.interchange.importer import import_municipality
    from tests.test_interchange_roundtrip import build_register

    with as_municipality(muni_a):
        build_register()
        export_municipality(tmp_path / "a")
    (tmp_path / "a" / "05_events.csv").unlink()
    path = tmp_path / "a" / "02_removed.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    rows[1][rows[0].index("消除日")] = ""
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    with as_municipality(muni_b):
        result = import_municipality(tmp_path / "a")
    assert not result.written
    assert [(p.file, p.line, p.item, p.reason) for p in result.problems] == [
        ("02_removed.csv", 2, "消除日", "除票は消除日が必須です")]

