"""固定資産税 ledger: 土地 and 家屋 of a fiscal year, their owners with co-ownership shares, the history of every
change, and the assessment per taxpayer (a sole owner, or the co-owners of a property together: 連帯納税義務)."""

from __future__ import annotations

from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel

NON_RESIDENT_BASE = 800_000_000  # owners who are not on this register get numbers outside the 宛名番号
CO_OWNERS_BASE = 700_000_000  # co-owner groups (共有者) are one taxpayer each


class OwnerKind(models.TextChoices):
    RESIDENT = "resident", "住民"
    NON_RESIDENT = "non_resident", "市外居住者"
    CORPORATION = "corporation", "法人"


class PropertyOwner(ScopedModel):
    kind = models.CharField("区分", max_length=20, choices=OwnerKind.choices)
    person_no = models.BigIntegerField("宛名番号", null=True, blank=True)
    name = models.CharField("氏名・名称", max_length=200)
    address = models.CharField("住所・所在地", max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]

    @property
    def taxpayer_no(self) -> int:
        if self.kind == OwnerKind.RESIDENT and self.person_no:
            return int(self.person_no)
        return NON_RESIDENT_BASE + int(self.pk)


class ResidentialKind(models.TextChoices):
    NONE = "none", "非住宅用地"
    SMALL = "small", "住宅用地（小規模を含む）"
    GENERAL = "general", "一般住宅用地"


class LandParcel(ScopedModel):
    fiscal_year = models.PositiveIntegerField("年度")
    location = models.CharField("所在", max_length=200)
    lot_number = models.CharField("地番", max_length=40)
    land_category = models.CharField("地目", max_length=20)
    area_m2 = models.DecimalField("地積（㎡）", max_digits=12, decimal_places=2)
    value = models.BigIntegerField("評価額")
    previous_tax_base = models.BigIntegerField("前年度課税標準額", null=True, blank=True)
    residential = models.CharField("住宅用地", max_length=10, choices=ResidentialKind.choices, default="none")
    dwellings = models.PositiveIntegerField("住戸数", default=0)

    class Meta:
        ordering = ["fiscal_year", "location", "lot_number"]


class Building(ScopedModel):
    fiscal_year = models.PositiveIntegerField("年度")
    location = models.CharField("所在", max_length=200)
    building_number = models.CharField("家屋番号", max_length=40)
    kind = models.CharField("種類", max_length=20)
    structure = models.CharField("構造", max_length=40)
    floor_area_m2 = models.DecimalField("床面積（㎡）", max_digits=12, decimal_places=2)
    value = models.BigIntegerField("評価額")

    class Meta:
        ordering = ["fiscal_year", "location", "building_number"]


class Ownership(ScopedModel):
    owner = models.ForeignKey(PropertyOwner, on_delete=models.PROTECT, related_name="ownerships")
    land = models.ForeignKey(LandParcel, on_delete=models.CASCADE, null=True, blank=True, related_name="ownerships")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, null=True, blank=True, related_name="ownerships")
    share_numerator = models.PositiveIntegerField("持分（分子）", default=1)
    share_denominator = models.PositiveIntegerField("持分（分母）", default=1)

    class Meta:
        ordering = ["pk"]


class LedgerChange(ScopedModel):
    """History: every change of the ledger with its reason (the row's values before and after)."""

    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    reason = models.CharField("理由", max_length=200)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    changed_by = models.CharField(max_length=150)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]


class CoOwnerGroup(ScopedModel):
    """The co-owners of one or more properties, taxed together (連帯納税義務)."""

    owner_ids = models.CharField(max_length=200)  # sorted ids "3,7"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "owner_ids"], name="taxation_coowners_unique")]

    @property
    def taxpayer_no(self) -> int:
        return CO_OWNERS_BASE + int(self.pk)


class PropertyAssessment(ScopedModel):
    fiscal_year = models.PositiveIntegerField("年度")
    taxpayer_no = models.BigIntegerField("納税義務者番号")
    taxpayer_name = models.CharField("納税義務者", max_length=300)
    version = models.PositiveIntegerField("版")
    reason = models.CharField("理由", max_length=200)
    assessed_on = models.DateField("賦課日")
    is_current = models.BooleanField(default=True)
    input_hash = models.CharField(max_length=64)
    parameter_version = models.CharField(max_length=64)
    facts = models.JSONField()
    result = models.JSONField()
    total = models.BigIntegerField("税額")

    class Meta:
        ordering = ["fiscal_year", "taxpayer_no", "version"]
        constraints = [models.UniqueConstraint(fields=["municipality", "fiscal_year", "taxpayer_no", "version"],
                                               name="taxation_property_assessment_version")]
