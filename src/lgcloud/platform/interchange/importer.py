"""Import files in a standard layout: validate everything first, then write all or nothing.

The engine reads every file of the layout through the codec (types, lengths, codes, unique keys), hands
the decoded rows to the area's adapter to stage and check (references, the area's rules), and only
when no problem was found anywhere writes them in one transaction, with one audit record. Problems are
reported by file, line, item, value and reason, also as CSV. The encoding is the caller's, else the one
the export's manifest.json names, else UTF-8.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from lgcloud.platform.accounts.roles import Cap, capabilities
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import PermissionDenied, ValidationFailed
from lgcloud.platform.interchange.adapters import Adapter, Progress, Rows, get_adapter
from lgcloud.platform.interchange.codec import Problem, encoding_name, read_file
from lgcloud.platform.interchange.gaiji import GaijiMap, GaijiMapError, load_gaiji_map
from lgcloud.platform.interchange.layout import FileDef, Layout
from lgcloud.platform.tenancy.context import current_actor, require_municipality

ERROR_LIMIT = 10_000
MANIFEST = "manifest.json"


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    written: bool = False
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        return not self.problems

    def report_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["ファイル", "行", "項目", "値", "理由"])
        for p in self.problems:
            w.writerow(p.as_row())
        return "\ufeff" + buf.getvalue()


def read_manifest(folder: Path, problems: list[Problem]) -> dict[str, Any]:
    """The export's manifest.json, if the folder has one ({} if not, or if it cannot be read)."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        problems.append(Problem(MANIFEST, 0, "", "", "manifest.json を読み取れません（JSON ではありません）"))
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(MANIFEST, 0, "", "", "manifest.json の形式が正しくありません"))
        return {}
    return doc


def encoding_of(folder: Path, encoding: str | None, problems: list[Problem]) -> str:
    """The encoding asked for, else the manifest's, else UTF-8."""
    if encoding:
        return encoding_name(encoding)
    named = read_manifest(folder, problems).get("encoding")
    if not named:
        return "utf-8"
    try:
        return encoding_name(str(named))
    except ValueError as e:
        problems.append(Problem(MANIFEST, 0, "encoding", str(named), str(e)))
        return "utf-8"


def gaiji_map_of(folder: Path, path: Path | None, problems: list[Problem]) -> GaijiMap | None:
    """The 外字 table named by the caller, else the one the manifest names (`gaiji_map`, relative to the folder)."""
    if path is None:
        named = read_manifest(folder, []).get("gaiji_map") if (folder / MANIFEST).is_file() else None
        if not named:
            return None
        path = folder / str(named)
    try:
        return load_gaiji_map(path)
    except GaijiMapError as e:
        problems.append(Problem(path.name, 0, "", "", str(e)))
        return None


def adapter_for(folder: Path, layout: str | None) -> Adapter:
    """The adapter named, else the one the manifest names, else the only one registered."""
    if layout is None and (folder / MANIFEST).is_file():
        layout = read_manifest(folder, []).get("layout_key") or None
    return get_adapter(layout)


def require_sensitive(adapter: Adapter, purpose: str, verb: str) -> None:
    """Sensitive files (要配慮: e.g. 支援措置) only for a municipal administrator who states a purpose."""
    actor = current_actor()
    if actor.channel not in ("cli", "system") and Cap.MUNICIPALITY_ADMIN not in capabilities(actor.role):
        raise PermissionDenied("この操作を行う権限がありません。")
    if not purpose.strip():
        names = "・".join(f.name for f in adapter.layout.files if f.sensitive)
        raise ValidationFailed(f"{names}を{verb}には利用目的を入力してください。", field="purpose")


def load_file(layout: Layout, fdef: FileDef, folder: Path, encoding: str, problems: list[Problem],
              required: bool = True, gaiji: GaijiMap | None = None, deferred: frozenset[str] = frozenset()) -> Rows:
    """A file's decoded rows; a missing file, a bad row or a repeated key is a problem. `deferred`: required
    items left blank that the adapter judges itself (`Adapter.deferred_required`)."""
    return list(stream_file(layout, fdef, folder, encoding, problems, required, gaiji, deferred))


