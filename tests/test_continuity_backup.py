"""Backups proved by restoring (SQLite: the sqlite3 backup API): a backup restores, verifies and exports the same
as the live database did at the moment it was taken; a tampered, empty or different backup fails loudly."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.platform.continuity import sqlite_backup
from lgcloud.platform.continuity.sqlite_backup import BackupFailed
from tests.test_registry_api import MOVE_IN

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def backup(transactional_db, muni_a, muni_b, tmp_path, monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup (PostgreSQL: pgBackRest, tests/test_continuity_pgbackrest.py)")
    from lgcloud.platform.tenancy.context import Actor, municipality_scope

    with municipality_scope(muni_a, Actor("test", "system", "system")):
        move_in(persons=MOVE_IN["persons"], address=MOVE_IN["address"], effective_on="2020-04-01",
                notified_on="2020-04-05", previous_address="東京都新宿区")
    db = tmp_path / "live.sqlite3"
    target = sqlite3.connect(db)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    # The same LGCLOUD_HOME as this process: the same key decrypts the 個人番号 for the exports.
    monkeypatch.setenv("PYTHONPATH", f"{ROOT / 'src'}{os.pathsep}{ROOT}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": f"sqlite:///{db}"}
    proc = subprocess.run([sys.executable, "-m", "lgcloud.cli", "backup", "create", "--dir", str(tmp_path / "b")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "バックアップを作成しました" in proc.stdout, proc.stderr[-2000:]
    return sqlite_backup.latest(tmp_path / "b")


def _relabel(path: Path) -> None:
    """Give a changed backup a label that matches its bytes: only the restore can tell it differs."""
    label_path = path.with_name(path.name + ".json")
    label = json.loads(label_path.read_text("utf-8"))
    label["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    label_path.write_text(json.dumps(label), "utf-8")


def test_a_backup_restores_and_matches_the_live_exports_and_a_bad_one_fails_loudly(backup):
    label = json.loads(backup.with_name(backup.name + ".json").read_text("utf-8"))
    assert set(label["reference"]) == {"113018", "113271"}
    assert any(label["reference"]["113018"]["rows"].values())
    assert sqlite_backup.verify(backup) == []  # restored, verified, every member's export the same

    # Different: a resident's name changed inside the backup (and its label made to match the bytes).
    with sqlite3.connect(backup) as conn:
        conn.execute("UPDATE registry_person SET given_name = '改変' WHERE person_no = 1")
    _relabel(backup)
    problems = sqlite_backup.verify(backup)
    assert any(p.startswith("113018 ") and "チェックサムが違います" in p for p in problems)
    assert any("registry verify 113018" in p for p in problems)  # the projection no longer matches its 異動

    # Tampered bytes: the checksum of the file no longer matches its label.
    data = bytearray(backup.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
    backup.write_bytes(bytes(data))
    try:
        problems = sqlite_backup.verify(backup)
    except BackupFailed as e:
        problems = [str(e)]
    assert any("SHA-256" in p or "読めません" in p or "整合性" in p for p in problems)

    # Empty: zero bytes, and a database without the platform's tables.
    backup.write_bytes(b"")
    with pytest.raises(BackupFailed, match="空"):
        sqlite_backup.verify(backup)
    backup.unlink()
    with sqlite3.connect(backup) as conn:  # a valid SQLite file, but none of the platform's tables
        conn.execute("CREATE TABLE unrelated (a)")
    conn.close()
    _relabel(backup)
    with pytest.raises(BackupFailed, match="読めません"):
        sqlite_backup.verify(backup)
