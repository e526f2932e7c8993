"""Municipalities, groups and membership (構成団体) with join/leave dates."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from lgcloud.platform.tenancy.codes import validate_municipality_code


def _validate_code(value: str) -> None:
    from django.core.exceptions import ValidationError

    from lgcloud.platform.common.errors import ValidationFailed

    try:
        validate_municipality_code(value)
    except ValidationFailed as e:
        raise ValidationError(e.message) from e


class Municipality(models.Model):
    """地方公共団体 (市区町村). Not scoped itself: it is the scope."""

    code = models.CharField("全国地方公共団体コード", max_length=6, unique=True, validators=[_validate_code])
    prefecture = models.CharField("都道府県", max_length=10)
    name = models.CharField("団体名", max_length=40)
    name_kana = models.CharField("団体名カナ", max_length=80, blank=True)
    population = models.PositiveIntegerField("人口", null=True, blank=True)
    population_source = models.CharField("人口の出典", max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "団体"

    def __str__(self) -> str:
        return f"{self.prefecture}{self.name}"

    def current_membership(self, on: dt.date | None = None) -> Membership | None:
        on = on or timezone.localdate()
        return (
            self.memberships.filter(joined_on__lte=on)
            .filter(models.Q(left_on__isnull=True) | models.Q(left_on__gt=on))
            .select_related("group")
            .first()
        )

    def is_active_member(self, on: dt.date | None = None) -> bool:
        return self.current_membership(on) is not None


class Group(models.Model):
    """自治体クラウドグループ (協議会, 広域連合, 事務組合): the members sharing one deployment."""

    name = models.CharField("グループ名", max_length=100, unique=True)
    prefecture = models.CharField("都道府県", max_length=10, blank=True)
    start_fiscal_year = models.PositiveIntegerField("開始年度", null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "グループ"

    def __str__(self) -> str:
        return self.name

    def members_on(self, on: dt.date | None = None) -> models.QuerySet[Municipality]:
        on = on or timezone.localdate()
        # One membership must satisfy every condition: chained filter() calls across the
        # multi-valued relation would join twice and match another (former or other-group) membership.
        current = Membership.objects.filter(group=self, joined_on__lte=on).filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=on)
        )
        return Municipality.objects.filter(pk__in=current.values("municipality_id"))

    def members_on_any_date(self) -> models.QuerySet[Municipality]:
        """Every municipality that is, was or will be a member."""
        return Municipality.objects.filter(memberships__group=self).distinct()


class Membership(models.Model):
    """構成団体: a municipality's membership of a group, from joined_on until left_on (exclusive)."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="memberships")
    joined_on = models.DateField("加入日")
    left_on = models.DateField("脱退日", null=True, blank=True)
    is_later_member = models.BooleanField("後発団体", default=False)

    class Meta:
        ordering = ["group", "joined_on", "municipality__code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gt=models.F("joined_on")),
                name="membership_left_after_joined",
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} ∈ {self.group}"
