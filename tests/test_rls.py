"""PostgreSQL row-level security, the second line behind the scoped managers.

These tests run only on PostgreSQL. They check the catalogue (every scoped
table has ENABLE + FORCE RLS and the policy), and behaviour through a separate
connection as the application role: nothing without the tenant setting, only
the municipality set, no insert for another, and the audit log append-only.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db import connection, transaction

from lgcloud.platform.tenancy.rls import POLICY, SETTING
from lgcloud.platform.tenancy.scoping import scoped_models
from tests.testapp.models import Note

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="row-level security needs PostgreSQL"
    ),
]


def _app_conn() -> psycopg.Connection:
    url = os.environ["LGCLOUD_TEST_PG_APP_URL"] + connection.settings_dict["NAME"]
    return psycopg.connect(url, autocommit=True)


@pytest.mark.django_db
def test_every_scoped_table_forces_rls_with_the_tenant_policy():
    tables = [m._meta.db_table for m in scoped_models()]
    assert "testapp_note" in tables
    with connection.cursor() as cur:
        for table in tables:
            cur.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table])
            assert cur.fetchone() == (True, True), table
            cur.execute("SELECT qual FROM pg_policies WHERE tablename = %s AND policyname = %s", [table, POLICY])
            row = cur.fetchone()
            assert row is not None and SETTING in row[0], table
        cur.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == (False, False), "tests must not connect as a role that bypasses RLS"


@pytest.mark.django_db(transaction=True)
def test_app_role_sees_only_the_municipality_in_its_session_setting(muni_a, muni_b, as_municipality):
    with as_municipality(muni_a):
        Note.objects.create(subject="A", body="a")
    with as_municipality(muni_b):
        Note.objects.create(subject="B", body="b")
    with _app_conn() as conn:
        assert conn.execute("SELECT count(*) FROM testapp_note").fetchone() == (0,)
        conn.execute("SELECT set_config(%s, %s, false)", [SETTING, str(muni_a.pk)])
        assert conn.execute("SELECT subject FROM testapp_note").fetchall() == [("A",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO testapp_note (municipality_id, subject, body) VALUES (%s, 'x', 'y')", [muni_b.pk]
            )


@pytest.mark.django_db(transaction=True)
def test_schema_owner_is_bound_too(muni_a, as_municipality):
    with as_municipality(muni_a):
        Note.objects.create(subject="A", body="a")
    # Raw SQL outside any tenant context: the owner sees nothing because of FORCE ROW LEVEL SECURITY.
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM testapp_note")
        assert cur.fetchone() == (0,)


@pytest.mark.django_db(transaction=True)
def test_setting_follows_the_context_across_rollbacks(muni_a, muni_b, as_municipality):
    with as_municipality(muni_a):
        Note.objects.create(subject="A", body="a")
    with as_municipality(muni_b):
        Note.objects.create(subject="B", body="b")
    with pytest.raises(RuntimeError), transaction.atomic():
        with as_municipality(muni_a):
            assert list(Note.objects.values_list("subject", flat=True)) == ["A"]
        raise RuntimeError
    # The rollback undid the set_config to A (the session is back at B); the backend must
    # notice and send A again rather than trust what it sent last.
    with connection.cursor() as cur, as_municipality(muni_a):
        cur.execute("SELECT subject FROM testapp_note")
        assert cur.fetchall() == [("A",)]


@pytest.mark.django_db(transaction=True)
def test_app_role_may_only_insert_and_select_audit_records(muni_a, as_municipality):
    from lgcloud.platform.audit import services as audit

    with as_municipality(muni_a):
        audit.record("test.read", object_type="Note", object_id=1)
    with _app_conn() as conn:
        assert conn.execute("SELECT count(*) FROM audit_auditrecord").fetchone()[0] >= 1
        for sql in ("UPDATE audit_auditrecord SET action = 'x'", "DELETE FROM audit_auditrecord",
                    "TRUNCATE audit_auditrecord"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        for sql in ("UPDATE audit_sealedhead SET last_seq = 0", "DELETE FROM audit_sealedhead"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        # The sealer, connected as the application, fills in the three sealing columns and nothing else.
        conn.execute("UPDATE audit_auditrecord SET seq = seq, prev_hash = prev_hash, hash = hash")
