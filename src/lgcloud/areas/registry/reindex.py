"""Refill the search columns after the normalisation changed (e.g. a regenerated 異体字 table): every stored
search key and search column is normalised once more. Normalising is idempotent and the new steps apply to
what the old ones produced, so the stored keys need not be rebuilt from the records. Runs in the caller's
tenant context (the data migration runs it per municipality; `lgcloud registry reindex` for one)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lgcloud.areas.registry.normalize import normalize

COLUMNS = ("search_name", "search_kana")
LIST_COLUMNS = ("search_names", "search_kanas", "search_addresses")
CHUNK = 2000


def _lines(text: str) -> str:
    return "\n".join(sorted({normalize(v) for v in text.split("\n") if v} - {""}))


def refold(person_model: Any, key_model: Any, municipality_id: int | None = None) -> dict[str, int]:
    """Normalise the stored search keys and columns again (of one municipality if given; else of what the
    tenant context shows); returns how many keys and persons changed."""
    where = {} if municipality_id is None else {"municipality_id": municipality_id}
    changed_keys = removed_keys = changed_persons = 0
    with transaction.atomic():
        keys = key_model.objects.filter(**where).order_by("pk").values_list("pk", "person_id", "kind", "value")
        # Only the few keys that change are kept in memory (not every key of 1,000,000 residents).
        todo = []
        for pk, person_id, kind, value in keys.iterator(chunk_size=CHUNK):
            new = normalize(value)
            if new != value:
                todo.append((pk, person_id, kind, new))
        for pk, person_id, kind, new in todo:
            if key_model.objects.filter(person_id=person_id, kind=kind, value=new).exists():
                key_model.objects.filter(pk=pk).delete()  # folds onto a key the person already has
                removed_keys += 1
            else:
                key_model.objects.filter(pk=pk).update(value=new)
                changed_keys += 1
        rows = person_model.objects.filter(**where).order_by("pk").values_list("pk", *COLUMNS, *LIST_COLUMNS)
        updates = []
        for pk, *values in rows.iterator(chunk_size=CHUNK):
            new_values = [normalize(v) for v in values[:len(COLUMNS)]] + [_lines(v) for v in values[len(COLUMNS):]]
            if new_values != list(values):
                updates.append((pk, new_values))
        for pk, new_values in updates:
            person_model.objects.filter(pk=pk).update(**dict(zip((*COLUMNS, *LIST_COLUMNS), new_values, strict=True)))
            changed_persons += 1
    return {"keys": changed_keys, "duplicate_keys_removed": removed_keys, "persons": changed_persons}
