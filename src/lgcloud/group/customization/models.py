"""カスタマイズ要望: members' customisation requests, compared side by side and decided by the secretariat.

Not personal data, so these are plain models (not ScopedModel); every row is kept
per group, and the requesting member is `municipality`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from lgcloud.platform.tenancy.models import Group, Municipality


class BusinessArea(models.TextChoices):
    REGISTRY = "registry", "住民記録"
    TAXATION = "taxation", "税務"
    INSURANCE = "insurance", "国民健康保険"
    PENSION = "pension", "国民年金"
    WELFARE = "welfare", "福祉"
    COMMON = "common", "共通"


class Reason(models.TextChoices):
    SERVICE_LEVEL = "service_level", "住民サービス水準の保持"
    OWN_POLICY = "own_policy", "独自施策"
    EFFICIENCY = "efficiency", "事務効率"
    OTHER = "other", "その他"


class Status(models.TextChoices):
    OPEN = "open", "検討中"
    CUSTOMIZED = "customized", "実施（カスタマイズ）"
    MADE_STANDARD = "made_standard", "標準機能化"
    WITHDRAWN = "withdrawn", "取下げ"


DECISIONS = (Status.CUSTOMIZED, Status.MADE_STANDARD, Status.WITHDRAWN)


class CustomizationRequest(models.Model):
    """One member's request to customise the standard system (カスタマイズ要望)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="customization_requests")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="customization_requests", verbose_name="要望団体"
    )
    business_area = models.CharField("業務", max_length=20, choices=BusinessArea.choices)
    topic = models.CharField("件名", max_length=100, help_text="他団体の同種の要望と並べるための短い件名")
    description = models.TextField("要望内容")
    reason = models.CharField("理由", max_length=20, choices=Reason.choices)
    estimated_cost = models.PositiveBigIntegerField("見積額（円）")
    cases_per_year = models.PositiveIntegerField("年間件数")
    status = models.CharField("状態", max_length=20, choices=Status.choices, default=Status.OPEN)
    decision_note = models.TextField("決定理由", blank=True)
    standard_parameter = models.CharField("標準化したパラメータ", max_length=100, blank=True)
    filed_by = models.CharField("提出者", max_length=150)
    filed_at = models.DateTimeField("提出日時", default=timezone.now)
    decided_by = models.CharField("決定者", max_length=150, blank=True)
    decided_at = models.DateTimeField("決定日時", null=True, blank=True)

    class Meta:
        ordering = ["group", "business_area", "topic", "municipality__code"]
        verbose_name = "カスタマイズ要望"
        constraints = [
            models.UniqueConstraint(
                fields=["group", "municipality", "business_area", "topic"], name="customization_one_per_topic"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="customization_decided_iff_not_open",
            ),
        ]
        indexes = [models.Index(fields=["group", "status"]), models.Index(fields=["municipality", "status"])]

    def __str__(self) -> str:
        return f"{self.municipality.name}: {self.topic}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN

    @property
    def member_pays_alone(self) -> bool:
        """A customisation is outside the joint contract: the requesting member bears its cost alone."""
        return self.status == Status.CUSTOMIZED


class CustomizationComment(models.Model):
    """One contribution to the discussion of a request (secretariat or the requesting member)."""

    request = models.ForeignKey(CustomizationRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.CharField("投稿者", max_length=150)
    author_label = models.CharField("投稿者の所属", max_length=200, blank=True)
    body = models.TextField("本文")
    created_at = models.DateTimeField("投稿日時", default=timezone.now)

    class Meta:
        ordering = ["request", "created_at", "pk"]
        verbose_name = "カスタマイズ要望へのコメント"

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:20]}"
