"""The issuance register (交付簿) of official documents, whichever app issues them, and its public index."""

from __future__ import annotations

from django.db import models

from lgcloud.platform.tenancy.scoping import ScopedModel


class IssuedDocument(ScopedModel):
    """One document issued: its number in the issuing app's series, the verification code printed on it and the
    SHA-256 of the exact PDF handed over. The PDF itself stays with the issuing app if it keeps one."""

    number = models.PositiveBigIntegerField("発行番号")
    app_label = models.CharField("発行した業務", max_length=50)
    kind = models.CharField("種類", max_length=80)  # "<app label>.<kind>", e.g. registry.residence_certificate
    title = models.CharField("表題", max_length=200)
    verification_code = models.CharField("照合番号", max_length=16, unique=True)
    content_hash = models.CharField("PDFのSHA-256", max_length=64)
    page_count = models.PositiveSmallIntegerField("ページ数")
    fee = models.PositiveIntegerField("手数料（円）")
    issuer = models.CharField("交付者", max_length=150)
    issued_at = models.DateTimeField("交付日時")
    subject_ref = models.CharField("対象（発行した業務の参照）", max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "app_label", "number"],
                                               name="documents_number_unique")]
        indexes = [models.Index(fields=["municipality", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.title} 発行番号 {self.number}"


class DocumentCounter(ScopedModel):
    """The last number given in one app's series (per municipality)."""

    app_label = models.CharField(max_length=50)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "app_label"], name="documents_counter_unique")]


class VerificationEntry(models.Model):
    """Not scoped on purpose: the public verification page reads it without a tenant. Holds nothing personal —
    the code, the issuing municipality, when, the title, the page count and the content hash."""

    code = models.CharField("照合番号", max_length=16, unique=True)
    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("交付日時")
    kind = models.CharField("種類", max_length=80)
    title = models.CharField("表題", max_length=200)
    content_hash = models.CharField("PDFのSHA-256", max_length=64)
    page_count = models.PositiveSmallIntegerField("ページ数")

    def __str__(self) -> str:
        return f"{self.title} {self.code}"
