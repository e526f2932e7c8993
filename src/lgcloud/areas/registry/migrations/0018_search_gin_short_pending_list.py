"""registry_person's trigram indexes keep a short GIN pending list (`fastupdate = on`, `gin_pending_list_limit = 64` kB),
and the table's autovacuum thresholds go back to PostgreSQL's defaults.

Registry 0016 turned the pending list off (a 転居 left 2–3 MB lists that every search scanned until a vacuum flushed
them) and vacuumed and analysed the table after 1 % of its rows changed. Two costs showed up since:

- without a pending list every inserted row's 30–60 trigrams each descend the index: the import of 100,000 residents
  spent 20.7 s of backend CPU in registry_person's insert, 6.8 s with the default 4 MB list and 9.3 s with a 64 kB one
  (bench/README.md, "Import and export, session 7");
- at 1 % and 20 転居 a second, autovacuum analysed registry_person every 3–4 minutes, and with the search columns'
  statistics target of 1,000 (registry 0011: a 300,000-row sample) each ANALYZE took 11–12 s of CPU on a 2-core
  machine; the soak's slow minutes were those analyses ("Quiet-machine figures, end of session 7").

A 64 kB list is merged into the index by the writer that fills it (a few hundred rows' trigrams, one sorted pass), so
a search scans at most 64 kB of pending entries and no vacuum is needed to keep it short; the default thresholds
(vacuum after 20 %, analyse after 10 % of the rows changed) are then enough for a register whose names and addresses
change slowly. PostgreSQL only (SQLite has no such index)."""

from typing import Any

from django.db import migrations

INDEXES = ("registry_person_search_names_trgm", "registry_person_search_kanas_trgm",
           "registry_person_search_addresses_trgm")


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = on, gin_pending_list_limit = 64)")
    schema_editor.execute("ALTER TABLE registry_person RESET (autovacuum_vacuum_scale_factor, "
                          "autovacuum_analyze_scale_factor)")


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} RESET (gin_pending_list_limit)")
        schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = off)")
    schema_editor.execute("ALTER TABLE registry_person SET (autovacuum_vacuum_scale_factor = 0.01, "
                          "autovacuum_analyze_scale_factor = 0.01)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0017_derived_rows_no_fk_checks")]
    operations = [migrations.RunPython(forwards, backwards)]
