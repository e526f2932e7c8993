"""Each certificate is linked to its entry in the documents platform's issuance register; certificates issued
before it existed get one with the same number, verification code and hash, so they still verify on /verify/."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

# As the kinds were titled when this migration was written (a migration does not import live code).
TITLES = {
    "residence_certificate": "住民票の写し",
    "removed_record_certificate": "除票の写し",
    "entry_certificate": "住民票記載事項証明書",
    "removed_entry_certificate": "除票記載事項証明書",
}


def copy_certificates(apps: Any, schema_editor: Any) -> None:
    """For every certificate without a register entry, across municipalities: the IssuedDocument, its public
    VerificationEntry, and the registry's document series continuing after the highest 発行番号.
    Base managers and bulk_create, so it runs on the historical models and, in a test, on the live ones."""
    Certificate = apps.get_model("registry", "Certificate")
    IssuedDocument = apps.get_model("documents", "IssuedDocument")
    VerificationEntry = apps.get_model("documents", "VerificationEntry")
    DocumentCounter = apps.get_model("documents", "DocumentCounter")
    pending = list(Certificate._base_manager.filter(document__isnull=True).order_by("municipality_id", "issue_no"))
    if not pending:
        return
    known = set(VerificationEntry._base_manager.filter(code__in=[c.verification_code for c in pending])
                .values_list("code", flat=True))
    documents, entries = [], []
    for c in pending:
        title = TITLES.get(c.kind, c.kind)
        documents.append(IssuedDocument(
            municipality_id=c.municipality_id, number=c.issue_no, app_label="registry", kind=f"registry.{c.kind}",
            title=title, verification_code=c.verification_code, content_hash=c.content_sha256,
            page_count=c.page_count, fee=c.fee, issuer=c.issued_by, issued_at=c.issued_at,
            subject_ref=(f"household:{c.household_no}" if c.household_no is not None
                         else "persons:" + ",".join(str(n) for n in c.persons))[:200]))
        if c.verification_code not in known:
            entries.append(VerificationEntry(
                code=c.verification_code, municipality_id=c.municipality_id, issued_at=c.issued_at,
                kind=f"registry.{c.kind}", title=title, content_hash=c.content_sha256, page_count=c.page_count))
    IssuedDocument._base_manager.bulk_create(documents)
    VerificationEntry._base_manager.bulk_create(entries)
    by_code = dict(IssuedDocument._base_manager.filter(verification_code__in=[c.verification_code for c in pending])
                   .values_list("verification_code", "pk"))
    for c in pending:
        Certificate._base_manager.filter(pk=c.pk).update(document_id=by_code[c.verification_code])
    highest: dict[int, int] = {}
    for c in pending:
        highest[c.municipality_id] = max(highest.get(c.municipality_id, 0), c.issue_no)
    for municipality_id, number in highest.items():
        counter = DocumentCounter._base_manager.filter(municipality_id=municipality_id, app_label="registry").first()
        if counter is None:
            DocumentCounter._base_manager.bulk_create([DocumentCounter(
                municipality_id=municipality_id, app_label="registry", value=number)])
        elif counter.value < number:
            DocumentCounter._base_manager.filter(pk=counter.pk).update(value=number)


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0001_initial'),
        ('registry', '0012_support_measure_across_members'),
    ]

    operations = [
        migrations.AddField(
            model_name='certificate',
            name='document',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='documents.issueddocument', verbose_name='発行文書'),
        ),
        migrations.RunPython(copy_certificates, migrations.RunPython.noop),
    ]
