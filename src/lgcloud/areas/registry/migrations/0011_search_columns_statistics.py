"""On PostgreSQL, a larger statistics sample for the search columns. Names are skewed (a few family names are
common, most are rare); with the default sample the planner misjudges how many match a common full name,
chooses the trigram index and sorts every match (about 40 ms at 1,000,000 residents) where walking the
宛名番号 index to the first page takes 5 ms. With 1,000 it sees the common names as they are."""

from django.db import migrations

COLUMNS = ("search_names", "search_kanas", "search_addresses")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE registry_person ALTER COLUMN {column} SET STATISTICS 1000")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE registry_person ALTER COLUMN {column} SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_searchkey_value_unindexed")]
    operations = [migrations.RunPython(forwards, backwards)]
