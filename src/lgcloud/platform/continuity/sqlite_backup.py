"""Online backup of the SQLite database (the sqlite3 backup API) and its proof by restoring.

`create`: while this process holds SQLite's write lock (BEGIN IMMEDIATE — readers go on, writers wait a moment),
a second connection copies the committed database page by page into the backup file and the reference exports
are taken from the same committed state, so the backup and its reference describe one moment. The backup's
label (`<file>.json`) keeps the moment, the file's SHA-256 and the reference checksums.

`verify`: copies the backup into a scratch file (restore), and in a separate process on that scratch database
(`lgcloud backup inspect`) runs the integrity check, registry verify, audit verify and the exports; any
difference from the label, an empty or unreadable backup, fails with a message saying what.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lgcloud.platform.continuity import checks


class BackupFailed(Exception):
    pass


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def default_dir() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def create(out_dir: Path) -> Path:
    source = Path(settings.DATABASES["default"]["NAME"])
    out_dir.mkdir(parents=True, exist_ok=True)
    moment = timezone.now()
    target = out_dir / f"lgcloud-{moment:%Y%m%dT%H%M%S%f}.sqlite3"
    part = target.with_name(target.name + ".part")
    with transaction.atomic():  # BEGIN IMMEDIATE: no other writer commits until the copy and the reference are done
        connection.ensure_connection()
        with connection.cursor() as cur:  # take the write lock now
            cur.execute("UPDATE django_migrations SET id = id WHERE 0")
        reference = checks.export_checksums("バックアップの基準（出力の照合用）")
        src = sqlite3.connect(source)
        dst = sqlite3.connect(part)
        try:
            src.backup(dst)  # committed state: this transaction's own audit records are not in it
        finally:
            dst.close()
            src.close()
    os.replace(part, target)
    label = {"kind": "sqlite", "file": target.name, "taken_at": moment.isoformat(), "sha256": _sha256(target),
             "bytes": target.stat().st_size, "reference": reference}
    target.with_name(target.name + ".json").write_text(json.dumps(label, ensure_ascii=False, indent=1), "utf-8")
    return target


def latest(backup_dir: Path) -> Path:
    found = sorted(backup_dir.glob("lgcloud-*.sqlite3"))
    if not found:
        raise BackupFailed(f"{backup_dir} にバックアップがありません。")
    return found[-1]


def inspect_here() -> dict[str, Any]:
    """Run inside the restored database (by `lgcloud backup inspect`)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA integrity_check")
            integrity = [r[0] for r in cur.fetchall()]
            if integrity != ["ok"]:
                return {"problems": ["整合性検査（integrity_check）に失敗: " + "; ".join(integrity[:5])]}
    from lgcloud.platform.tenancy.models import Municipality

    if not Municipality.objects.exists():
        return {"problems": ["復元したデータベースに団体が 1 つもありません（空のバックアップ）。"]}
    return {"problems": checks.verify_database(), "exports": checks.export_checksums("バックアップの検証")}


def run_inspect(database_url: str) -> dict[str, Any]:
    """`lgcloud backup inspect` in a separate process against the restored database; its JSON answer."""
    env = {**os.environ, "DATABASE_URL": database_url}
    proc = subprocess.run([sys.executable, "-m", "lgcloud.cli", "backup", "inspect"],
                          env=env, capture_output=True, text=True, timeout=3600)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["（出力なし）"])[-1]
        raise BackupFailed(f"復元したデータベースを読めません: {tail}")
    return json.loads(lines[-1])


def verify(backup: Path) -> list[str]:
    """Restore the backup into a scratch file and check it; the list of what is wrong (empty: proved)."""
    label_path = backup.with_name(backup.name + ".json")
    if not label_path.exists():
        raise BackupFailed(f"{label_path.name} がありません（lgcloud backup create で作ったバックアップではありません）。")
    label = json.loads(label_path.read_text("utf-8"))
    if backup.stat().st_size == 0:
        raise BackupFailed(f"{backup.name} は空（0 バイト）です。")
    problems = []
    if _sha256(backup) != label["sha256"]:
        problems.append(f"{backup.name} の SHA-256 が作成時と違います（ファイルが変わっています）。")
    with tempfile.TemporaryDirectory(prefix="lgcloud-restore-") as tmp:
        scratch = Path(tmp) / "restored.sqlite3"
        try:
            src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            dst = sqlite3.connect(scratch)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
        except sqlite3.DatabaseError as e:
            raise BackupFailed(f"{backup.name} を復元できません（SQLite のデータベースではないか壊れています）: {e}") from None
        found = run_inspect(f"sqlite:///{scratch}")
    problems += found["problems"]
    if "exports" in found:
        problems += checks.compare(label["reference"], found["exports"])
    return problems
