"""転入 from outside the group with the 転出証明書 from a CSV (UTF-8 or CP932, 和暦 dates)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from lgcloud.areas.registry.models import Person, RegistryEvent
from tests.conftest import logged_in

CSV = ("氏,名,氏フリガナ,名フリガナ,生年月日,性別,続柄,本籍,筆頭者\r\n"
       "森,一郎,ﾓﾘ,ｲﾁﾛｳ,昭和50年5月5日,男,世帯主,東京都新宿区,森　一郎\r\n"
       "森,花,モリ,ハナ,H20.3.3,女,子,東京都新宿区,森　一郎\r\n")


def test_clerk_records_a_move_in_from_a_certificate_csv(staff_of, muni_a, as_municipality):
    client = logged_in(staff_of["counter_clerk"])
    r = client.post("/registry/move-in-csv/", {
        "file": SimpleUploadedFile("cert.csv", CSV.encode("cp932")), "address": "埼玉県北足立郡伊奈町小室7",
        "previous_address": "東京都新宿区西新宿1", "effective_on": "2026-11-01", "notified_on": "2026-11-05"})
    assert r.status_code == 302
    with as_municipality(muni_a):
        ichiro = Person.objects.get(given_name="一郎")
        assert ichiro.family_name_kana == "モリ" and ichiro.birth_date.isoformat() == "1975-05-05"
        assert RegistryEvent.objects.get().reason == "転出証明書（CSV）"


def test_bad_csv_names_the_line_and_writes_nothing(staff_of, muni_a, as_municipality):
    client = logged_in(staff_of["counter_clerk"])
    bad = CSV.replace("H20.3.3", "H20.2.30")
    r = client.post("/registry/move-in-csv/", {
        "file": SimpleUploadedFile("cert.csv", bad.encode("utf-8")), "address": "伊奈町7", "previous_address": "東京都",
        "effective_on": "2026-11-01", "notified_on": "2026-11-05"})
    assert r.status_code == 400 and "3行目 生年月日" in r.content.decode()
    with as_municipality(muni_a):
        assert Person.objects.count() == 0
    assert logged_in(staff_of["group_secretariat"]).get("/registry/move-in-csv/").status_code == 403
