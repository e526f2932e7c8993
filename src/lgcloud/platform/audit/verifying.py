"""Verifying a chain: the hash links in the database, against the signed heads in the external store.

The walk from the genesis finds a changed, deleted or reordered record; the signed heads (which the database
role cannot rewrite) find what a walk cannot: every hash recomputed after a change, or the newest records
dropped with the head moved back. Records not yet sealed are counted, and reported as an error once older
than the stated longest time unsealed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from lgcloud.platform.audit.models import AuditChainHead, AuditRecord
from lgcloud.platform.audit.sealing import max_unsealed_seconds
from lgcloud.platform.audit.services import GENESIS, compute_hash
from lgcloud.platform.audit.signing import Head, read_heads, verify_key


@dataclass
class VerifyResult:
    chain: str
    checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""
    unsealed: int = 0
    signed_seq: int = 0  # the highest seq witnessed by a valid signed head in the external store
    overdue: int = 0  # unsealed records older than the longest time allowed

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.overdue and not self.reason


def _records(chain: str) -> Iterator[AuditRecord]:
    return (AuditRecord.objects.filter(chain=chain, seq__isnull=False).select_related("municipality")
            .order_by("seq").iterator(2000))


def _external(chain: str) -> tuple[dict[int, str], str]:
    """seq → hash of the valid signed heads; the first problem with the store ("" if none)."""
    public = verify_key()
    witnessed: dict[int, str] = {}
    for head in read_heads(chain):
        if not isinstance(head, Head):
            return witnessed, f"外部の署名済み先頭に読めない行があります: {head[:80]}"
        if public is None:
            return witnessed, "署名を検証する公開鍵がありません（LGCLOUD_AUDIT_SIGNING_KEY / LGCLOUD_AUDIT_VERIFY_KEY）"
        if head.chain != chain or not head.signature_ok(public):
            return witnessed, f"外部の署名済み先頭（連番 {head.last_seq}）の署名が検証できません"
        if witnessed.get(head.last_seq, head.last_hash) != head.last_hash:
            return witnessed, f"連番 {head.last_seq} に異なるハッシュの署名済み先頭が2つあります"
        witnessed[head.last_seq] = head.last_hash
    return witnessed, ""


def verify_chain(chain: str, *, now: dt.datetime | None = None) -> VerifyResult:
    """Walk the chain from its genesis; report the first record that does not fit."""
    witnessed, store_problem = _external(chain)
    signed_seq = max(witnessed, default=0)
    result = _walk(chain, witnessed, signed_seq)
    result.signed_seq = signed_seq
    if result.broken_seq is None and store_problem:
        result.reason = store_problem
    unsealed = AuditRecord.objects.filter(chain=chain, seq__isnull=True)
    result.unsealed = unsealed.count()
    if result.unsealed:
        limit = (now or timezone.now()) - dt.timedelta(seconds=max_unsealed_seconds())
        result.overdue = unsealed.filter(occurred_at__lt=limit).count()
        if result.overdue and not result.reason:
            result.reason = (f"封印されていない記録が {result.overdue} 件、{max_unsealed_seconds():g} 秒を超えています"
                             "（audit seal または events worker が動いていません）")
    return result


def _walk(chain: str, witnessed: dict[int, str], signed_seq: int) -> VerifyResult:
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
        if witnessed.get(rec.seq, rec.hash) != rec.hash:
            return VerifyResult(chain, checked, rec.seq, rec.pk,
                                "署名済みの先頭とハッシュが一致しません（記録の書き換えとハッシュの再計算）")
        prev_hash = rec.hash
        expected_seq += 1
        checked += 1
    if signed_seq > checked:
        return VerifyResult(
            chain, checked, checked + 1, None,
            f"末尾の記録がありません（記録は {checked} 件、署名済みの先頭は連番 {signed_seq}）",
        )
    head = AuditChainHead.objects.filter(chain=chain).first()
    last_seq = head.last_seq if head else 0
    if last_seq != checked:
        return VerifyResult(
            chain, checked, checked + 1, None,
            f"末尾の記録がありません（記録は {checked} 件、末尾の連番は {last_seq}）",
        )
    if head and head.last_hash != prev_hash:
        return VerifyResult(chain, checked, last_seq, None, "末尾の記録のハッシュが一致しません")
    if checked and not witnessed:
        return VerifyResult(chain, checked, None, None,
                            "外部に署名済みの先頭がありません（audit seal を実行してください）")
    return VerifyResult(chain, checked)
