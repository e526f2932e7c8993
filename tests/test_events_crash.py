"""A toy subscriber receives a 出生 exactly once although `lgcloud events process` is killed (SIGKILL) while
its handler is inside its transaction: real processes on a SQLite file, as the worker runs in production."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.move_in import birth
from lgcloud.platform.tenancy.context import municipality_scope
from lgcloud.platform.tenancy.services import ensure_municipality

m = ensure_municipality("113018", 44000)
with municipality_scope(m):
    r = move_in(persons=[{"family_name": "山田", "given_name": "太郎", "birth_date": "1985-04-02",
                                   "sex": "male", "relationship": "世帯主"}],
                         address={"address": "埼玉県北足立郡伊奈町小室1-1"}, effective_on="2020-04-01",
                         notified_on="2020-04-05", previous_address="東京都")
    birth(child={"family_name": "山田", "given_name": "二郎", "sex": "male", "relationship": "子"},
                   household_no=r.households[0].household_no, effective_on="2021-06-10", notified_on="2021-06-14")
"""


def _django(env: dict[str, str], *args: str, **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "django", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)  # type: ignore[call-overload]


def _run(env: dict[str, str], *args: str) -> str:
    proc = _django(env, *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_birth_is_received_exactly_once_after_the_processor_is_killed_inside_the_handler(tmp_path):
    db = tmp_path / "lgcloud.sqlite3"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": f"sqlite:///{db}",
           "LGCLOUD_HOME": str(tmp_path), "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    _run(env, "migrate", "--noinput", "-v", "0")
    _run(env, "shell", "-c", SETUP)
    [(birth_id,)] = _query(db, "SELECT id FROM events_domainevent WHERE kind = 'registry.birth'")

    marker = tmp_path / "inside-handler"
    proc = _django({**env, "LGCLOUD_TEST_HANG_IN_HANDLER": str(marker)}, "events", "process")
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the handler was never reached"
        time.sleep(0.1)
    # The handler has written its row and hangs inside the transaction that would advance its cursor.
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _query(db, "SELECT count(*) FROM testapp_delivery") == [(0,)]  # rolled back with the process
    cursor = "SELECT position FROM events_subscribercursor WHERE subscriber = 'testapp.births'"
    assert _query(db, cursor) in ([], [(0,)])

    out = _run(env, "events", "process")
    assert "113018" in out and "配信" in out
    births = "SELECT event_id FROM testapp_delivery WHERE subscriber = 'testapp.births'"
    assert _query(db, births) == [(birth_id,)]
    _run(env, "events", "process")  # nothing is delivered twice
    assert _query(db, births) == [(birth_id,)]
    assert _query(db, cursor) == [(birth_id,)]
