"""The append-only, hash-chained audit log (アクセスログ), one chain per municipality.

Records of secretariat and operator actions, which concern no single
municipality, go into the chain "platform". On PostgreSQL the application
role may only INSERT into and SELECT from audit_auditrecord (tenancy.rls).
"""

from __future__ import annotations

from django.db import models

PLATFORM_CHAIN = "platform"


class AuditRecord(models.Model):
    chain = models.CharField("チェーン", max_length=16, db_index=True)
    seq = models.PositiveBigIntegerField("連番")
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
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")]
        verbose_name = "監査記録"

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The tail of each chain: serialises appends and witnesses the last record,
    so that deleting the newest records is detected too."""

    chain = models.CharField(max_length=16, unique=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.chain}@{self.last_seq}"
