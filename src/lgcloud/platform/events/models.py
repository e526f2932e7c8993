"""The outbox of domain events and each subscriber's cursor, both per municipality.

An event names people (宛名番号, 生年月日), so the outbox is personal data: scoped like the register,
under row-level security on PostgreSQL, read only by the processor within each municipality's context.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from lgcloud.platform.tenancy.scoping import ScopedModel


class DomainEvent(ScopedModel):
    """One committed fact another app may react to. Ids rise in commit order within a municipality
    (publish serialises publishers of one municipality until they commit), so a cursor never skips one."""

    kind = models.CharField("種別", max_length=80)
    payload = models.JSONField("内容", encoder=DjangoJSONEncoder, default=dict)
    occurred_at = models.DateTimeField("発生日時", default=timezone.now)
    source = models.CharField("発生元", max_length=40)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["municipality", "id"], name="events_domainevent_muni_id")]

    def __str__(self) -> str:
        return f"{self.pk} {self.kind}"


class SubscriberCursor(ScopedModel):
    """How far one subscriber has got in one municipality's outbox, and its last failure."""

    subscriber = models.CharField("購読者", max_length=100)
    position = models.BigIntegerField("処理済みのイベント番号", default=0)
    attempts = models.PositiveIntegerField("連続失敗回数", default=0)
    failed_event_id = models.BigIntegerField("失敗したイベント番号", null=True, blank=True)
    last_error = models.TextField("最後のエラー", blank=True)
    failed_at = models.DateTimeField("失敗日時", null=True, blank=True)
    next_retry_at = models.DateTimeField("次の再試行", null=True, blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["subscriber"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "subscriber"], name="events_cursor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} @ {self.position}"
