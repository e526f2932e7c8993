from __future__ import annotations

import io
import json
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from lgcloud.areas.registry.models import Person
from lgcloud.platform.audit.models import AuditRecord
from tests.conftest import logged_in
from tests.test_interchange_roundtrip import build_register


def test_admin_exports_a_zip_and_it_is_audited(staff_of, muni_a, as_municipality):
    with as_municipality(muni_a):
        build_register()
    r = logged_in(staff_of["municipal_admin"]).post("/interchange/export/", {"encoding": "cp932"})
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    manifest = json.loads(z.read("manifest.json"))
    assert manifest["encoding"] == "cp932" and {f["file"] for f in manifest["files"]} >= {"01_persons.csv"}
    assert "渡邉".encode("cp932") in z.read("01_persons.csv")
    assert AuditRecord.objects.filter(action="interchange.export", chain=muni_a.code).exists()
    assert logged_in(staff_of["counter_clerk"]).get("/interchange/export/").status_code == 403
    assert logged_in(staff_of["group_secretariat"]).post("/interchange/export/", {"encoding": "utf-8"}).status_code == 403


def test_support_measures_need_a_purpose(staff_of, muni_a, as_municipality):
    with as_municipality(muni_a):
        build_register()
    r = logged_in(staff_of["municipal_admin"]).post("/interchange/export/", {"encoding": "utf-8", "include_sensitive": "on"})
    assert r.status_code == 400 and "利用目的" in r.content.decode()


def test_dry_run_upload_reports_errors_and_writes_nothing(staff_of, muni_a, muni_b, as_municipality, tmp_path):
    with as_municipality(muni_a):
        build_register()
    call_command("export", "--municipality", muni_a.code, "--out", str(tmp_path))
    client = logged_in(staff_of["municipal_admin"])  # an administrator of A, checking files for A
    files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(tmp_path.glob("*.csv"))]
    r = client.post("/interchange/dry-run/", {"encoding": "utf-8", "files": files})
    assert r.status_code == 200 and "エラーはありません" in r.content.decode()
    bad = (tmp_path / "04_memberships.csv").read_bytes().replace("世帯主".encode(), "同居人".encode())
    files = [SimpleUploadedFile(p.name, bad if p.name == "04_memberships.csv" else p.read_bytes())
             for p in sorted(tmp_path.glob("*.csv"))]
    r = client.post("/interchange/dry-run/", {"encoding": "utf-8", "files": files})
    assert r.status_code == 400 and "世帯主" in r.content.decode()
    token = r.context["token"]
    report = client.get(f"/interchange/dry-run/report/{token}.csv")
    assert report.status_code == 200 and "世帯主" in report.content.decode("utf-8-sig")
    with as_municipality(muni_a):
        assert Person.objects.count() == 3  # unchanged: a dry run writes nothing


def test_group_export_writes_one_folder_per_member(muni_a, muni_b, as_municipality, tmp_path):
    with as_municipality(muni_a):
        build_register()
    call_command("export", "--group", "--out", str(tmp_path))
    assert (tmp_path / muni_a.code / "manifest.json").exists() and (tmp_path / muni_b.code / "01_persons.csv").exists()


def test_dry_run_refuses_a_zip_that_inflates_past_the_limit(staff_of, monkeypatch):
    from lgcloud.platform.interchange import views

    monkeypatch.setattr(views, "MAX_UNPACKED", 64 * 1024)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("01_persons.csv", b"0" * (1024 * 1024))  # 1 MB of zeros: about 1 KB compressed
    assert len(buf.getvalue()) < 8 * 1024
    r = logged_in(staff_of["municipal_admin"]).post(
        "/interchange/dry-run/", {"encoding": "utf-8", "files": [SimpleUploadedFile("register.zip", buf.getvalue())]})
    assert r.status_code == 400 and "ZIP を展開すると" in r.content.decode()
