"""The search normalisation now folds 異体字 (髙→高, 齋・齊・斎→斉 …; lgcloud.platform.common.itaiji): the stored
search keys and columns are normalised once more, one municipality at a time in its tenant context (row-level
security on PostgreSQL). Later regenerations of the table are applied with `lgcloud registry reindex`."""

from typing import Any

from django.db import migrations

from lgcloud.platform.tenancy.context import municipality_scope


def forwards(apps: Any, schema_editor: Any) -> None:
    from lgcloud.areas.registry.reindex import refold

    Municipality = apps.get_model("tenancy", "Municipality")
    for municipality in Municipality._base_manager.order_by("pk"):
        with municipality_scope(municipality):
            refold(apps.get_model("registry", "Person"), apps.get_model("registry", "SearchKey"), municipality.pk)


class Migration(migrations.Migration):
    dependencies = [("registry", "0014_certificate_document_per_municipality")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
