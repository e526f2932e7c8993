"""The append-only, hash-chained audit log (アクセスログ), one chain per municipality.

Records of secretariat and operator actions, which concern no single
municipality, go into the chain "platform". A request only INSERTs its record
(the primary key is the append order: a PostgreSQL identity, SQLite's rowid), so
no request waits for another. The sealer (`lgcloud audit seal`, and the events
worker every LGCLOUD_AUDIT_SEAL_INTERVAL seconds) later gives each unsealed record
its place in its chain (`seq`), the previous record's hash and its own, and
writes a sealed head signed with a key the database does not hold (see
`sealing`). On PostgreSQL the application role may only INSERT into and SELECT
from audit_auditrecord, plus UPDATE of the three sealing columns (tenancy.rls).
"""

from __future__ import annotations

from django.db import models

PLATFORM_CHAIN = "platform"


class AuditRecord(models.Model):
    chain = models.CharField("チェーン", max_length=16, db_index=True)
    seq = models.PositiveBigIntegerField("連番", null=True, blank=True)  # NULL until sealed
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField("日時")
    actor = models.CharField("操作者", max_length=150)
    role = models.CharField("役割", max_length=30)
    channel = models.CharField("経路", max_length=10)
    action = models.CharField("操作", max_length=60)
    object_type = models.CharField("対象種別", max_length=60, blank=True)
    object_id = models.CharField("対象ID", max_length=64, blank=True)
    purpose = models.CharField("利用目的", max_length=200, blank=True)
    individual_number_shown = models.BooleanField("個人番号表示", default=False)
    detail = models.JSONField("詳細", default=dict, blank=True)
    request_id = models.CharField("リクエストID", max_length=64, blank=True, default="")
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        indexes = [models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed")]
        verbose_name = "監査記録"

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq or '未封印'} {self.action}"

    @property
    def sealed(self) -> bool:
        return self.seq is not None


class AuditChainHead(models.Model):
    """The sealer's position in each chain (only the sealer writes it, under a row lock)."""

    chain = models.CharField(max_length=16, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.chain}@{self.last_seq}"


class SealedHead(models.Model):
    """A signed head as sealed (append-only). The copy that counts for `audit verify` is the one in the
    external store (LGCLOUD_AUDIT_HEADS_DIR), out of the database role's reach; this one is for the screens."""

    chain = models.CharField(max_length=16)
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_seq = models.PositiveBigIntegerField()
    last_hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["chain", "last_seq"]
        indexes = [models.Index(fields=["chain", "last_seq"], name="audit_sealedhead_chain_seq")]
        verbose_name = "署名済みチェーン先頭"

    def __str__(self) -> str:
        return f"{self.chain}@{self.last_seq} ({self.sealed_at:%Y-%m-%d %H:%M:%S})"
