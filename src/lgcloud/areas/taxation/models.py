"""税務 records: 家屋敷 taxpayers entered by hand, income records, assessments with their versions.

Taxpayers who live in the municipality are *not* copied here: the assessment reads the register as of
1 January through `lgcloud.areas.registry.public` and names them by 宛名番号 (`person_no`).
"""

from __future__ import annotations

from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel

RESIDENCE_ONLY_BASE = 900_000_000  # 家屋敷 taxpayers get numbers outside the register's 宛名番号


class IncomeKind(models.TextChoices):
    SALARY_REPORT = "salary_report", "給与支払報告書"
    PENSION_REPORT = "pension_report", "公的年金等支払報告書"
    TAX_RETURN = "tax_return", "申告"


class MatchedBy(models.TextChoices):
    INDIVIDUAL_NUMBER = "individual_number", "個人番号"
    NAME_AND_BIRTH_DATE = "name_birth_date", "氏名・生年月日"
    MANUAL = "manual", "職員が照合"
    UNMATCHED = "", "未照合"


class ResidenceOnlyTaxpayer(ScopedModel):
    """A non-resident with an office or second home (家屋敷) here: 均等割 only, entered by hand."""

    fiscal_year = models.PositiveIntegerField("年度")
    full_name = models.CharField("氏名", max_length=100)
    kana = models.CharField("フリガナ", max_length=100, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    address = models.CharField("住所", max_length=200)
    property_address = models.CharField("家屋敷の所在", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fiscal_year", "pk"]

    @property
    def taxpayer_no(self) -> int:
        return RESIDENCE_ONLY_BASE + int(self.pk)


class IncomeRecord(ScopedModel):
    """One 給与支払報告書 / 公的年金等支払報告書 / 申告 for one person and one income year (FY − 1)."""

    fiscal_year = models.PositiveIntegerField("年度")
    kind = models.CharField("種類", max_length=20, choices=IncomeKind.choices)
    person_no = models.BigIntegerField("宛名番号", null=True, blank=True, db_index=True)
    matched_by = models.CharField("照合", max_length=20, choices=MatchedBy.choices, blank=True)
    source_file = models.CharField("取込ファイル", max_length=200, blank=True)
    line_no = models.PositiveIntegerField("行", null=True, blank=True)
    payer_no = models.CharField("支払者番号（特別徴収義務者）", max_length=20, blank=True)
    payer_name = models.CharField("支払者", max_length=100, blank=True)
    full_name = models.CharField("氏名", max_length=100)
    birth_date = models.DateField("生年月日", null=True)
    address = models.CharField("住所", max_length=200, blank=True)
    salary_revenue = models.BigIntegerField("給与収入", default=0)
    pension_revenue = models.BigIntegerField("公的年金等の収入", default=0)
    other_income = models.BigIntegerField("その他の所得", default=0)
    social_insurance_paid = models.BigIntegerField("社会保険料", default=0)
    life_insurance_deduction = models.BigIntegerField("生命保険料控除額", default=0)
    spouse = models.JSONField("配偶者", null=True, blank=True)  # {"income", "age"}
    dependants = models.JSONField("扶養親族", default=list, blank=True)  # [{"income", "age", "living_together"}]
    payroll_withholding = models.BooleanField("特別徴収", default=False)
    superseded = models.BooleanField("訂正済み", default=False)
    note = models.CharField("備考", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fiscal_year", "pk"]
        indexes = [models.Index(fields=["municipality", "fiscal_year", "person_no"], name="taxation_income_fy_person")]


class Assessment(ScopedModel):
    """One version of one taxpayer's 個人住民税 for a fiscal year: its inputs, parameters, result, collection."""

    fiscal_year = models.PositiveIntegerField("年度")
    person_no = models.BigIntegerField("宛名番号")
    version = models.PositiveIntegerField("版")
    reason = models.CharField("理由", max_length=200)  # 当初賦課 / 更正（…）
    assessed_on = models.DateField("賦課日")
    is_current = models.BooleanField(default=True)
    full_name = models.CharField("氏名", max_length=100)
    input_hash = models.CharField("入力のハッシュ", max_length=64)
    parameter_version = models.CharField("パラメータ版", max_length=64)
    facts = models.JSONField("課税の基礎")
    result = models.JSONField("計算結果と内訳")
    total = models.BigIntegerField("年税額")
    collection_method = models.CharField("徴収方法", max_length=30)
    installments = models.JSONField("期別")

    class Meta:
        ordering = ["fiscal_year", "person_no", "version"]
        constraints = [models.UniqueConstraint(fields=["municipality", "fiscal_year", "person_no", "version"],
                                               name="taxation_assessment_version")]
        indexes = [models.Index(fields=["municipality", "fiscal_year", "is_current"], name="taxation_assess_current")]

from lgcloud.areas.taxation.property_models import (  # noqa: E402,F401  (one models module for Django)
    Building,
    CoOwnerGroup,
    LandParcel,
    LedgerChange,
    Ownership,
    PropertyAssessment,
    PropertyOwner,
)
