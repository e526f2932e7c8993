"""処理待ち一覧: proposals raised by events or files, each decided by a clerk who holds its capability."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from lgcloud.platform.tenancy.scoping import ScopedModel


class ItemStatus(models.TextChoices):
    OPEN = "open", "未処理"
    ACCEPTED = "accepted", "承認"
    REJECTED = "rejected", "却下"


class WorkItem(ScopedModel):
    """One proposal: what it is about (subject_ref), why (reason), what would be done (proposed_action) and the
    data the queue's handler needs (payload); then who decided what, when and why (note)."""

    queue = models.CharField("一覧", max_length=60)
    title = models.CharField("件名", max_length=200)
    subject_ref = models.CharField("対象", max_length=120, blank=True)
    reason = models.TextField("理由", blank=True)
    proposed_action = models.TextField("提案する処理", blank=True)
    payload = models.JSONField("処理に使う内容", encoder=DjangoJSONEncoder, default=dict)
    capability = models.CharField("処理に必要な権限", max_length=60)
    link = models.CharField("処理する画面", max_length=300, blank=True)
    status = models.CharField("状態", max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    raised_at = models.DateTimeField("登録日時", default=timezone.now)
    raised_by = models.CharField("登録者", max_length=150, blank=True)
    decided_by = models.CharField("処理者", max_length=150, blank=True)
    decided_at = models.DateTimeField("処理日時", null=True, blank=True)
    note = models.TextField("処理メモ", blank=True)
    outcome = models.CharField("処理結果", max_length=300, blank=True)
    dedupe_key = models.CharField("重複防止キー", max_length=200, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["municipality", "status", "queue"], name="worklists_item_status")]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "queue", "dedupe_key"], condition=~Q(dedupe_key=""),
                                    name="worklists_item_dedupe"),
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.title}"
