"""国民年金 第1号被保険者: qualification periods (資格取得・喪失) and 免除 applications."""

from __future__ import annotations

from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel


class QualificationReason(models.TextChoices):
    AGE_20 = "age_20", "20歳到達"
    MOVE_IN_FROM_ABROAD = "move_in_from_abroad", "海外からの転入"
    LEFT_CATEGORY2 = "left_category2", "第2号被保険者でなくなった（退職等）"
    LEFT_CATEGORY3 = "left_category3", "第3号被保険者でなくなった（扶養から外れた）"
    AGE_60 = "age_60", "60歳到達"
    DEATH = "death", "死亡"
    BECAME_CATEGORY2 = "became_category2", "第2号被保険者となった"
    BECAME_CATEGORY3 = "became_category3", "第3号被保険者となった"
    MOVE_OUT_ABROAD = "move_out_abroad", "海外転出"
    OTHER = "other", "その他"


class Qualification(ScopedModel):
    person_no = models.BigIntegerField("宛名番号", db_index=True)
    qualification_start = models.DateField("資格取得日")
    start_reason = models.CharField("取得事由", max_length=30, choices=QualificationReason.choices)
    qualification_end = models.DateField("資格喪失日", null=True, blank=True)
    end_reason = models.CharField("喪失事由", max_length=30, choices=QualificationReason.choices, blank=True)
    recorded_by = models.CharField("記録者", max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_no", "qualification_start"]
        verbose_name = "第1号被保険者資格"


class ExemptionApplication(ScopedModel):
    """免除・納付猶予 申請 with its income test and result (the 届書 reported to the pension service)."""

    person_no = models.BigIntegerField("宛名番号", db_index=True)
    fiscal_year = models.PositiveIntegerField("対象年度")
    applied_on = models.DateField("申請日")
    deferment = models.BooleanField("納付猶予の申請", default=False)
    tests = models.JSONField("所得の審査（本人・配偶者・世帯主）", default=list)
    result = models.CharField("結果", max_length=20, blank=True)  # full / three_quarters / half / quarter / deferment / ""
    recorded_by = models.CharField("記録者", max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_on"]
        verbose_name = "免除・納付猶予申請"
