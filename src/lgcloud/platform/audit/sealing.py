"""Sealing: folding appended records into each chain's hash chain, in batches, and signing the head.

Records are appended by requests with no place in their chain yet (`seq` NULL). `seal` takes each chain's
unsealed records in append order (the primary key), gives each the next `seq`, the previous record's hash and
its own hash, moves the chain head, and writes a signed head — in the database (SealedHead, for the screens)
and in the external store (signing.append_head), which is what `audit verify` trusts. Only the sealer locks a
chain head, so requests never wait on it.

A record committed late (a long transaction) is simply sealed in a later batch: the chain order is the order
of sealing, not of the ids. The longest a record stays unsealed is the seal interval
(LGCLOUD_AUDIT_SEAL_INTERVAL, 5 s by default) plus the length of the transaction that wrote it plus one
sealing run; `audit verify` reports as an error any record unsealed for longer than
LGCLOUD_AUDIT_MAX_UNSEALED_SECONDS (60 s by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from lgcloud.platform.audit.models import AuditChainHead, AuditRecord, SealedHead
from lgcloud.platform.audit.services import GENESIS, compute_hash
from lgcloud.platform.audit.signing import Head, append_head, signing_key
from lgcloud.platform.tenancy.models import Municipality

BATCH = 5000


@dataclass
class SealResult:
    chain: str
    sealed: int
    last_seq: int

    def line(self) -> str:
        return f"{self.chain}: {self.sealed} 件を封印しました（末尾の連番 {self.last_seq}）。"


def chains_to_seal() -> list[str]:
    """Chains with unsealed records, and chains whose current head was never signed (data sealed by the
    former in-request chaining, before signed heads existed)."""
    pending = set(AuditRecord.objects.filter(seq__isnull=True).values_list("chain", flat=True).distinct())
    signed = SealedHead.objects.filter(chain=OuterRef("chain"), last_seq=OuterRef("last_seq"))
    pending |= set(AuditChainHead.objects.filter(last_seq__gt=0).exclude(Exists(signed))
                   .values_list("chain", flat=True))
    return sorted(pending)


def _write_seals(recs: list[AuditRecord]) -> None:
    """Store the batch's seq, prev_hash and hash: on PostgreSQL one `UPDATE … FROM unnest(…)` for the whole batch
    (four array parameters, whatever the batch size: Django's bulk_update builds a CASE per column and row,
    quadratic to compile on big batches); elsewhere (SQLite) one prepared UPDATE executed for every row."""
    table = connection.ops.quote_name(AuditRecord._meta.db_table)
    if connection.vendor == "postgresql":
        sql = (f"UPDATE {table} AS r SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
               "FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[]) AS v(id, seq, prev_hash, hash) "
               "WHERE r.id = v.id")
        params: list = [[r.pk for r in recs], [r.seq for r in recs], [r.prev_hash for r in recs],
                        [r.hash for r in recs]]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            if cur.rowcount != len(recs):
                raise RuntimeError(f"audit sealing: {cur.rowcount} of {len(recs)} records updated")
    else:
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
                            [(r.seq, r.prev_hash, r.hash, r.pk) for r in recs])


def _seal_batch(chain: str, batch: int) -> tuple[int, int, Head | None]:
    """One transaction: seal up to `batch` records of the chain and sign the head. Returns (sealed, last_seq,
    head to write out)."""
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            chain=chain, defaults={"last_seq": 0, "last_hash": GENESIS})
        recs = list(AuditRecord.objects.filter(chain=chain, seq__isnull=True)
                    .select_related("municipality").order_by("id")[:batch])
        municipality: Municipality | None = None
        for rec in recs:
            rec.seq = head.last_seq + 1
            rec.prev_hash = head.last_hash
            rec.hash = compute_hash(rec, rec.municipality.code if rec.municipality else "")
            head.last_seq, head.last_hash = rec.seq, rec.hash
            municipality = rec.municipality or municipality
        if recs:
            _write_seals(recs)
            head.save(update_fields=["last_seq", "last_hash"])
        elif not head.last_seq or SealedHead.objects.filter(chain=chain, last_seq=head.last_seq).exists():
            return 0, head.last_seq, None
        if municipality is None:
            municipality = Municipality.objects.filter(code=chain).first()
        signed = Head(chain, municipality.code if municipality else "", head.last_seq, head.last_hash,
                      timezone.now().isoformat()).signed(signing_key())
        SealedHead.objects.create(chain=chain, municipality=municipality, last_seq=signed.last_seq,
                                  last_hash=signed.last_hash, sealed_at=signed.sealed_at,
                                  key_id=signed.key_id, signature=signed.signature)
        return len(recs), head.last_seq, signed


def seal_chain(chain: str, *, batch: int = BATCH) -> SealResult:
    total = 0
    last_seq = 0
    while True:
        n, last_seq, signed = _seal_batch(chain, batch)
        if signed is not None:
            # After the commit: a head is never published for records a rolled-back batch did not seal.
            append_head(signed)
        total += n
        if n < batch:
            return SealResult(chain, total, last_seq)


def seal(chains: list[str] | None = None, *, batch: int = BATCH) -> list[SealResult]:
    """Seal every chain that has something to seal (or the given ones). Run outside a transaction."""
    return [seal_chain(chain, batch=batch) for chain in (chains if chains is not None else chains_to_seal())]


def seal_interval() -> float:
    return float(settings.LGCLOUD_AUDIT_SEAL_INTERVAL)


def max_unsealed_seconds() -> float:
    return float(settings.LGCLOUD_AUDIT_MAX_UNSEALED_SECONDS)
