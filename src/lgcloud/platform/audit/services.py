"""Writing and verifying the audit log.

`record` appends in the caller's transaction (a savepoint if one is open), so
a write of personal data and its audit record commit or roll back together,
and a READ audit is written in the same transaction as the read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.platform.audit.models import PLATFORM_CHAIN, AuditChainHead, AuditRecord
from lgcloud.platform.tenancy.context import current_actor, current_municipality
from lgcloud.platform.tenancy.models import Municipality

GENESIS = "0" * 64


def _canonical(rec: AuditRecord, municipality_code: str) -> bytes:
    content = {
        "chain": rec.chain,
        "seq": rec.seq,
        "municipality": municipality_code,
        "occurred_at": rec.occurred_at.isoformat(),
        "actor": rec.actor,
        "role": rec.role,
        "channel": rec.channel,
        "action": rec.action,
        "object_type": rec.object_type,
        "object_id": rec.object_id,
        "purpose": rec.purpose,
        "individual_number_shown": rec.individual_number_shown,
        "detail": rec.detail,
        "prev_hash": rec.prev_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(rec: AuditRecord, municipality_code: str) -> str:
    return hashlib.sha256(_canonical(rec, municipality_code)).hexdigest()


def chain_of(municipality: Municipality | None) -> str:
    return municipality.code if municipality is not None else PLATFORM_CHAIN


def record(
    action: str,
    *,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    individual_number_shown: bool = False,
    detail: dict[str, Any] | None = None,
    municipality: Municipality | None = None,
) -> AuditRecord:
    """Append one record to the chain of `municipality` (default: the one in context)."""
    municipality = municipality if municipality is not None else current_municipality()
    actor = current_actor()
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id or getattr(obj, "pk", "")
    object_id = str(object_id)
    if len(object_id) > 64:  # a list of many records: the whole list goes into the detail
        detail = {**(detail or {}), "object_ids": object_id}
        object_id = object_id[:63] + "…"
    chain = chain_of(municipality)
    # No savepoint of its own: an audit record that cannot be written must fail the caller's transaction.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(chain=chain)
        rec = AuditRecord(
            chain=chain,
            seq=head.last_seq + 1,
            municipality=municipality,
            occurred_at=timezone.now(),
            actor=actor.username,
            role=actor.role,
            channel=actor.channel,
            action=action,
            object_type=object_type,
            object_id=object_id,
            purpose=purpose,
            individual_number_shown=individual_number_shown,
            detail=detail or {},
            prev_hash=head.last_hash,
        )
        rec.hash = compute_hash(rec, municipality.code if municipality else "")
        rec.save(force_insert=True)
        head.last_seq = rec.seq
        head.last_hash = rec.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return rec


@dataclass
class VerifyResult:
    chain: str
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _records(chain: str) -> Iterator[AuditRecord]:
    return AuditRecord.objects.filter(chain=chain).select_related("municipality").order_by("seq").iterator(2000)


def verify_chain(chain: str) -> VerifyResult:
    """Walk the chain from its genesis; report the first record that does not fit."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    for rec in _records(chain):
        if rec.seq != expected_seq:
            return VerifyResult(
                chain, checked, expected_seq, None, f"連番 {expected_seq} の記録がありません（削除された可能性）"
            )
        if rec.prev_hash != prev_hash:
            return VerifyResult(chain, checked, rec.seq, rec.pk, "直前の記録のハッシュと一致しません")
        code = rec.municipality.code if rec.municipality is not None else ""
        if compute_hash(rec, code) != rec.hash:
            return VerifyResult(chain, checked, rec.seq, rec.pk, "記録の内容がハッシュと一致しません（改ざん）")
        prev_hash = rec.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    last_seq = head.last_seq if head else 0
    if last_seq != checked:
        return VerifyResult(
            chain, checked, checked + 1, None,
            f"末尾の記録がありません（記録は {checked} 件、末尾の連番は {last_seq}）",
        )
    if head and head.last_hash != prev_hash:
        return VerifyResult(chain, checked, last_seq, None, "末尾の記録のハッシュが一致しません")
    return VerifyResult(chain, checked)
