"""Other vendors' files through a mapping: the same validation, report and all-or-nothing import."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lgcloud.areas.registry import engine_asof
from lgcloud.areas.registry.models import EventKind, Household, Person, RegistryEvent

MAPPINGS = Path(__file__).resolve().parents[1] / "src" / "lgcloud" / "platform" / "interchange" / "mappings"


def test_vendor_a_cp932_wareki_halfwidth_kana(muni_a, as_municipality, capsys, tmp_path):
    call_command("import", "--municipality", muni_a.code, str(MAPPINGS / "samples" / "vendor_a"),
                 "--mapping", str(MAPPINGS / "vendor_a.yaml"), "--report", str(tmp_path / "r.csv"))
    with as_municipality(muni_a):
        makoto = Person.objects.get(person_no=101)
        assert (makoto.family_name_kana, makoto.given_name_kana) == ("オガワ", "マコト")
        assert makoto.birth_date == dt.date(1970, 7, 1)
        assert makoto.became_resident_on == dt.date(2019, 4, 30) and makoto.notified_on == dt.date(2019, 5, 7)
        assert makoto.postal_code == "355-0328"
        sho = Person.objects.get(person_no=103)
        assert sho.status == "removed" and sho.removed_on == dt.date(2025, 4, 1) and sho.relationship == "子"
        assert Household.objects.get(household_no=502).head.given_name == "花"
        # resident from 住民となった日 (H31.4.30), 翔 removed on his 消除日 by a 転出 (his 消除事由)
        assert set(RegistryEvent.objects.values_list("kind", "effective_on")) == {
            (EventKind.MIGRATION, dt.date(2019, 4, 30)), (EventKind.MIGRATION, dt.date(2020, 10, 1)),
            (EventKind.MOVE_OUT, dt.date(2025, 4, 1))}
        assert engine_asof.verify_projection() == []
    assert "取り込みました" in capsys.readouterr().out


def test_vendor_b_other_columns_and_foreign_resident(muni_a, as_municipality, tmp_path):
    call_command("import", "--municipality", muni_a.code, str(MAPPINGS / "samples" / "vendor_b"),
                 "--mapping", str(MAPPINGS / "vendor_b.yaml"), "--report", str(tmp_path / "r.csv"))
    with as_municipality(muni_a):
        maria = Person.objects.get(person_no=8003)
        assert maria.resident_type == "foreign" and maria.alphabet_name == "SANTOS MARIA"
        assert maria.stay_expires_on == dt.date(2027, 3, 31) and maria.residence_status == "特定技能"
        mai = Person.objects.get(person_no=8002)
        assert mai.relationship == "妻（未届）" and mai.birth_date == dt.date(1989, 6, 10)
        assert engine_asof.verify_projection() == []


def test_bad_vendor_file_is_reported_and_nothing_written(muni_a, as_municipality, tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(MAPPINGS / "samples" / "vendor_b", folder)
    path = folder / "b_export.csv"
    text = path.read_text(encoding="utf-8").replace("S58.11.03", "S58.13.03").replace("妻(未届)", "内縁の妻")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="何も登録していません"):
        call_command("import", "--municipality", muni_a.code, str(folder), "--mapping",
                     str(MAPPINGS / "vendor_b.yaml"))
    report = (folder / "import_errors.csv").read_text(encoding="utf-8-sig")
    assert "b_export.csv,2,生年月日,S58.13.03" in report and "b_export.csv,3,続柄,内縁の妻" in report
    with as_municipality(muni_a):
        assert Person.objects.count() == 0 and RegistryEvent.objects.count() == 0
