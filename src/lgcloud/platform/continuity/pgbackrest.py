"""PostgreSQL backups with pgBackRest (configured by scripts/pgbackrest.sh) and their proof by restoring.

`create(type)`: `pgbackrest backup --type full|diff|incr` (WAL is archived continuously by archive_command), then
a *mark*: while the registry's tables are locked against writers (SHARE: readers go on, a 異動 waits a moment),
the reference exports of every member are taken and a named restore point is written into the WAL; the mark's
label (`<repo>/lgcloud-marks/<name>.json`) keeps the moment and the reference checksums.

`verify(target_time)`: restores the latest backup into a scratch cluster (its own data directory and port),
recovering the WAL up to the latest mark (or the latest mark at or before --target-time: point in time), with
archiving off there; then `lgcloud backup inspect` against it (registry verify, audit verify, exports) and the
comparison with the mark's reference. The scratch cluster is removed afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lgcloud.platform.continuity import checks
from lgcloud.platform.continuity.pgtools import as_postgres, pgbin
from lgcloud.platform.continuity.sqlite_backup import BackupFailed, run_inspect

SCRATCH_PORT = int(os.environ.get("LGCLOUD_BACKUP_SCRATCH_PORT", "56010"))


def _config() -> tuple[Path, str]:
    conf = os.environ.get("LGCLOUD_PGBACKREST_CONFIG")
    if not conf or not Path(conf).exists():
        raise BackupFailed("LGCLOUD_PGBACKREST_CONFIG（scripts/pgbackrest.sh configure が書いた設定）がありません。")
    return Path(conf), os.environ.get("LGCLOUD_PGBACKREST_STANZA", "lgcloud")


def _repo(conf: Path) -> Path:
    found = re.search(r"^repo1-path=(.+)$", conf.read_text(), re.M)
    if not found:
        raise BackupFailed(f"{conf} に repo1-path がありません。")
    return Path(found[1].strip())


def _pgbackrest(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    conf, stanza = _config()
    proc = subprocess.run(as_postgres(["pgbackrest", f"--config={conf}", f"--stanza={stanza}", *args]),  # noqa: S603
                          capture_output=True, text=True, timeout=3600)
    if check and proc.returncode != 0:
        raise BackupFailed(f"pgbackrest {args[-1]} が失敗しました（{proc.returncode}）: "
                           f"{(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc


def _marks_dir() -> Path:
    conf, _ = _config()
    return _repo(conf).parent / "lgcloud-marks"


def mark(after_backup: str) -> dict[str, Any]:
    """The moment a restore is compared against: reference exports and a restore point, writers held back.
    `after_backup` is the backup set a restore to this mark starts from (the last one finished before it)."""
    name = f"lgcloud-{timezone.now():%Y%m%dT%H%M%S%f}"
    tables = [m._meta.db_table for m in apps.get_app_config("registry").get_models()]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("LOCK TABLE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " IN SHARE MODE")
        reference = checks.export_checksums("バックアップの基準（出力の照合用）")
        cur.execute("SELECT pg_create_restore_point(%s)::text", [name])
        lsn = cur.fetchone()[0]
        moment = timezone.now()
    label = {"kind": "pgbackrest", "name": name, "taken_at": moment.isoformat(), "lsn": lsn, "set": after_backup,
             "reference": reference}
    marks = _marks_dir()
    marks.mkdir(parents=True, exist_ok=True)
    (marks / f"{name}.json").write_text(json.dumps(label, ensure_ascii=False, indent=1), "utf-8")
    return label


def create(kind: str) -> str:
    _pgbackrest(f"--type={kind}", "backup")
    info = json.loads(_pgbackrest("--output=json", "info").stdout)
    backups = info[0].get("backup", []) if info else []
    last = backups[-1] if backups else {}
    label = mark(last.get("label", ""))
    _pgbackrest("check")  # switches the WAL: the segment holding the restore point goes to the repository now
    return (f"バックアップを作成しました: {last.get('label', '?')}（{last.get('type', kind)}、"
            f"{last.get('info', {}).get('repository', {}).get('delta', 0):,} バイト）、"
            f"照合用の記録点 {label['name']}（{label['lsn']}）。保持数を超えた古いバックアップは pgBackRest が削除します。")


def _choose_mark(target_time: str | None) -> dict[str, Any]:
    info = json.loads(_pgbackrest("--output=json", "info").stdout)
    kept = {b["label"] for b in (info[0].get("backup", []) if info else [])}
    labels = [json.loads(p.read_text("utf-8")) for p in sorted(_marks_dir().glob("lgcloud-*.json"))]
    labels = [x for x in labels if x.get("set") in kept]  # a mark whose backup set has expired cannot be restored
    if target_time:
        limit = dt.datetime.fromisoformat(target_time)
        if timezone.is_naive(limit):
            limit = timezone.make_aware(limit)
        labels = [x for x in labels if dt.datetime.fromisoformat(x["taken_at"]) <= limit]
    if not labels:
        raise BackupFailed("照合用の記録点がありません（先に lgcloud backup create を実行してください）。")
    return labels[-1]


def _scratch_url(port: int) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db['PASSWORD']}@127.0.0.1:{port}/{db['NAME']}"


def verify(target_time: str | None) -> tuple[str, list[str]]:
    chosen = _choose_mark(target_time)
    scratch = Path(tempfile.mkdtemp(prefix="lgcloud-restore-"))
    data = scratch / "data"
    pg_ctl = str(pgbin() / "pg_ctl")
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(scratch, "postgres")
        data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            shutil.chown(data, "postgres")
        backup_set = [f"--set={chosen['set']}"] if chosen.get("set") else []
        _pgbackrest(f"--pg1-path={data}", *backup_set, "--type=name", f"--target={chosen['name']}",
                    "--target-action=promote", "restore")
        if not any(data.iterdir()):
            raise BackupFailed("復元したデータディレクトリが空です。")
        options = (f"-p {SCRATCH_PORT} -k {scratch} -c listen_addresses=127.0.0.1 -c archive_mode=off "
                   f"-c synchronous_standby_names= -c fsync=off {_recovery_settings()}")
        proc = subprocess.run(as_postgres([pg_ctl, "-D", str(data), "-l", str(scratch / "server.log"), "-w",  # noqa: S603
                                            "-t", "600", "-o", options, "start"]), capture_output=True, text=True)
        started = True
        if proc.returncode != 0:
            log = (scratch / "server.log").read_text(errors="replace")[-800:]
            raise BackupFailed(f"復元したクラスタが起動しません: {log}")
        _wait_promoted(scratch, data)
        found = run_inspect(_scratch_url(SCRATCH_PORT))
    finally:
        if started:
            subprocess.run(as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),  # noqa: S603
                           capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)
    problems = list(found["problems"])
    if "exports" in found:
        problems += checks.compare(chosen["reference"], found["exports"])
    return f"記録点 {chosen['name']}（{chosen['taken_at']}）", problems


def _recovery_settings() -> str:
    """Recovery refuses to run with a lower setting of these than the primary had: take the live database's."""
    names = ["max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
             "max_locks_per_transaction"]
    with connection.cursor() as cur:
        cur.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [names])
        return " ".join(f"-c {name}={value}" for name, value in cur.fetchall())


def _wait_promoted(scratch: Path, data: Path) -> None:
    psql = str(pgbin() / "psql")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if not (data / "postmaster.pid").exists():  # recovery failed and the server stopped
            log = (scratch / "server.log").read_text(errors="replace").strip().splitlines()
            fatal = [line for line in log if "FATAL" in line or "DETAIL" in line] or log[-3:]
            raise BackupFailed("復元したクラスタのリカバリが失敗しました: " + " / ".join(fatal[-3:]))
        proc = subprocess.run(as_postgres([psql, "-h", str(scratch), "-p", str(SCRATCH_PORT), "-U", "postgres",  # noqa: S603
                                            "-d", "postgres", "-Atc", "SELECT pg_is_in_recovery()"]),
                              capture_output=True, text=True)
        if proc.stdout.strip() == "f":
            return
        time.sleep(0.5)
    raise BackupFailed("復元したクラスタのリカバリが終わりません。")
