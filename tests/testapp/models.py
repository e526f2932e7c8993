from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel


class Note(ScopedModel):
    """Stands in for a personal-data model until the registry exists."""

    subject = models.CharField(max_length=100)
    body = models.TextField()

    def __str__(self) -> str:
        return self.subject


class Delivery(ScopedModel):
    """One call of a toy subscriber (tests of the events app count them)."""

    subscriber = models.CharField(max_length=100)
    event_id = models.BigIntegerField()
    kind = models.CharField(max_length=80)
    person_nos = models.JSONField(default=list)


class ToyResident(ScopedModel):
    """A toy subscriber's own view of the register, kept from registry events (idempotent state)."""

    person_no = models.BigIntegerField()
    status = models.CharField(max_length=10)
    household_no = models.BigIntegerField(null=True)
    birth_date = models.CharField(max_length=10, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "person_no"], name="toyresident_unique")]
