"""SIGKILL of the application inside a standard-layout import, a 国保 assessment batch and a 異動: the database
keeps nothing half-written, and the same command run again completes and is idempotent. Real processes on a
SQLite file (copied from the migrated test database with the backup API), as tests/test_events_crash.py does;
each process is killed while it waits at a chosen point inside its transaction (after rows were written)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from lgcloud.areas.insurance import services as nhi
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.platform.interchange.export import export_municipality
from tests.conftest import CODE_A, CODE_B

ROOT = Path(__file__).resolve().parent.parent

# Runs a management command; with HANG_AT, the process stops at that point inside the command's transaction
# (writes a marker and sleeps) so the test can SIGKILL it there: "audit:ACTION" at the audit record of ACTION,
# "bills:N" once the N-th set of bills is handed to revenue (by submit_bills, or in a submit_many chunk).
RUNNER = """
import os, sys, time
import django
django.setup()
from pathlib import Path
hang_at = os.environ.get("HANG_AT", "")

def hang():
    Path(os.environ["HANG_MARKER"]).write_text("inside")
    time.sleep(3600)

if hang_at.startswith("audit:"):
    from lgcloud.platform.audit import services
    real_record = services.record
    def record(action, *args, **kwargs):
        if action == hang_at[6:]:
            hang()
        return real_record(action, *args, **kwargs)
    services.record = record
elif hang_at.startswith("bills:"):
    from lgcloud.platform import levies
    real_submit, real_many, calls = levies.submit_bills, levies.submit_many, []
    def submit_bills(bills):
        calls.append(1)
        real_submit(bills)
        if len(calls) == int(hang_at[6:]):
            hang()
    def submit_many(bill_sets):  # a batch hands a chunk at once: stop once the N-th set is in
        real_many(bill_sets)
        calls.extend([1] * len(bill_sets))
        if len(calls) >= int(hang_at[6:]):
            hang()
    levies.submit_bills, levies.submit_many = submit_bills, submit_many
from django.core.management import call_command
command = []
for arg in [*sys.argv[1:], "+"]:  # several commands in one process, separated by "+"
    if arg == "+":
        call_command(*command)
        command = []
    else:
        command.append(arg)
