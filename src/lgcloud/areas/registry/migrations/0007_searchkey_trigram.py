"""On PostgreSQL, a trigram index so partial-match search (LIKE '%…%') over names, kana and addresses does
not scan every key: 1,000,000 residents hold about 3,000,000 keys. pg_trgm is a trusted extension, so the
database owner may create it. SQLite has no such index and scans."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_searchkey_value_trgm "
        "ON registry_searchkey USING gin ((value::text) gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS registry_searchkey_value_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_alter_registryevent_kind")]
    operations = [migrations.RunPython(forwards, backwards)]
