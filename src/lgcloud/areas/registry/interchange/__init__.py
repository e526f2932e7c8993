"""The registry's adapter for the interchange engine (`lgcloud.platform.interchange`): its layout
(`layouts/registry.yaml`, the 住民記録 files of the 中間標準レイアウト), the rows it exports and how
imported rows become its records. Found by the engine like every app's `interchange` module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lgcloud.areas.registry.interchange import collect, copy_sources, coverage, dated_history, history, staging, writing
from lgcloud.areas.registry.interchange import vendor as vendor_file
from lgcloud.areas.registry.models import Person
from lgcloud.platform.interchange.adapters import Adapter, Progress, Rows, RowStream, register_adapter
from lgcloud.platform.interchange.codec import Problem
from lgcloud.platform.interchange.copy_export import CopySource
from lgcloud.platform.interchange.layout import FileDef

LAYOUT = Path(__file__).resolve().parents[1] / "layouts" / "registry.yaml"


class RegistryAdapter(Adapter):
    key = "registry"
    label = "住民記録"
    layout_path = LAYOUT
    optional_files = frozenset({"events", "restrictions", "support_measures"})
    vendor = vendor_file.VENDOR
    # 住民種別・性別・住所 are blank on a record whose only 記載 was cancelled (`history.check_blanks`).
    deferred_required = {"removed": frozenset({"resident_type", "sex"}), "households": frozenset({"address"})}
    carries_individual_number = True
    count_labels = {"persons": "住民", "removed": "除票", "households": "世帯", "events": "異動", "restrictions": "抑止",
                    "support_measures": "支援措置"}
    covered = coverage.COVERED
    excluded = coverage.EXCLUDED
    derived_fields = coverage.DERIVED_FIELDS
    renamed_fields = coverage.RENAMED

    def collect(self, *, as_of: dt.date | None, include_sensitive: bool) -> dict[str, list[dict[str, Any]]]:
        return collect.collect(as_of=as_of, include_sensitive=include_sensitive)

    def copy_sources(self, *, include_sensitive: bool) -> dict[str, CopySource]:
        return copy_sources.sources(self.layout, include_sensitive=include_sensitive)

    def new_batch(self) -> staging.Batch:
        return staging.Batch()

    def stage(self, batch: staging.Batch, fdef: FileDef, rows: RowStream, problems: list[Problem]) -> None:
        staging.stage(batch, fdef, rows, problems)

    def check(self, batch: staging.Batch, problems: list[Problem]) -> None:
        history.check_blanks(batch, self.layout, self.deferred_required, problems)
        staging.check_references(batch, problems)
        if problems:
            return
        if not batch.events:
            files = {f.file: f for f in self.layout.files}
            for p in batch.persons.values():
                file, line = p["_line"]
                if file in files:  # a standard-layout file (a vendor's rows were checked as they were read)
                    staging.check_undated(files[file], line, p, problems)
            if problems:
                return
            dated_history.synthesize_history(batch)
        history.check_history(batch, problems)

    def counts(self, batch: staging.Batch) -> dict[str, int]:
        return {"persons": len(batch.persons), "households": len(batch.households), "events": len(batch.events)}

    def has_records(self) -> bool:
        return Person.objects.exists()

    def clear(self) -> None:
        writing.clear_register()

    def write(self, batch: staging.Batch, progress: Progress | None = None) -> dict[str, int]:
        return writing.write_batch(batch, progress)

    def from_vendor(self, source: str, records: Rows, problems: list[Problem],
                    columns: Mapping[str, str]) -> staging.Batch:
        return vendor_file.from_vendor(self.layout, source, records, problems, columns)


ADAPTER = register_adapter(RegistryAdapter())