"""

pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="real processes on a SQLite file (the PostgreSQL run covers the same code)")


def _env(db: Path, tmp: Path) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": f"sqlite:///{db}",
            "LGCLOUD_HOME": str(tmp), "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "HANG_MARKER": str(tmp / "inside")}


def _run(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([sys.executable, "-c", RUNNER, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _kill_inside(env: dict[str, str], hang_at: str, *args: str) -> None:
    marker = Path(env["HANG_MARKER"])
    marker.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, *args], env={**env, "HANG_AT": hang_at}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the command ended before reaching {hang_at}: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"{hang_at} was never reached"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _count(db: Path, sql: str, *params: object) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchone()[0]


@pytest.fixture
def world(transactional_db, muni_a, muni_b, tmp_path):
    """Municipality A with three 国保 households (incomes declared) and its standard-layout export; B empty;
    all of it copied into a SQLite file the processes work on."""
    if connection.vendor != "sqlite":
        pytest.skip("real processes on a SQLite file")
    from lgcloud.platform.tenancy.context import Actor, municipality_scope

    with municipality_scope(muni_a, Actor("test", "system", "system")):
        for n in range(3):
            r = move_in(persons=[
                {"family_name": "国保", "given_name": f"一郎{n}", "family_name_kana": "コクホ", "given_name_kana": "イチロウ",
                 "birth_date": "1980-06-10", "sex": "male", "relationship": "世帯主"},
                {"family_name": "国保", "given_name": f"花子{n}", "family_name_kana": "コクホ", "given_name_kana": "ハナコ",
                 "birth_date": "1982-02-03", "sex": "female", "relationship": "妻"}],
                address={"address": f"埼玉県北足立郡伊奈町小室{n + 1}"}, effective_on="2025-04-01",
                notified_on="2025-04-01", previous_address="東京都新宿区")
            for i, p in enumerate(r.persons):
                nhi.enrol(p.person_no, dt.date(2025, 4, 1), "move_in")
                nhi.record_income(p.person_no, 2025, aggregate_income=2_000_000 + n * 500_000 if i == 0 else 0,
                                  salary_revenue=3_000_000 if i == 0 else 0)
        assert export_municipality(tmp_path / "export").ok
    db = tmp_path / "lgcloud.sqlite3"
    target = sqlite3.connect(db)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()
    return db, _env(db, tmp_path), muni_a.pk, muni_b.pk


def test_import_killed_inside_its_transaction_leaves_nothing_and_runs_again(world, tmp_path):
    db, env, a, b = world
    persons_a = _count(db, "SELECT count(*) FROM registry_person WHERE municipality_id = ?", a)
    _kill_inside(env, "audit:interchange.import", "import", "--municipality", CODE_B, str(tmp_path / "export"))
    assert _count(db, "SELECT count(*) FROM registry_person WHERE municipality_id = ?", b) == 0
    assert _count(db, "SELECT count(*) FROM registry_household WHERE municipality_id = ?", b) == 0
    assert _count(db, "SELECT count(*) FROM audit_auditrecord WHERE action = 'interchange.import'") == 0

    # Again, and once more over it (--replace): the same result; the register and the audit chains verify.
    _run(env, "import", "--municipality", CODE_B, str(tmp_path / "export"), "+",
         "import", "--municipality", CODE_B, str(tmp_path / "export"), "--replace", "+",
         "registry", "verify", "--municipality", CODE_B, "+", "audit", "verify", "--all")
    assert _count(db, "SELECT count(*) FROM registry_person WHERE municipality_id = ?", b) == persons_a
    assert _count(db, "SELECT count(*) FROM audit_auditrecord WHERE action = 'interchange.import'") == 2


@pytest.mark.parametrize("threshold", ["20000", "1"], ids=["thread", "worker-processes"])
def test_nhi_assessment_killed_mid_batch_leaves_nothing_and_is_restartable_and_idempotent(world, threshold):
    db, env, a, _b = world
    env = {**env, "LGCLOUD_NHI_ASSESS_PROCESS_THRESHOLD": threshold}  # "1": the pure half in a forked worker
    assess = ("nhi", "assess", "--municipality", CODE_A, "--fiscal-year", "2026")
    _kill_inside(env, "bills:2", *assess)  # bills handed to revenue, the run not yet recorded nor committed
    assert _count(db, "SELECT count(*) FROM insurance_assessmentrun") == 0
    assert _count(db, "SELECT count(*) FROM insurance_assessment") == 0
    assert _count(db, "SELECT count(*) FROM revenue_bill WHERE municipality_id = ?", a) == 0

    _run(env, *assess)
    bills = _count(db, "SELECT count(*) FROM revenue_bill WHERE municipality_id = ?", a)
    assert _count(db, "SELECT count(*) FROM insurance_assessment") == 3 and bills > 0
    _run(env, *assess, "+", "audit", "verify", "--all")  # again: nothing changed, no new version, no new bill
    assert _count(db, "SELECT count(*) FROM insurance_assessment") == 3
    assert _count(db, "SELECT count(*) FROM revenue_bill WHERE municipality_id = ?", a) == bills
    assert _count(db, "SELECT count(*) FROM insurance_assessmentrun") == 2


MOVE = ("from lgcloud.areas.registry.actions.address import move_within; "
        "from lgcloud.platform.tenancy.context import Actor, municipality_scope; "
        "from lgcloud.platform.tenancy.models import Municipality; "
        "m = Municipality.objects.get(code='113018'); "
        "ctx = municipality_scope(m, Actor('clerk', 'counter_clerk', 'web')); ctx.__enter__(); "
        "move_within(household_no=1, address={'address': '埼玉県北足立郡伊奈町内宿台5-5'}, "
        "effective_on='2026-10-01', notified_on='2026-10-02')")


def test_a_move_killed_inside_its_transaction_leaves_nothing_and_can_be_entered_again(world):
    db, env, a, _b = world
    events = _count(db, "SELECT count(*) FROM registry_registryevent WHERE municipality_id = ?", a)
    _kill_inside(env, "audit:registry.move_within", "shell", "-c", MOVE)
    assert _count(db, "SELECT count(*) FROM registry_registryevent WHERE municipality_id = ?", a) == events
    assert _count(db, "SELECT count(*) FROM registry_household WHERE address LIKE '%内宿台5-5'") == 0
    assert _count(db, "SELECT count(*) FROM events_domainevent WHERE kind = 'registry.move_within'") == 0

    _run(env, "shell", "-c", MOVE, "+", "registry", "verify", "--municipality", CODE_A, "+", "audit", "verify", "--all")
    assert _count(db, "SELECT count(*) FROM registry_registryevent WHERE municipality_id = ?", a) == events + 1
    assert _count(db, "SELECT count(*) FROM registry_household WHERE address LIKE '%内宿台5-5'") == 1
