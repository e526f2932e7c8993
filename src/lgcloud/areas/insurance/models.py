"""国民健康保険: households, coverage periods (資格), income facts, and the assessments of each run.

Persons and households are named by the register's 宛名番号 / 世帯番号 (read through registry.public),
never copied. A coverage period is closed (coverage_end) but never deleted; an assessment is never
changed: a recalculation adds a new version and marks the previous one superseded.
"""

from __future__ import annotations

from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel


class StartReason(models.TextChoices):
    MOVE_IN = "move_in", "転入"
    BIRTH = "birth", "出生"
    LEFT_EMPLOYEE_INSURANCE = "left_employee_insurance", "社会保険の資格喪失"
    LEFT_PUBLIC_ASSISTANCE = "left_public_assistance", "生活保護の廃止"
    OTHER = "other", "その他"


class EndReason(models.TextChoices):
    MOVE_OUT = "move_out", "転出"
    DEATH = "death", "死亡"
    JOINED_EMPLOYEE_INSURANCE = "joined_employee_insurance", "社会保険の資格取得"
    LATE_ELDERLY = "late_elderly", "後期高齢者医療へ移行"
    PUBLIC_ASSISTANCE = "public_assistance", "生活保護の開始"
    OTHER = "other", "その他"


class NhiHousehold(ScopedModel):
    """A 国保 household: the register's household, its 世帯主 paying (even when not insured: 擬制世帯主)."""

    household_no = models.BigIntegerField("世帯番号")
    head_person_no = models.BigIntegerField("世帯主の宛名番号")
    specified_since = models.DateField("特定世帯となった日", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "household_no"], name="nhi_household_unique")]
        verbose_name = "国保世帯"

    def __str__(self) -> str:
        return f"国保世帯 {self.household_no}"


class Coverage(ScopedModel):
    """One coverage period (資格) of an insured person: from coverage_start, until coverage_end if closed."""

    household = models.ForeignKey(NhiHousehold, on_delete=models.PROTECT, related_name="coverages")
    person_no = models.BigIntegerField("宛名番号", db_index=True)
    coverage_start = models.DateField("資格取得日")
    start_reason = models.CharField("取得事由", max_length=30, choices=StartReason.choices)
    coverage_end = models.DateField("資格喪失日", null=True, blank=True)
    end_reason = models.CharField("喪失事由", max_length=30, choices=EndReason.choices, blank=True)
    former_insured = models.BooleanField("特定同一世帯所属者", default=False)
    recorded_by = models.CharField("記録者", max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_no", "coverage_start"]
        verbose_name = "国保資格"

    def __str__(self) -> str:
        return f"{self.person_no} {self.coverage_start}–{self.coverage_end or ''}"


class IncomeFact(ScopedModel):
    """A person's income of one calendar year as the 国保税 uses it (from the 申告 / 課税資料)."""

    person_no = models.BigIntegerField("宛名番号")
    income_year = models.PositiveIntegerField("所得年")
    aggregate_income = models.BigIntegerField("総所得金額等", default=0)
    salary_revenue = models.BigIntegerField("給与収入", default=0)
    pension_revenue = models.BigIntegerField("公的年金等収入", default=0)
    declared = models.BooleanField("所得の申告あり", default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "person_no", "income_year"], name="nhi_income_unique")
        ]
        verbose_name = "所得"


class AssessmentRun(ScopedModel):
    """One assessment run: its parameters and digests make it reproducible."""

    fiscal_year = models.PositiveIntegerField("年度")
    kind = models.CharField("種別", max_length=20, default="initial")  # initial / recalculation
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.CharField("実行者", max_length=150)
    parameters = models.JSONField("パラメータ", default=dict)
    input_digest = models.CharField("入力のハッシュ", max_length=64, blank=True)
    output_digest = models.CharField("結果のハッシュ", max_length=64, blank=True)
    households = models.PositiveIntegerField("世帯数", default=0)
    total = models.BigIntegerField("調定額合計", default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "国保税の賦課処理"


class Assessment(ScopedModel):
    """A household's 国保税 for a fiscal year (one version; the current one has superseded_by empty)."""

    # the annual batch writes a version per household (300,000 at once): no single-column index on the municipality
    # (the unique constraint and the index below begin with it) and no row-by-row foreign-key check at commit — the
    # row-level security policy's WITH CHECK already refuses any municipality but the session's, the scoped manager
    # sets it, and PROTECT still refuses to delete a municipality that has any (as revenue's ledger tables do).
    # Likewise no database constraint on the run and the household: checked at commit, each row's check looked up and
    # locked (FOR KEY SHARE) its household, a quarter of the batch's database time; the batch writes only the run it
    # created and households it read in the same transaction, nothing deletes a household or a run, and Django's
    # PROTECT still refuses to delete one that has assessments.
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+",
                                     editable=False, db_index=False, db_constraint=False)
    run = models.ForeignKey(AssessmentRun, on_delete=models.PROTECT, related_name="assessments", db_constraint=False)
    household = models.ForeignKey(NhiHousehold, on_delete=models.PROTECT, related_name="assessments",
                                  db_constraint=False)
    fiscal_year = models.PositiveIntegerField("年度")
    version = models.PositiveIntegerField("版", default=1)
    head_person_no = models.BigIntegerField("納税義務者の宛名番号")
    from_month = models.DateField("再計算の起点月", null=True, blank=True)
    reason = models.CharField("理由", max_length=200, blank=True)
    medical = models.BigIntegerField("医療分", default=0)
    elderly_support = models.BigIntegerField("後期高齢者支援金分", default=0)
    long_term_care = models.BigIntegerField("介護納付金分", default=0)
    child_support = models.BigIntegerField("子ども・子育て支援納付金分", default=0)
    reduction = models.PositiveSmallIntegerField("軽減割合", null=True, blank=True)
    total = models.BigIntegerField("年税額", default=0)
    breakdown = models.JSONField("内訳", default=dict)
    current = models.BooleanField("現在の版", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household", "fiscal_year", "version"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "household", "fiscal_year", "version"],
                                    name="nhi_assessment_version_unique")
        ]
        indexes = [models.Index(fields=["municipality", "fiscal_year", "current"])]
        verbose_name = "国保税"
