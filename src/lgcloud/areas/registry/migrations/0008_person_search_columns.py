"""Search reads each person's own row: every current and past name, kana and address, one a line, in three
columns with trigram indexes on PostgreSQL. A broad search (「サトウ」 among 1,000,000 residents) then walks
the 宛名番号 index and stops at the first page instead of collecting every match; a narrow one uses the
trigram index. The columns are filled from the search keys, one municipality at a time (row-level security)."""

from django.db import migrations, models

from lgcloud.platform.tenancy.context import municipality_scope

KINDS = {"name": "search_names", "kana": "search_kanas", "address": "search_addresses"}
TRGM_COLUMNS = ("search_names", "search_kanas", "search_addresses")


def fill(apps, schema_editor):
    Municipality = apps.get_model("tenancy", "Municipality")
    connection = schema_editor.connection
    for municipality in Municipality.objects.all():
        with municipality_scope(municipality), connection.cursor() as cur:
            if connection.vendor == "postgresql":
                aggregates = ", ".join(
                    f"coalesce(string_agg(value, E'\\n' ORDER BY value COLLATE \"C\") FILTER (WHERE kind = '{k}'), '')"
                    f" AS {c}" for k, c in KINDS.items())
                cur.execute(
                    f"UPDATE registry_person p SET {', '.join(f'{c} = k.{c}' for c in KINDS.values())} "
                    f"FROM (SELECT person_id, {aggregates} FROM registry_searchkey WHERE municipality_id = %s "
                    "GROUP BY person_id) k WHERE p.id = k.person_id AND p.municipality_id = %s",
                    [municipality.pk, municipality.pk])
                continue
            cur.execute("SELECT person_id, kind, value FROM registry_searchkey WHERE municipality_id = %s",
                        [municipality.pk])
            keys: dict[int, dict[str, set[str]]] = {}
            for person_id, kind, value in cur.fetchall():
                keys.setdefault(person_id, {k: set() for k in KINDS})[kind].add(value)
            for person_id, by_kind in keys.items():
                cur.execute(
                    f"UPDATE registry_person SET {', '.join(f'{c} = %s' for c in KINDS.values())} WHERE id = %s",
                    ["\n".join(sorted(by_kind[k])) for k in KINDS] + [person_id])


def trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in TRGM_COLUMNS:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS registry_person_{column}_trgm "
                              f"ON registry_person USING gin ({column} gin_trgm_ops)")
    # Search no longer reads the keys table by value; its trigram index would only slow every 異動 down.
    schema_editor.execute("DROP INDEX IF EXISTS registry_searchkey_value_trgm")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in TRGM_COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS registry_person_{column}_trgm")
    schema_editor.execute("CREATE INDEX IF NOT EXISTS registry_searchkey_value_trgm "
                          "ON registry_searchkey USING gin ((value::text) gin_trgm_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_searchkey_trigram'),
        ('tenancy', '0001_initial'),
    ]

    operations = [
        migrations.AddField(model_name='person', name='search_addresses', field=models.TextField(blank=True)),
        migrations.AddField(model_name='person', name='search_kanas', field=models.TextField(blank=True)),
        migrations.AddField(model_name='person', name='search_names', field=models.TextField(blank=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(trigram_indexes, drop_trigram_indexes),
    ]
