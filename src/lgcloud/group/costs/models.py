"""Cost records (before and after joining), the group's shared costs, meter readings and sharing formulas."""

from __future__ import annotations

from django.db import models


class CostCategory(models.TextChoices):
    HARDWARE = "hardware", "ハードウェア"
    SOFTWARE = "software", "ソフトウェアライセンス"
    OPERATION = "operation", "運用・保守"
    DATA_CENTRE = "data_centre", "データセンター"
    NETWORK = "network", "ネットワーク"
    CUSTOMIZATION = "customization", "カスタマイズ"
    MIGRATION = "migration", "データ移行"
    TRAINING = "training", "研修"


class CostKind(models.TextChoices):
    INITIAL = "initial", "初期費用"
    RUNNING = "running", "運用費用"


class CostPhase(models.TextChoices):
    BASELINE = "baseline", "共同化前（基準）"
    ACTUAL = "actual", "共同化後"


class CostRecord(models.Model):
    """A member's own cost in one fiscal year, category and kind; baseline (before joining) or actual."""

    group = models.ForeignKey("tenancy.Group", on_delete=models.PROTECT, related_name="+")
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveIntegerField("年度")
    phase = models.CharField("区分", max_length=10, choices=CostPhase.choices)
    kind = models.CharField("費用種別", max_length=10, choices=CostKind.choices)
    category = models.CharField("費目", max_length=20, choices=CostCategory.choices)
    amount = models.PositiveBigIntegerField("金額（円）")
    illustrative = models.BooleanField("例示データ", default=False)
    note = models.CharField("備考", max_length=200, blank=True)
    entered_by = models.CharField("入力者", max_length=150, blank=True)
    entered_at = models.DateTimeField("入力日時", auto_now=True)

    class Meta:
        ordering = ["municipality", "fiscal_year", "phase", "kind", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "fiscal_year", "phase", "kind", "category"], name="cost_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id} FY{self.fiscal_year} {self.phase}/{self.kind}/{self.category} {self.amount}"


class SharedCost(models.Model):
    """A cost of the group as a whole (the joint contract), shared among members by the formula."""

    group = models.ForeignKey("tenancy.Group", on_delete=models.PROTECT, related_name="shared_costs")
    fiscal_year = models.PositiveIntegerField("年度")
    kind = models.CharField("費用種別", max_length=10, choices=CostKind.choices)
    category = models.CharField("費目", max_length=20, choices=CostCategory.choices)
    amount = models.PositiveBigIntegerField("金額（円）")
    illustrative = models.BooleanField("例示データ", default=False)
    note = models.CharField("備考", max_length=200, blank=True)

    class Meta:
        ordering = ["group", "fiscal_year", "kind", "category"]
        constraints = [
            models.UniqueConstraint(fields=["group", "fiscal_year", "kind", "category"], name="shared_cost_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group_id} FY{self.fiscal_year} {self.kind}/{self.category} {self.amount}"


class PopulationSource(models.TextChoices):
    REGISTERED = "registered", "団体の登録人口"
    METER = "meter", "住民数メーター（年度平均）"


class SharingFormula(models.Model):
    """The group's cost-sharing parameters from a fiscal year on (until a later row replaces it)."""

    group = models.ForeignKey("tenancy.Group", on_delete=models.PROTECT, related_name="sharing_formulas")
    fiscal_year = models.PositiveIntegerField("適用開始年度")
    equal_weight = models.DecimalField("均等割の比率", max_digits=7, decimal_places=6)
    population_weight = models.DecimalField("人口割の比率", max_digits=7, decimal_places=6)
    usage_weights = models.JSONField("利用割の比率（メーター別）", default=dict, blank=True)
    population_exponent = models.DecimalField(
        "人口の規模補正指数", max_digits=12, decimal_places=10, default=1,
        help_text="1 = 補正なし。HARP方式（人口2倍で負担1.5倍）は log2(1.5) = 0.5849625007",
    )
    population_source = models.CharField(
        "人口の基準", max_length=12, choices=PopulationSource.choices, default=PopulationSource.REGISTERED
    )
    note = models.CharField("備考", max_length=300, blank=True)

    class Meta:
        ordering = ["group", "fiscal_year"]
        constraints = [models.UniqueConstraint(fields=["group", "fiscal_year"], name="sharing_formula_unique")]

    def __str__(self) -> str:
        return f"{self.group_id} FY{self.fiscal_year}"
