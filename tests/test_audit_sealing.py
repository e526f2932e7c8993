"""The audit log off the request path: appended records, sealed in batches, signed heads kept outside the
database. Tampering that a walk of the chain alone cannot see (every hash recomputed, the tail dropped with the
head moved back) is caught by the signed heads; a record left unsealed too long is reported."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from lgcloud.platform.audit import services as audit
from lgcloud.platform.audit.models import AuditChainHead, AuditRecord, SealedHead
from lgcloud.platform.audit.sealing import chains_to_seal, seal
from lgcloud.platform.audit.services import GENESIS, compute_hash
from lgcloud.platform.audit.signing import Head, read_heads, verify_key
from lgcloud.platform.audit.verifying import verify_chain
from lgcloud.platform.tenancy.context import municipality_scope
from lgcloud.platform.tenancy.models import Municipality
from tests.test_audit import CLERK, _write, run_verify, run_verify_failing, tamper


def _heads_file(chain: str) -> Path:
    return Path(settings.LGCLOUD_AUDIT_HEADS_DIR) / f"{chain}.jsonl"


def test_a_request_only_appends(muni_a: Municipality) -> None:
    with municipality_scope(muni_a, CLERK):
        rec = audit.record("test.read", object_type="Note", object_id=1)
    stored = AuditRecord.objects.get(pk=rec.pk)
    assert stored.seq is None and stored.hash == "" and stored.prev_hash == ""
    assert not AuditChainHead.objects.exists()  # no head row is touched, let alone locked, by a request
    result = verify_chain(muni_a.code)
    assert result.ok and result.unsealed == 1 and result.checked == 0
    assert chains_to_seal() == [muni_a.code]
    [sealed] = seal()
    assert (sealed.chain, sealed.sealed, sealed.last_seq) == (muni_a.code, 1, 1)
    assert seal() == []  # nothing left to seal


def test_sealing_in_batches_signs_each_head_in_the_db_and_the_external_store(muni_a: Municipality) -> None:
    recs = _write(muni_a, 5, sealed=False)
    [result] = seal(batch=2)
    assert result.sealed == 5
    recs = [AuditRecord.objects.get(pk=r.pk) for r in recs]
    assert [r.seq for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0].prev_hash == GENESIS and all(b.prev_hash == a.hash for a, b in itertools.pairwise(recs))
    heads = read_heads(muni_a.code)
    assert [h.last_seq for h in heads if isinstance(h, Head)] == [2, 4, 5]
    public = verify_key()
    assert public is not None
    assert all(isinstance(h, Head) and h.signature_ok(public) and h.municipality == muni_a.code for h in heads)
    assert list(SealedHead.objects.filter(chain=muni_a.code).values_list("last_seq", "last_hash")) == [
        (h.last_seq, h.last_hash) for h in heads if isinstance(h, Head)]
    out, _ = run_verify("--municipality", muni_a.code)
    assert f"OK  {muni_a.code}: 5 件の記録を検証しました。チェーンは完全です。署名済みの先頭は連番 5。" in out


@pytest.mark.django_db(transaction=True)
def test_two_records_swapped_are_detected(muni_a: Municipality) -> None:
    recs = _write(muni_a, 4)
    tamper("UPDATE audit_auditrecord SET seq = 1000 WHERE id = %s", [recs[1].pk])
    tamper("UPDATE audit_auditrecord SET seq = 2 WHERE id = %s", [recs[2].pk])
    tamper("UPDATE audit_auditrecord SET seq = 3 WHERE id = %s", [recs[1].pk])
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert f"NG  {muni_a.code}: 連番 2（id={recs[2].pk}） で壊れています: 直前の記録のハッシュと一致しません" in err


@pytest.mark.django_db(transaction=True)
def test_dropped_tail_with_the_head_moved_back_is_detected(muni_a: Municipality) -> None:
    recs = _write(muni_a, 3)
    tamper("DELETE FROM audit_auditrecord WHERE id = %s", [recs[-1].pk])
    tamper("UPDATE audit_auditchainhead SET last_seq = 2, last_hash = %s WHERE chain = %s", [recs[1].hash, muni_a.code])
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert "末尾の記録がありません（記録は 2 件、署名済みの先頭は連番 3）" in err
    # The sealer carries on from the moved-back head: the new record 3 contradicts the signed head 3.
    [new] = _write(muni_a, 1)
    assert new.seq == 3
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert f"連番 3（id={new.pk}） で壊れています: 署名済みの先頭とハッシュが一致しません" in err


@pytest.mark.django_db(transaction=True)
def test_every_hash_recomputed_after_a_change_is_detected_by_the_signed_head(muni_a: Municipality) -> None:
    recs = _write(muni_a, 3)
    prev = GENESIS
    for rec in recs:  # what someone with write access to the database can do
        if rec.seq == 2:
            rec.action = "test.nothing_to_see"
        rec.prev_hash = prev
        rec.hash = compute_hash(rec, muni_a.code)
        tamper("UPDATE audit_auditrecord SET action = %s, prev_hash = %s, hash = %s WHERE id = %s",
               [rec.action, rec.prev_hash, rec.hash, rec.pk])
        prev = rec.hash
    tamper("UPDATE audit_auditchainhead SET last_hash = %s WHERE chain = %s", [prev, muni_a.code])
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert f"連番 3（id={recs[2].pk}） で壊れています: 署名済みの先頭とハッシュが一致しません" in err
    # Without the external store the forgery would pass: the walk alone finds nothing.
    settings.LGCLOUD_AUDIT_HEADS_DIR = str(Path(settings.LGCLOUD_AUDIT_HEADS_DIR) / "elsewhere")
    assert verify_chain(muni_a.code).reason.startswith("外部に署名済みの先頭がありません")


def test_a_head_not_signed_by_the_key_is_refused(muni_a: Municipality) -> None:
    recs = _write(muni_a, 2)
    line = json.loads(_heads_file(muni_a.code).read_text().splitlines()[-1])
    line.update(last_seq=1, last_hash=recs[0].hash)  # a head the signer never signed
    with _heads_file(muni_a.code).open("a") as f:
        f.write(json.dumps(line) + "\n")
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert "外部の署名済み先頭（連番 1）の署名が検証できません" in err


def test_a_record_unsealed_longer_than_allowed_is_reported(muni_a: Municipality, monkeypatch: Any) -> None:
    _write(muni_a, 1)
    earlier = timezone.now() - dt.timedelta(seconds=120)
    monkeypatch.setattr(audit.timezone, "now", lambda: earlier)
    _write(muni_a, 1, sealed=False)
    monkeypatch.undo()
    assert settings.LGCLOUD_AUDIT_MAX_UNSEALED_SECONDS == 60  # the stated bound (settings, environment)
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert "封印されていない記録が 1 件、60 秒を超えています" in err and "（未封印 1 件）" in err
    settings.LGCLOUD_AUDIT_MAX_UNSEALED_SECONDS = 300
    try:
        assert verify_chain(muni_a.code).ok
    finally:
        settings.LGCLOUD_AUDIT_MAX_UNSEALED_SECONDS = 60
    seal()
    out, _ = run_verify("--municipality", muni_a.code)
    assert "OK  " in out and "2 件の記録を検証しました" in out


def test_the_events_worker_seals(muni_a: Municipality, muni_b: Municipality) -> None:
    _write(muni_a, 2, sealed=False)
    _write(muni_b, 1, sealed=False)
    call_command("events", "worker", "--once", stdout=io.StringIO(), stderr=io.StringIO())
    assert not AuditRecord.objects.filter(seq__isnull=True).exists()
    assert _heads_file(muni_a.code).exists() and _heads_file(muni_b.code).exists()
    out = io.StringIO()
    call_command("audit", "seal", stdout=out)
    assert out.getvalue() == ""
    out, _ = run_verify("--all")
    assert f"OK  {muni_a.code}: 2 件" in out and f"OK  {muni_b.code}: 1 件" in out


def test_a_chain_written_before_sealing_stays_verifiable(muni_a: Municipality) -> None:
    """Data of the former in-request chaining: records with seq and hashes, a head, no signed head yet."""
    prev = GENESIS
    now = timezone.now()
    for seq in (1, 2, 3):
        rec = AuditRecord(chain=muni_a.code, seq=seq, municipality=muni_a, occurred_at=now, actor="old",
                          role="counter_clerk", channel="web", action="registry.person_viewed", prev_hash=prev)
        rec.hash = compute_hash(rec, muni_a.code)
        rec.save()
        rec.refresh_from_db()
        assert compute_hash(rec, muni_a.code) == rec.hash  # the stored form hashes as before
        prev = rec.hash
    AuditChainHead.objects.create(chain=muni_a.code, last_seq=3, last_hash=prev)
    _msg, err = run_verify_failing("--municipality", muni_a.code)
    assert "外部に署名済みの先頭がありません（audit seal を実行してください）" in err
    assert chains_to_seal() == [muni_a.code]
    [result] = seal()
    assert (result.sealed, result.last_seq) == (0, 3)
    [new] = _write(muni_a, 1)
    assert new.seq == 4 and new.prev_hash == prev
    out, _ = run_verify("--municipality", muni_a.code)
    assert "4 件の記録を検証しました" in out and "署名済みの先頭は連番 4" in out


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    settings.LGCLOUD_AUDIT_SIGNING_KEY = str(path)
    out = io.StringIO()
    call_command("audit", "keygen", stdout=out)
    assert "署名鍵を" in out.getvalue() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "k.pem.pub").exists()
    call_command("audit", "keygen", "--if-missing", stdout=io.StringIO())


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_open_audit_write_does_not_block_another_of_the_same_member(muni_a: Municipality) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    written, release, failed = threading.Event(), threading.Event(), []

    def clerk_holding_a_transaction() -> None:
        try:
            with transaction.atomic(), municipality_scope(muni_a, CLERK):
                audit.record("test.read", object_type="Note", object_id="held")
                written.set()
                release.wait(10)
        except Exception as e:
            failed.append(e)
            written.set()
        finally:
            connection.close()

    other = threading.Thread(target=clerk_holding_a_transaction)
    other.start()
    try:
        assert written.wait(10) and not failed
        with transaction.atomic(), municipality_scope(muni_a, CLERK):
            with connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '300ms'")
            mine = audit.record("test.read", object_type="Note", object_id="mine")
        # The sealer does not wait for the open transaction either: it seals what is committed.
        with connection.cursor() as cur:
            cur.execute("SET lock_timeout = '300ms'")
        seal()
        assert AuditRecord.objects.get(pk=mine.pk).seq == 1
    finally:
        release.set()
        other.join(10)
        with connection.cursor() as cur:
            cur.execute("SET lock_timeout = 0")
    assert not failed
    seal()  # committed later, sealed later
    held = AuditRecord.objects.get(object_id="held")
    assert held.seq == 2 and held.pk < mine.pk
    assert verify_chain(muni_a.code).ok
    assert os.path.exists(_heads_file(muni_a.code))


def test_each_request_has_an_id_in_its_header_and_its_audit_records(staff_of: dict[str, Any],
                                                                     muni_a: Municipality) -> None:
    from tests.conftest import api_client, logged_in

    first = logged_in(staff_of["counter_clerk"]).get("/testapp/notes/")
    second = logged_in(staff_of["counter_clerk"]).get("/testapp/notes/", HTTP_X_REQUEST_ID="proxy-given-id-1")
    ids = [first["X-Request-ID"], second["X-Request-ID"]]
    assert ids[0] and ids[1] == "proxy-given-id-1"
    recorded = list(AuditRecord.objects.filter(action="testapp.note_list").order_by("id")
                    .values_list("request_id", flat=True))
    assert recorded == ids
    admin = api_client(staff_of["municipal_admin"])
    admin.put("/api/v1/municipality/parameters/registry.restriction.temporary_lift_minutes/2026", {"value": "30"},
              content_type="application/json")
    api = admin.get("/api/v1/municipality/audit")
    assert api["X-Request-ID"] and len(api["X-Request-ID"]) >= 8
    seal()
    assert verify_chain(muni_a.code).ok  # the id is part of what the hash covers
    rec = AuditRecord.objects.filter(action="testapp.note_list").first()
    assert rec is not None
    rec.request_id = "another-request-id"
    assert compute_hash(rec, muni_a.code) != rec.hash