def stream_file(layout: Layout, fdef: FileDef, folder: Path, encoding: str, problems: list[Problem],
                required: bool = True, gaiji: GaijiMap | None = None,
                deferred: frozenset[str] = frozenset()) -> Iterator[tuple[int, dict[str, Any]]]:
    """As `load_file`, the rows given as they are read (a row whose key repeats an earlier one's is a problem)."""
    path = folder / fdef.file
    if not path.exists():
        if required:
            problems.append(Problem(fdef.file, 0, "", "", f"{fdef.name}ファイル（{fdef.file}）がありません"))
        return
    seen: dict[tuple[Any, ...], int] = {}
    key_of = fdef.key
    for line, row in read_file(layout, fdef, path, encoding, problems, gaiji=gaiji, deferred=deferred):
        key = tuple(row[k] for k in key_of)
        if key in seen:
            problems.append(Problem(fdef.file, line, fdef.item(key_of[0]).name, str(key[0]),
                                    f"キーが{seen[key]}行目と重複しています"))
            continue
        seen[key] = line
        yield line, row


def read_batch(adapter: Adapter, folder: Path, encoding: str, include_sensitive: bool, problems: list[Problem],
               progress: Progress | None = None, gaiji: GaijiMap | None = None) -> Any:
    """Every file of the layout, decoded and staged by the adapter."""
    layout = adapter.layout
    batch = adapter.new_batch()
    steps = len(layout.files)
    for n, fdef in enumerate(layout.files, start=1):
        if progress:
            progress(fdef.name, n, steps)
        if fdef.sensitive and not include_sensitive:
            if (folder / fdef.file).exists():
                problems.append(Problem(fdef.file, 0, "", "", f"{fdef.name}ファイルを取り込むには、団体管理者が明示して"
                                                              "指定し利用目的を入力する必要があります"))
            continue
        rows = stream_file(layout, fdef, folder, encoding, problems, fdef.code not in adapter.optional_files, gaiji,
                           adapter.deferred_required.get(fdef.code, frozenset()))
        # Streamed into the adapter: the file's own problems (decoding, repeated keys) go straight into
        # `problems`, the adapter's into `staged`, appended after them — the report's order as if read whole first.
        staged: list[Problem] = []
        adapter.stage(batch, fdef, rows, staged)
        for _rest in rows:  # an adapter that stopped early: the file's own problems still reported
            pass
        problems.extend(staged)
        if len(problems) > ERROR_LIMIT:
            break
    return batch


def import_municipality(folder: Path, *, layout: str | None = None, encoding: str | None = None,
                        dry_run: bool = False, replace: bool = False, include_sensitive: bool = False,
                        purpose: str = "", progress: Progress | None = None, batch: Any = None,
                        prior_problems: list[Problem] | None = None, gaiji_map: Path | None = None) -> ImportResult:
    """Validate all files; unless dry_run, write everything in one transaction, or nothing.
    `batch` and `prior_problems` come from another system's files read through a mapping. `gaiji_map`: the
    vendor's 外字 table (else the manifest's `gaiji_map`), applied before validation."""
    municipality = require_municipality()
    result = ImportResult(problems=list(prior_problems or []))
    adapter = adapter_for(folder, layout)
    if include_sensitive:
        require_sensitive(adapter, purpose, "取り込む")
    if batch is None:
        if not folder.is_dir():
            raise ValidationFailed(f"フォルダ {folder} がありません。", field="dir")
        result.encoding = encoding_of(folder, encoding, result.problems)
        gaiji = gaiji_map_of(folder, gaiji_map, result.problems)
        if not result.problems:
            batch = read_batch(adapter, folder, result.encoding, include_sensitive, result.problems, progress, gaiji)
        else:
            batch = adapter.new_batch()
    if not result.problems:
        adapter.check(batch, result.problems)
    if result.problems or dry_run:
        result.counts = adapter.counts(batch)
        return result
    with transaction.atomic():
        if adapter.has_records():
            if not replace:
                raise ValidationFailed(f"{municipality}には既に{adapter.label}が登録されています。置き換える場合は --replace "
                                       "を指定してください。", field="replace")
            adapter.clear()
        result.counts = adapter.write(batch, progress)
        audit.record("interchange.import", object_type="Municipality", object_id=municipality.pk,
                     purpose=purpose or f"{adapter.layout.name}からの取込み", individual_number_shown=False,
                     detail={**result.counts, "layout": adapter.key, "replace": replace,
                             "sensitive_files": include_sensitive})
        result.written = True
    return result
