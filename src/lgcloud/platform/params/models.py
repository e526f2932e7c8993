"""The parameter catalogue (the standard) and per-municipality overrides by fiscal year."""

from __future__ import annotations

from django.db import models


class ValueType(models.TextChoices):
    YEN = "yen", "円"
    RATE = "rate", "率（%）"
    INTEGER = "integer", "整数"
    DECIMAL = "decimal", "数値"
    CHOICE = "choice", "選択"
    BOOLEAN = "boolean", "有無"


class Parameter(models.Model):
    """One named parameter of the standard: what it is, its unit, range and legal basis."""

    name = models.CharField("パラメータ名", max_length=100, unique=True)
    label = models.CharField("名称", max_length=200)
    area = models.CharField("業務", max_length=40)
    unit = models.CharField("単位", max_length=20, blank=True)
    value_type = models.CharField("型", max_length=10, choices=ValueType.choices)
    min_value = models.DecimalField("下限", max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField("上限", max_digits=20, decimal_places=6, null=True, blank=True)
    choices = models.JSONField("選択肢", default=list, blank=True)
    note = models.TextField("説明", blank=True)
    legal_basis = models.CharField("根拠", max_length=300, blank=True)
    overridable = models.BooleanField("団体ごとに変更可", default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["area", "sort_order", "name"]
        verbose_name = "パラメータ"

    def __str__(self) -> str:
        return f"{self.label}（{self.name}）"


class StandardValue(models.Model):
    """The standard default of a parameter from a fiscal year on (until a later row replaces it)."""

    parameter = models.ForeignKey(Parameter, on_delete=models.CASCADE, related_name="standard_values")
    fiscal_year = models.PositiveIntegerField("年度")
    value = models.CharField("標準値", max_length=100)

    class Meta:
        ordering = ["parameter", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["parameter", "fiscal_year"], name="standard_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.parameter.name} FY{self.fiscal_year} = {self.value}"


class Override(models.Model):
    """A municipality's own value of a parameter for one fiscal year (a deviation from the standard)."""

    parameter = models.ForeignKey(Parameter, on_delete=models.PROTECT, related_name="overrides")
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveIntegerField("年度")
    value = models.CharField("設定値", max_length=100)
    reason = models.CharField("理由", max_length=300, blank=True)
    set_by = models.CharField("設定者", max_length=150)
    set_at = models.DateTimeField("設定日時", auto_now=True)

    class Meta:
        ordering = ["municipality", "parameter", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["parameter", "municipality", "fiscal_year"], name="override_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}:{self.parameter.name} FY{self.fiscal_year} = {self.value}"
