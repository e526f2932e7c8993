"""The search columns' trigram indexes write straight into the index (GIN `fastupdate = off`), and registry_person is
vacuumed after 1 % of its rows changed instead of 20 %.

With GIN's default fast update every 転居 appended its new address's (and a new name's) trigrams to the index's pending
list, which every search then scanned linearly until a vacuum or the 4 MB limit flushed it; autovacuum's default 20 %
threshold is 200,000 changed rows at 1,000,000 residents, so on the benchmark's register the lists stayed at 2–3 MB
(6,000–22,000 pending entries each) for days. Measured on the kept 1,000,000-resident cluster, quiet machine, the
registry benchmark at 100 req/s for 60 s: 83.9 req/s served, search p95 250 ms, raw search SQL 9.4 ms with the lists
full; 96.7 req/s, search p95 120 ms, raw search SQL 2.4 ms after a VACUUM emptied them (bench/README.md). A 転居 now pays
for its index entries itself, once; a search never scans a pending list. PostgreSQL only (SQLite has no such index)."""

from typing import Any

from django.db import migrations

INDEXES = ("registry_person_search_names_trgm", "registry_person_search_kanas_trgm",
           "registry_person_search_addresses_trgm")


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = off)")
    schema_editor.execute("ALTER TABLE registry_person SET (autovacuum_vacuum_scale_factor = 0.01, "
                          "autovacuum_analyze_scale_factor = 0.01)")


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} RESET (fastupdate)")
    schema_editor.execute("ALTER TABLE registry_person RESET (autovacuum_vacuum_scale_factor, "
                          "autovacuum_analyze_scale_factor)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0015_search_itaiji_fold")]
    operations = [migrations.RunPython(forwards, backwards)]
