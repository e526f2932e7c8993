"""Loads the parameter catalogue from the `params_catalogue/*.json` files of every app.

The files are the standard, under version control; the database mirrors them
after every migrate. A later business area adds its parameters by adding a file.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction

from lgcloud.platform.params.models import Parameter, StandardValue


def catalogue_files() -> list[Path]:
    files: list[Path] = []
    for config in apps.get_app_configs():
        folder = Path(config.path) / "params_catalogue"
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.json")))
    return files


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@transaction.atomic
def sync_catalogue() -> int:
    count = 0
    for path in catalogue_files():
        doc = json.loads(path.read_text(encoding="utf-8"))
        for order, entry in enumerate(doc["parameters"]):
            param, _ = Parameter.objects.update_or_create(
                name=entry["name"],
                defaults={
                    "label": entry["label"],
                    "area": entry["area"],
                    "unit": entry.get("unit", ""),
                    "value_type": entry["type"],
                    "min_value": _dec(entry.get("min")),
                    "max_value": _dec(entry.get("max")),
                    "choices": entry.get("choices", []),
                    "note": entry.get("note", ""),
                    "legal_basis": entry.get("legal_basis", ""),
                    "overridable": entry.get("overridable", True),
                    "sort_order": order,
                },
            )
            for fiscal_year, value in entry["standard"].items():
                StandardValue.objects.update_or_create(
                    parameter=param, fiscal_year=int(fiscal_year), defaults={"value": str(value)}
                )
            count += 1
    return count


def sync_catalogue_after_migrate(**kwargs: Any) -> None:
    if kwargs.get("using", "default") == "default":
        sync_catalogue()
