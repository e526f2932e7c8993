"""Writing the audit log.

`record` appends in the caller's transaction (a savepoint if one is open), so
a write of personal data and its audit record commit or roll back together,
and a READ audit is written in the same transaction as the read. It only
INSERTs: no chain head is locked, so no request waits for another's audit. The
record joins its chain's hash chain when the sealer runs (`sealing.seal`);
`verifying.verify_chain` checks the chain against the signed heads.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.platform.audit.models import PLATFORM_CHAIN, AuditRecord
from lgcloud.platform.db import fixed
from lgcloud.platform.observability import request_id
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
    if rec.request_id:  # only records written since the field exists carry it: older hashes stay valid
        content["request_id"] = rec.request_id
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
        rec = AuditRecord(
            chain=chain,
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
            request_id=request_id.current(),  # X-Request-ID of the request (observability)
        )
        fixed.insert(rec)  # INSERT text built once: every audited request writes one
    return rec
