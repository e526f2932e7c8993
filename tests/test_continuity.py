"""Continuity in CI: the health endpoints, the database failing mid-request (a Japanese 503, nothing written),
disk full during an export (no file that looks complete), several database hosts in DATABASE_URL."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client

from lgcloud.areas.registry.models import Household, RegistryEvent
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.interchange import export as export_module
from lgcloud.platform.interchange.export import export_municipality
from lgcloud.settings import _database
from tests.conftest import api_client, logged_in
from tests.test_registry_api import BASE, MOVE_IN, post, scoped

pytestmark = pytest.mark.django_db


def test_live_and_ready(db):
    client = Client()
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"] is True
    assert ready["Cache-Control"].startswith("max-age=0")


def test_ready_answers_503_when_the_database_does_not(db, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("lgcloud.platform.health.connection.cursor", down)
    ready = Client().get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == {"ok": False, "detail": "データベースに接続できません: OperationalError"}


def test_the_database_lost_mid_request_answers_503_in_japanese_and_writes_nothing(staff_of, muni_a, monkeypatch):
    clerk = api_client(staff_of[Role.COUNTER_CLERK])
    hh = post(clerk, "/events/move_in", MOVE_IN).json()["households"][0]
    with scoped(muni_a):
        events_before = RegistryEvent.objects.count()

    def lost(*args, **kwargs):  # the last step of a 異動, after the projection and the audit record are written
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lgcloud.platform.events.publish", lost)
    body = {"household_no": hh, "address": {"address": "埼玉県北足立郡伊奈町内宿台9-9"}, "effective_on": "2021-04-01",
            "notified_on": "2021-04-02", "acknowledge_alerts": True}
    r = post(clerk, "/events/move_within", body)
    assert r.status_code == 503 and r["Retry-After"] == "5"
    assert "データベースに接続できない" in r.json()["detail"] and "何も記録されていません" in r.json()["detail"]
    with scoped(muni_a):
        assert RegistryEvent.objects.count() == events_before
        assert Household.objects.get(household_no=hh).address == MOVE_IN["address"]["address"]
    assert clerk.get(f"{BASE}/households/{hh}").status_code == 200


def test_the_database_lost_before_any_view_gives_the_japanese_503_page(staff_of, monkeypatch):
    client = logged_in(staff_of[Role.COUNTER_CLERK])
    client.raise_request_exception = False

    def lost(self, *args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", lost)
    r = client.get("/registry/")
    assert r.status_code == 503
    page = r.content.decode()
    assert "ただいま処理できません" in page and "入力した内容は記録されていません" in page and 'lang="ja"' in page


@pytest.mark.parametrize("fail_on", ["data", "manifest"])
def test_disk_full_during_an_export_leaves_no_file_that_looks_complete(in_a, tmp_path, monkeypatch, fail_on):
    from lgcloud.areas.registry.actions.move_in import move_in

    move_in(persons=MOVE_IN["persons"], address=MOVE_IN["address"], effective_on="2020-04-01",
            notified_on="2020-04-05", previous_address="東京都新宿区")
    complete = tmp_path / "complete"
    assert export_municipality(complete).ok  # the same export without a fault: what a complete one has
    written = sorted(p.name for p in complete.iterdir())
    assert "manifest.json" in written and len(written) >= 2

    real_write, real_copy, real_fsync = export_module.write_file, export_module.copy_file, export_module.os.fsync

    def full_disk(real):  # the codec's writer and, on PostgreSQL, the COPY path's
        def write(layout, fdef, rows, path: Path, encoding):
            if fail_on == "data" and any(path.parent.iterdir()):  # the first file is written, the second is not
                path.write_bytes(b"partial")
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(layout, fdef, rows, path, encoding)

        return write

    def full_disk_fsync(fd):
        if fail_on == "manifest":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(export_module, "write_file", full_disk(real_write))
    monkeypatch.setattr(export_module, "copy_file", full_disk(real_copy))
    monkeypatch.setattr(export_module.os, "fsync", full_disk_fsync)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="No space left"):
        export_municipality(out)
    assert list(out.iterdir()) == []  # no data file, no manifest, no temporary file left behind

    # An earlier complete export in the folder stays as it was: its manifest still matches its files.
    with pytest.raises(OSError):
        export_municipality(complete)
    assert sorted(p.name for p in complete.iterdir()) == written
    manifest = json.loads((complete / "manifest.json").read_text("utf-8"))
    assert {f["file"] for f in manifest["files"]} | {"manifest.json"} == set(written)


def test_database_url_with_several_hosts_finds_the_writable_one():
    db = _database("postgres://app:pw@db1.example.jp:5432,db2.example.jp:6432/lgcloud")
    assert db["HOST"] == "db1.example.jp,db2.example.jp" and db["PORT"] == "5432,6432"
    assert db["OPTIONS"]["target_session_attrs"] == "read-write" and db["NAME"] == "lgcloud"
    assert db["USER"] == "app" and db["PASSWORD"] == "pw"
    one = _database("postgres://app:pw@db1.example.jp:5432/lgcloud")
    assert one["HOST"] == "db1.example.jp" and "target_session_attrs" not in one.get("OPTIONS", {})
    prefer = _database("postgres://app:pw@a,b/lgcloud?target_session_attrs=primary")
    assert prefer["OPTIONS"]["target_session_attrs"] == "primary" and prefer["PORT"] == "5432,5432"
