"""On PostgreSQL, with clusters of their own (the test database copied in with pg_dump): pgBackRest backups
proved by restoring (full + incremental, point in time to an earlier mark, a different restore fails loudly), and
`lgcloud dr drill` on a primary with a synchronous standby (RPO 0, writes resume). Skipped without PostgreSQL's
server binaries or pgBackRest; scripts/test.sh installs both."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from lgcloud.areas.registry.actions.move_in import move_in
from tests.test_continuity_kill import RUNNER
from tests.test_registry_api import MOVE_IN

ROOT = Path(__file__).resolve().parent.parent
PGBIN = (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or [""])[-1]

pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only"),
    pytest.mark.skipif(not PGBIN or not os.path.exists(f"{PGBIN}/initdb"), reason="PostgreSQL server binaries absent"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sh(*args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, f"{args}: {proc.stderr[-2000:]}"
    return proc.stdout


def _env_lines(out: str) -> dict[str, str]:
    return dict(line.removeprefix("export ").split("=", 1) for line in out.splitlines() if line.startswith("export "))


@pytest.fixture
def workdir():
    path = Path(tempfile.mkdtemp(prefix="lgcloud-pgtest-"))
    path.chmod(0o777)  # the clusters and pgBackRest run as postgres when the tests run as root
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def register(transactional_db, muni_a, muni_b):
    from lgcloud.platform.tenancy.context import Actor, municipality_scope

    with municipality_scope(muni_a, Actor("test", "system", "system")):
        move_in(persons=MOVE_IN["persons"], address=MOVE_IN["address"], effective_on="2020-04-01",
                notified_on="2020-04-05", previous_address="東京都新宿区")


def _copy_test_database(socket_dir: Path, port: int) -> None:
    """The migrated test database (with its committed rows) into the cluster's `lgcloud` database."""
    su = os.environ["LGCLOUD_TEST_PG_SUPERUSER_URL"].rstrip("/") + "/" + connection.settings_dict["NAME"]
    dump = subprocess.run([f"{PGBIN}/pg_dump", "-Fc", "-d", su], capture_output=True, timeout=300, check=True).stdout
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    proc = subprocess.run([*as_pg, f"{PGBIN}/pg_restore", "-h", str(socket_dir), "-p", str(port), "-U", "postgres",
                           "-d", "lgcloud", "--exit-on-error"], input=dump, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]


def _app_env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": url,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "PGBIN": PGBIN, **extra}


@pytest.mark.skipif(shutil.which("pgbackrest") is None, reason="pgBackRest absent (apt-get install pgbackrest)")
def test_pgbackrest_backups_restore_to_the_latest_and_an_earlier_mark_and_a_different_one_fails(register, workdir):
    cluster, port = workdir / "pg", _free_port()
    _sh("scripts/pg.sh", "start", str(cluster), env={**os.environ, "PGPORT_TEST": str(port)})
    try:
        _copy_test_database(cluster, port)
        (workdir / "passphrase").write_text("correct horse battery staple for the backups\n")
        out = _sh("scripts/pgbackrest.sh", "configure", str(workdir / "repo"), str(workdir / "passphrase"),
                  str(cluster / "data"), str(port), str(cluster))
        env = _app_env(f"postgres://lgcloud_owner:owner@127.0.0.1:{port}/lgcloud", **_env_lines(out),
                       LGCLOUD_BACKUP_SCRATCH_PORT=str(_free_port()))
        assert "repo1-cipher-type=aes-256-cbc" in (workdir / "repo" / "pgbackrest.conf").read_text()

        cli = [sys.executable, "-c", RUNNER]
        _sh(*cli, "backup", "create", "--type", "full", env=env)
        first = json.loads(max((workdir / "repo" / "lgcloud-marks").glob("*.json")).read_text("utf-8"))
        move = ("from lgcloud.areas.registry.actions.address import move_within; "
                "from lgcloud.platform.tenancy.context import Actor, municipality_scope; "
                "from lgcloud.platform.tenancy.models import Municipality; "
                "m = Municipality.objects.get(code='113018'); "
                "ctx = municipality_scope(m, Actor('clerk', 'counter_clerk', 'web')); ctx.__enter__(); "
                "move_within(household_no=1, address={'address': '埼玉県北足立郡伊奈町内宿台7-7'}, "
                "effective_on='2026-10-01', notified_on='2026-10-02')")
        out = _sh(*cli, "shell", "-c", move, "+", "backup", "create", "--type", "incr", env=env)
        assert "incr" in out
        latest_path = max((workdir / "repo" / "lgcloud-marks").glob("*.json"))
        latest = json.loads(latest_path.read_text("utf-8"))
        assert latest["reference"]["113018"]["files"] != first["reference"]["113018"]["files"]  # the move is in it

        # Point in time: the state of the first mark, before the move; it matches that mark's exports.
        out = _sh(*cli, "backup", "verify", "--target-time", first["taken_at"], env=env)
        assert "OK" in out and first["name"] in out

        # A restore that differs from what the live database exported at that moment fails loudly.
        file = next(iter(latest["reference"]["113018"]["files"]))
        latest["reference"]["113018"]["files"][file] = "0" * 64
        latest_path.write_text(json.dumps(latest), "utf-8")
        proc = subprocess.run([*cli, "backup", "verify"], env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=600)
        assert proc.returncode != 0
        assert f"113018 {file}: チェックサムが違います" in proc.stderr and "一致しません" in proc.stderr
    finally:
        _sh("scripts/pg.sh", "stop", str(cluster))


def test_dr_drill_loses_no_acknowledged_move_and_writes_resume(register, workdir):
    cluster, primary, standby = workdir / "dr", _free_port(), _free_port()
    out = _sh("scripts/standby.sh", "start", str(cluster), str(primary), str(standby))
    try:
        _copy_test_database(cluster, primary)
        env = _app_env(f"postgres://lgcloud_owner:owner@127.0.0.1:{primary},127.0.0.1:{standby}/lgcloud",
                       **_env_lines(out))
        proc = subprocess.run([sys.executable, "-c", RUNNER, "dr", "drill", "--cluster", str(cluster), "--rate", "10",
                               "--before", "3", "--after", "3", "--households", "3", "--port", str(_free_port())],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        assert "失われたもの 0 件" in proc.stdout and "昇格後も存在" in proc.stdout
        assert "registry verify: OK" in proc.stdout and "audit verify --all: OK" in proc.stdout
    finally:
        _sh("scripts/standby.sh", "stop", str(cluster))
