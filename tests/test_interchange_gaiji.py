"""外字 in imports (issue 15, item 9): a private-use character (CP932 F040 → U+E000) is reported by file, line and
item and refused, unless a 外字 table from the vendor maps it (docs/gaiji.md): to a standard character, a
character with an IVS selector, or an MJ identifier resolved through IPAmj明朝. The table is applied before
validation, named by the command (--gaiji-map), the vendor mapping (gaiji_map:) or the manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lgcloud.areas.registry.models import Person
from lgcloud.platform.common import glyphs
from lgcloud.platform.interchange.gaiji import GaijiMapError, load_gaiji_map
from lgcloud.platform.interchange.importer import import_municipality
from tests.test_interchange_bad_input import exported  # noqa: F401  (fixture)

MAPPINGS = Path(__file__).resolve().parents[1] / "src" / "lgcloud" / "platform" / "interchange" / "mappings"
IVS_KATSU = "葛\U000E0100"
needs_font = pytest.mark.skipif(not glyphs.IPAMJ.is_file(), reason="fonts-ipamj-mincho")


def _vendor_with_gaiji(tmp_path: Path) -> Path:
    """Vendor A's CP932 file with 外字 in 氏名漢字（名） of line 3 (F040) and in 住所 of line 2 (F041)."""
    folder = tmp_path / "vendor_a"
    shutil.copytree(MAPPINGS / "samples" / "vendor_a", folder)
    path = folder / "JUMIN_A.CSV"
    lines = path.read_bytes().split(b"\r\n") if b"\r\n" in path.read_bytes() else path.read_bytes().split(b"\n")
    sep = b"\r\n" if b"\r\n" in path.read_bytes() else b"\n"
    lines[1] = lines[1].replace("大塚".encode("cp932"), b"\xf0\x41" + "塚".encode("cp932"), 1)
    lines[2] = lines[2].replace("由美".encode("cp932"), "由".encode("cp932") + b"\xf0\x40", 1)
    path.write_bytes(sep.join(lines))
    return folder


def _table(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "gaiji.csv"
    path.write_text("外字コード,文字,MJ文字図形名,備考\n" + rows, encoding="utf-8")
    return path


def _import_a(muni_a, folder: Path, *extra: str) -> None:
    call_command("import", "--municipality", muni_a.code, str(folder), "--mapping", str(MAPPINGS / "vendor_a.yaml"),
                 *extra)


def test_private_use_refused_by_file_line_and_item(muni_a, as_municipality, tmp_path):
    folder = _vendor_with_gaiji(tmp_path)
    with pytest.raises(CommandError, match="何も登録していません"):
        _import_a(muni_a, folder)
    report = (folder / "import_errors.csv").read_text(encoding="utf-8-sig")
    assert "JUMIN_A.CSV,3,氏名漢字（名）,由\ue000,外字（私用領域の文字 U+E000）" in report
    assert "JUMIN_A.CSV,2,住所" in report and "U+E001" in report
    with as_municipality(muni_a):
        assert Person.objects.count() == 0


def test_mapped_to_a_character_and_an_ivs_sequence(muni_a, as_municipality, tmp_path):
    folder = _vendor_with_gaiji(tmp_path)
    _import_a(muni_a, folder, "--gaiji-map", str(_table(tmp_path, f"F040,美,,A社外字\nU+E001,{IVS_KATSU},,\n")))
    with as_municipality(muni_a):
        assert Person.objects.get(person_no=102).given_name == "由美"
        assert Person.objects.get(person_no=101).address.startswith(f"埼玉県比企郡小川町{IVS_KATSU}塚")


def test_an_unmapped_one_is_still_reported(muni_a, as_municipality, tmp_path):
    folder = _vendor_with_gaiji(tmp_path)
    with pytest.raises(CommandError):
        _import_a(muni_a, folder, "--gaiji-map", str(_table(tmp_path, "F040,美,,\n")))
    report = (folder / "import_errors.csv").read_text(encoding="utf-8-sig")
    assert "U+E001" in report and "外字対応表 gaiji.csv にありません" in report and "U+E000" not in report


@needs_font
def test_mj_identifier_resolved_through_the_font_and_named_in_the_mapping(muni_a, as_municipality, tmp_path):
    assert glyphs.mj_form("MJ022336") == "葛"
    folder = _vendor_with_gaiji(tmp_path)
    _table(tmp_path, "F040,美,,\nF041,,MJ022336,葛\n")
    mapping = tmp_path / "vendor_a.yaml"
    mapping.write_text((MAPPINGS / "vendor_a.yaml").read_text(encoding="utf-8") + "gaiji_map: gaiji.csv\n",
                       encoding="utf-8")
    call_command("import", "--municipality", muni_a.code, str(folder), "--mapping", str(mapping))
    with as_municipality(muni_a):
        assert Person.objects.get(person_no=101).address.startswith("埼玉県比企郡小川町葛塚")


@pytest.mark.parametrize("rows, reason", [
    ("8140,美,,\n", "私用領域"), ("E000,美,,\n", "読み取れません"), ("U+E000,,,\n", "どちらか"), ("U+E000,\ue001,,\n", "外字"),
    ("U+E000,美,,\nF040,美,,\n", "2行目にも"), ("ZZ,美,,\n", "読み取れません"),
])
def test_a_bad_table_names_its_line(tmp_path, rows, reason):
    with pytest.raises(GaijiMapError, match=reason):
        load_gaiji_map(_table(tmp_path, rows))


def test_standard_layout_with_the_table_in_the_manifest(exported, muni_b, as_municipality, tmp_path):  # noqa: F811
    folder = tmp_path / "gaiji"
    shutil.copytree(exported, folder)
    persons = folder / "01_persons.csv"
    persons.write_text(persons.read_text(encoding="utf-8").replace("和子", "和\ue000"), encoding="utf-8")
    with as_municipality(muni_b):
        result = import_municipality(folder, dry_run=True)
        assert [(p.file, p.item, "U+E000" in p.reason) for p in result.problems] == [("01_persons.csv", "名", True)]
        _table(folder, "U+E000,子,,\n")
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        (folder / "manifest.json").write_text(json.dumps({**manifest, "gaiji_map": "gaiji.csv"}), encoding="utf-8")
        assert import_municipality(folder).written
        assert Person.objects.filter(given_name="和子").count() == 1


def test_web_dry_run_takes_the_table_with_the_files(exported, staff_of, tmp_path):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import logged_in

    client = logged_in(staff_of["municipal_admin"])
    files = {p.name: p.read_bytes() for p in sorted(exported.glob("*.csv"))}
    files["01_persons.csv"] = files["01_persons.csv"].decode().replace("和子", "和\ue000").encode()
    r = client.post("/interchange/dry-run/", {"encoding": "utf-8",
                                              "files": [SimpleUploadedFile(n, b) for n, b in files.items()]})
    assert r.status_code == 400 and "U+E000" in r.content.decode() and "\ue000" not in r.content.decode()
    files["gaiji.csv"] = "外字コード,文字\nU+E000,子\n".encode()
    r = client.post("/interchange/dry-run/", {"encoding": "utf-8",
                                              "files": [SimpleUploadedFile(n, b) for n, b in files.items()]})
    assert r.status_code == 200 and "エラーはありません" in r.content.decode()
