"""Meters per member and month. Counts arrive as append-only increments (no row that every request updates);
the events worker rolls them up into monthly totals, and every read adds whatever is not rolled up yet.
Aggregates only: no resident is named, so these rows are not scoped; the group's secretariat reads them."""

from __future__ import annotations

from django.db import models


class MonthlyTotal(models.Model):
    """A counter's total for a month (rolled up), or a gauge's level in that month."""

    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    meter = models.CharField("メーター", max_length=40)
    month = models.DateField("月")
    value = models.BigIntegerField("値", default=0)

    class Meta:
        ordering = ["municipality", "meter", "month"]
        constraints = [models.UniqueConstraint(fields=["municipality", "meter", "month"],
                                               name="metering_total_unique")]

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.meter} {self.month:%Y-%m} = {self.value}"


class Increment(models.Model):
    """One `record` call not yet rolled up: written with a plain INSERT, never updated."""

    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    meter = models.CharField("メーター", max_length=40)
    month = models.DateField("月")
    amount = models.BigIntegerField("加算量")

    def __str__(self) -> str:
        return f"{self.municipality_id} {self.meter} {self.month:%Y-%m} + {self.amount}"
