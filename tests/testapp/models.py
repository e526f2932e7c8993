from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel


class Note(ScopedModel):
    """Stands in for a personal-data model until the registry exists."""

    subject = models.CharField(max_length=100)
    body = models.TextField()

    def __str__(self) -> str:
        return self.subject
