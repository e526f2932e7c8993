"""0013's copy once more, one municipality at a time in its tenant context: on PostgreSQL the row-level security
policies hide every certificate from a migration that runs without one, so 0013 found nothing to copy there.
Idempotent: only certificates still without their register entry are copied."""

import importlib
from typing import Any

from django.db import migrations

from lgcloud.platform.tenancy.context import municipality_scope


def copy_per_municipality(apps: Any, schema_editor: Any) -> None:
    copy = importlib.import_module("lgcloud.areas.registry.migrations.0013_certificate_document").copy_certificates
    Municipality = apps.get_model("tenancy", "Municipality")
    for municipality in Municipality._base_manager.order_by("pk"):
        with municipality_scope(municipality):
            copy(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0013_certificate_document'),
    ]

    operations = [
        migrations.RunPython(copy_per_municipality, migrations.RunPython.noop),
    ]
