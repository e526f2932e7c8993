"""Export a municipality's records in a standard layout, with a manifest (layout, version, encoding,
files, counts, SHA-256). The area's adapter says which rows; the engine writes, checks and audits."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from lgcloud.platform.audit import services as audit
from lgcloud.platform.interchange import copy_export
from lgcloud.platform.interchange.adapters import Progress, get_adapter
from lgcloud.platform.interchange.codec import Problem, encoding_name, write_file
from lgcloud.platform.interchange.copy_export import copy_file
from lgcloud.platform.interchange.importer import MANIFEST, require_sensitive
from lgcloud.platform.tenancy.context import current_actor, require_municipality


@dataclass
class ExportResult:
    out_dir: Path
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _part(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


def export_municipality(out_dir: Path, *, layout: str | None = None, encoding: str = "utf-8",
                        as_of: dt.date | None = None, include_sensitive: bool = False, purpose: str = "",
                        progress: Progress | None = None) -> ExportResult:
    """Write every file of the layout and manifest.json into out_dir (all or nothing: on a problem, no file)."""
    adapter = get_adapter(layout)
    definition = adapter.layout
    municipality = require_municipality()
    encoding_name(encoding)
    if include_sensitive:
        require_sensitive(adapter, purpose, "出力する")
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ExportResult(out_dir)
    # Every file is written under a temporary name and renamed only when all of them and the manifest are
    # written: a failure (disk full, a killed process) never leaves a file that looks complete.
    parts: list[tuple[Path, Path]] = []
    outermost = not connection.in_atomic_block
    try:
        with transaction.atomic():  # one consistent snapshot of the records, and the audit record with it
            if outermost and copy_export.available():
                copy_export.repeatable_read()
            # On PostgreSQL the database formats and streams each file (COPY); elsewhere, for an export as of
            # a date, or for a file the SQL cannot write as the codec would, the adapter's rows and the codec.
            sources = (adapter.copy_sources(include_sensitive=include_sensitive)
                       if as_of is None and copy_export.available() else None)
            if sources is not None:
                copy_export.session()
            data: dict[str, list[dict[str, Any]]] | None = None
            for n, fdef in enumerate(definition.files, start=1):
                if sources is not None:
                    if fdef.code not in sources:
                        continue
                    source: copy_export.CopySource | None = sources[fdef.code]
                else:
                    source = None
                    if data is None:
                        data = adapter.collect(as_of=as_of, include_sensitive=include_sensitive)
                    if fdef.code not in data:
                        continue
                if progress:
                    progress(fdef.name, n, len(definition.files))
                path = out_dir / fdef.file
                part = _part(path)
                parts.append((part, path))  # removed on any failure, even one halfway through the file
                if source is not None:
                    try:
                        count, digest = copy_file(definition, fdef, source, part, encoding)
                        result.files[fdef.file] = {"name": fdef.name, "rows": count, "sha256": digest}
                        continue
                    except copy_export.Unformattable:
                        if data is None:
                            data = adapter.collect(as_of=as_of, include_sensitive=include_sensitive)
                assert data is not None
                count, problems = write_file(definition, fdef, data[fdef.code], part, encoding)
                result.problems += problems
                if not problems:
                    result.files[fdef.file] = {"name": fdef.name, "rows": count, "sha256": _sha256(part)}
            if result.problems:
                return result
            manifest = {
                "layout": definition.name, "layout_key": adapter.key, "layout_version": definition.version,
                "municipality_code": municipality.code, "municipality": str(municipality),
                "encoding": encoding_name(encoding), "as_of": as_of.isoformat() if as_of else None,
                "exported_at": timezone.now().isoformat(), "includes_sensitive_files": include_sensitive,
                "files": [{"file": k, **v} for k, v in result.files.items()],
            }
            manifest_path = out_dir / MANIFEST
            manifest_part = _part(manifest_path)
            parts.append((manifest_part, manifest_path))
            with manifest_part.open("w", encoding="utf-8") as f:
                f.write(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
                f.flush()
                os.fsync(f.fileno())
            audit.record("interchange.export", object_type="Municipality", object_id=municipality.pk,
                         purpose=purpose or f"{definition.name}での出力",
                         individual_number_shown=adapter.carries_individual_number,
                         detail={"layout": adapter.key, "files": {k: v["rows"] for k, v in result.files.items()},
                                 "as_of": manifest["as_of"], "sensitive_files": include_sensitive,
                                 "by": current_actor().username})
        # Committed: an earlier export's manifest goes first, so no moment shows new files under an old
        # manifest; the new manifest is renamed last.
        manifest_path.unlink(missing_ok=True)
        for part, path in parts:
            os.replace(part, path)
        parts = []
    finally:
        for part, _path in parts:
            part.unlink(missing_ok=True)
    return result
