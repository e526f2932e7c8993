"""The hash-chained audit log: chaining, verification, and detection of tampering behind the app's back."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from lgcloud.platform.audit import services as audit
from lgcloud.platform.audit.models import PLATFORM_CHAIN, AuditChainHead, AuditRecord
from lgcloud.platform.audit.sealing import seal
from lgcloud.platform.audit.services import GENESIS, compute_hash
from lgcloud.platform.audit.verifying import verify_chain
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality
from tests.testapp.models import Note

CLERK = Actor("113018-clerk", "counter_clerk", "web", staff_id=None)


def _write(m: Municipality | None, n: int, action: str = "test.read", *, sealed: bool = True) -> list[AuditRecord]:
    """Append n records and (by default) run the sealer; returns them as stored."""
    with municipality_scope(m, CLERK):
        recs = [audit.record(action, object_type="Note", object_id=i, purpose="テスト") for i in range(n)]
    if sealed:
        seal()
    return [AuditRecord.objects.get(pk=r.pk) for r in recs]


def run_verify(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", "verify", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_verify_failing(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    assert "監査ログの改ざんまたは欠落を検出しました" in str(exc.value)
    return str(exc.value), err.getvalue()


@contextmanager
def _superuser_cursor() -> Iterator[Callable[..., Any]]:
    """Tamper as someone the application is not: PostgreSQL's superuser, or SQLite's own connection."""
    if connection.vendor == "postgresql":
        url = os.environ.get("LGCLOUD_TEST_PG_SUPERUSER_URL")
        if not url:
            pytest.skip("LGCLOUD_TEST_PG_SUPERUSER_URL is not set: cannot tamper on PostgreSQL")
        import psycopg

        with psycopg.connect(url.rstrip("/") + "/" + connection.settings_dict["NAME"], autocommit=True) as conn:
            yield conn.execute
    else:
        with connection.cursor() as cursor:
            yield cursor.execute


def tamper(sql: str, params: list[Any]) -> None:
    with _superuser_cursor() as execute:
        execute(sql, params)


# --- chaining ------------------------------------------------------------------------------------


def test_records_form_a_chain_per_municipality(muni_a: Municipality, muni_b: Municipality) -> None:
    a = _write(muni_a, 3)
    b = _write(muni_b, 2)
    p = _write(None, 1, "group.report")
    assert [r.seq for r in a] == [1, 2, 3]
    assert [r.seq for r in b] == [1, 2]
    assert [r.seq for r in p] == [1]
    assert {r.chain for r in a} == {muni_a.code}
    assert p[0].chain == PLATFORM_CHAIN and p[0].municipality_id is None
    assert a[0].prev_hash == GENESIS and b[0].prev_hash == GENESIS
    assert a[1].prev_hash == a[0].hash and a[2].prev_hash == a[1].hash
    assert b[1].prev_hash == b[0].hash
    for rec in a:
        stored = AuditRecord.objects.get(pk=rec.pk)
        assert stored.hash == compute_hash(stored, muni_a.code)
        assert len(stored.hash) == 64
        assert stored.actor == "113018-clerk" and stored.channel == "web" and stored.purpose == "テスト"
    head = AuditChainHead.objects.get(chain=muni_a.code)
    assert head.last_seq == 3 and head.last_hash == a[2].hash
    for chain in (muni_a.code, muni_b.code, PLATFORM_CHAIN):
        assert verify_chain(chain).ok


def test_explicit_municipality_overrides_the_context(muni_a: Municipality, muni_b: Municipality) -> None:
    with municipality_scope(muni_a, CLERK):
        rec = audit.record("params.override_set", municipality=muni_b)
    assert rec.chain == muni_b.code and rec.seq is None
    seal()
    rec.refresh_from_db()
    assert rec.seq == 1


def test_verify_command_succeeds_on_an_intact_chain(muni_a: Municipality) -> None:
    _write(muni_a, 4)
    out, err = run_verify("--municipality", muni_a.code)
    assert f"OK  {muni_a.code}: 4 件の記録を検証しました。チェーンは完全です。署名済みの先頭は連番 4。" in out
    assert err == ""


def test_verify_all_and_platform(muni_a: Municipality, muni_b: Municipality) -> None:
    _write(muni_a, 2)
    _write(muni_b, 1)
    _write(None, 1)
    out, _ = run_verify("--all")
    for chain in (muni_a.code, muni_b.code, PLATFORM_CHAIN):
        assert f"OK  {chain}:" in out
    out, _ = run_verify("--platform")
    assert f"OK  {PLATFORM_CHAIN}: 1 件" in out


def test_verify_command_needs_a_chain() -> None:
    with pytest.raises(CommandError, match="--municipality CODE"):
        call_command("audit", "verify")


def test_an_empty_chain_verifies(muni_a: Municipality) -> None:
    out, _ = run_verify("--municipality", muni_a.code)
    assert "0 件の記録を検証しました" in out


# --- tampering -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_changed_action_is_detected_naming_seq_and_id(muni_a: Municipality, muni_b: Municipality) -> None:
    recs = _write(muni_a, 4)
    _write(muni_b, 2)
    target = recs[1]
    tamper("UPDATE audit_auditrecord SET action = %s WHERE id = %s", ["test.nothing_to_see", target.pk])
    assert AuditRecord.objects.get(pk=target.pk).action == "test.nothing_to_see"

    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert err.startswith(f"NG  {muni_a.code}: 連番 2（id={target.pk}）")
    assert "改ざん" in err
    result = verify_chain(muni_a.code)
    assert (result.broken_seq, result.broken_id, result.checked) == (2, target.pk, 1)
    # The other municipality's chain is untouched.
    out, _ = run_verify("--municipality", muni_b.code)
    assert "OK" in out
    msg, err = run_verify_failing("--all")
    assert muni_a.code in msg and muni_b.code not in msg


@pytest.mark.django_db(transaction=True)
def test_rehashed_record_is_detected_by_the_next_link(muni_a: Municipality) -> None:
    recs = _write(muni_a, 3)
    target = AuditRecord.objects.get(pk=recs[0].pk)
    target.action = "test.forged"
    forged_hash = compute_hash(target, muni_a.code)
    tamper("UPDATE audit_auditrecord SET action = %s, hash = %s WHERE id = %s", ["test.forged", forged_hash, target.pk])

    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert f"連番 2（id={recs[1].pk}）" in err
    assert "直前の記録のハッシュと一致しません" in err


@pytest.mark.django_db(transaction=True)
def test_deleted_middle_record_is_reported_as_missing(muni_a: Municipality) -> None:
    recs = _write(muni_a, 5)
    tamper("DELETE FROM audit_auditrecord WHERE id = %s", [recs[2].pk])

    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert f"NG  {muni_a.code}: 連番 3 で壊れています" in err
    assert "連番 3 の記録がありません" in err
    assert verify_chain(muni_a.code).checked == 2


@pytest.mark.django_db(transaction=True)
def test_deleted_newest_record_is_reported_as_missing_tail(muni_a: Municipality) -> None:
    recs = _write(muni_a, 3)
    tamper("DELETE FROM audit_auditrecord WHERE id = %s", [recs[-1].pk])

    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert "末尾の記録がありません（記録は 2 件、署名済みの先頭は連番 3）" in err


@pytest.mark.django_db(transaction=True)
def test_deleted_whole_chain_is_detected(muni_a: Municipality) -> None:
    _write(muni_a, 2)
    tamper("DELETE FROM audit_auditrecord WHERE chain = %s", [muni_a.code])
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert "末尾の記録がありません（記録は 0 件、署名済みの先頭は連番 2）" in err


# --- transactions --------------------------------------------------------------------------------


def test_rolled_back_write_leaves_no_audit_record(muni_a: Municipality) -> None:
    _write(muni_a, 2)
    with pytest.raises(RuntimeError), transaction.atomic(), municipality_scope(muni_a, CLERK):
        Note.objects.create(subject="保存されない", body="x")
        audit.record("testapp.note_created", object_type="Note")
        raise RuntimeError("業務エラー")
    assert not AuditRecord.objects.filter(action="testapp.note_created").exists()
    seal()
    assert AuditChainHead.objects.get(chain=muni_a.code).last_seq == 2
    with municipality_scope(muni_a, CLERK):
        assert Note.objects.count() == 0
    # The chain continues where it was and stays whole.
    [nxt] = _write(muni_a, 1)
    assert nxt.seq == 3
    assert verify_chain(muni_a.code).ok


@pytest.mark.django_db(transaction=True)
def test_rolled_back_write_leaves_no_audit_record_when_committing_for_real(muni_a: Municipality) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), municipality_scope(muni_a, CLERK):
        audit.record("testapp.note_created", object_type="Note")
        raise RuntimeError
    assert AuditRecord.objects.count() == 0
    seal()
    assert not AuditChainHead.objects.filter(chain=muni_a.code, last_seq__gt=0).exists()
    _write(muni_a, 1)
    assert verify_chain(muni_a.code).ok


def test_web_read_is_audited_in_the_readers_chain(staff_of: dict[str, Any], muni_a: Municipality) -> None:
    from tests.conftest import logged_in

    assert logged_in(staff_of["counter_clerk"]).get("/testapp/notes/").status_code == 200
    rec = AuditRecord.objects.get(action="testapp.note_list")
    assert rec.chain == muni_a.code
    assert rec.actor == staff_of["counter_clerk"].username
    assert rec.channel == "web" and rec.role == "counter_clerk"


def test_a_long_list_of_objects_is_kept_whole_in_the_detail(muni_a, as_municipality):
    from lgcloud.platform.audit import services as audit_services

    ids = ",".join(str(n) for n in range(1000, 1050))
    with as_municipality(muni_a):
        rec = audit_services.record("registry.search", object_type="Person", object_id=ids)
    seal()
    rec.refresh_from_db()
    assert len(rec.object_id) <= 64 and rec.detail["object_ids"] == ids
    assert verify_chain(muni_a.code).ok
