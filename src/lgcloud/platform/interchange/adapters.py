"""How a business area plugs into the interchange engine: its layouts and its adapter.

An area defines its layout in its own app (`layouts/<key>.yaml`) and an adapter — a subclass of
`Adapter` saying which rows to export, how decoded rows are staged and checked, and how staged rows
become its records — in its app's `interchange.py` module (or package), which calls
`register_adapter(...)`. The engine finds these modules the way the parameter catalogue finds
`params_catalogue/` folders: in every installed app, the first time an adapter is asked for. The engine
itself (layouts, codec, manifest, validation report, vendor mappings, the all-or-nothing import) knows
no business area.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any, ClassVar

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.interchange.codec import Problem
from lgcloud.platform.interchange.copy_export import CopySource
from lgcloud.platform.interchange.layout import FileDef, Layout, load_layout

Progress = Callable[[str, int, int], None]
Rows = list[tuple[int, dict[str, Any]]]  # (line, decoded row)
RowStream = Iterable[tuple[int, dict[str, Any]]]  # (line, decoded row), read once, as the file is read


@dataclass(frozen=True)
class VendorItems:
    """What another system's one-row-per-record CSV may carry for a layout, for the mapping files:
    the items a mapping may name, those it must name, and how raw values are cleaned before decoding."""

    file: str  # the layout file whose items the vendor rows carry (e.g. "persons")
    extra: frozenset[str] = frozenset()  # further items the adapter reads from a vendor row
    required: tuple[str, ...] = ()
    kana: frozenset[str] = frozenset()  # half-width kana / hiragana → full-width katakana
    numbers: frozenset[str] = frozenset()  # full-width digits and separators → ASCII digits
    integers: frozenset[str] = frozenset()  # numbers stored as int
    nfkc: frozenset[str] = frozenset()  # NFKC-normalised (postal codes, card numbers)
    dates: frozenset[str] = frozenset()  # further items read as dates (the layout's 年月日 items are)
    defaults: Mapping[str, Any] = field(default_factory=dict)


class Adapter:
    """A business area's side of the interchange. Subclasses set the class attributes and implement
    the methods; every method runs in the current municipality's tenant scope."""

    key: ClassVar[str]  # names the layout on the command line and in manifest.json ("registry")
    label: ClassVar[str]  # what the files hold, in Japanese (「住民記録」)
    layout_path: ClassVar[Path]
    optional_files: ClassVar[frozenset[str]] = frozenset()  # file codes an import may lack
    vendor: ClassVar[VendorItems | None] = None
    count_labels: ClassVar[Mapping[str, str]] = {}  # count key → its Japanese name (「住民」)
    # Required items an import may find blank where the adapter says so (file code → item codes): the codec
    # decodes their blanks to None and the adapter's `check` refuses those it does not accept.
    deferred_required: ClassVar[Mapping[str, frozenset[str]]] = {}
    carries_individual_number: ClassVar[bool] = False  # an export shows 個人番号 (said so in its audit record)
    # For the completeness test: personal-data models the layout carries (label → file codes), those it
    # leaves out (label → reason), fields of covered models that are derived, items named otherwise.
    covered: ClassVar[Mapping[str, list[str]]] = {}
    excluded: ClassVar[Mapping[str, str]] = {}
    derived_fields: ClassVar[Mapping[str, set[str]]] = {}
    renamed_fields: ClassVar[Mapping[str, set[str]]] = {}

    @property
    def layout(self) -> Layout:
        return load_layout(self.layout_path)

    def describe(self, counts: Mapping[str, int]) -> str:
        """Counts as a clerk reads them: 「住民 3、世帯 1、異動 5」."""
        return "、".join(f"{self.count_labels.get(k, k)} {v:,}" for k, v in counts.items())

    # --- export
    def collect(self, *, as_of: Any, include_sensitive: bool) -> dict[str, list[dict[str, Any]]]:
        """Rows per file code (sensitive files only when asked), in the order they are written."""
        raise NotImplementedError

    def copy_sources(self, *, include_sensitive: bool) -> Mapping[str, CopySource] | None:
        """On PostgreSQL, for an export of the records as they are now: per file code, the SELECT whose rows
        `copy_export` formats and streams (the same rows `collect` gives). None: the export uses `collect`."""
        return None

    # --- import
    def new_batch(self) -> Any:
        """An empty container for what the files say."""
        raise NotImplementedError

    def stage(self, batch: Any, fdef: FileDef, rows: RowStream, problems: list[Problem]) -> None:
        """Take one file's decoded rows (keys already unique) into the batch, checking row by row. The rows come
        as the file is read (one pass; a whole member's file is never held as dicts): the engine reports the
        file's own problems first and those `stage` appends after them."""
        raise NotImplementedError

    def check(self, batch: Any, problems: list[Problem]) -> None:
        """Checks across files and records (references, the area's rules), once every file is staged."""
        raise NotImplementedError

    def counts(self, batch: Any) -> dict[str, int]:
        """What a dry run reports."""
        raise NotImplementedError

    def has_records(self) -> bool:
        raise NotImplementedError

    def clear(self) -> None:
        """Delete the municipality's records of this area (an import with --replace), in the import's transaction."""
        raise NotImplementedError

    def write(self, batch: Any, progress: Progress | None = None) -> dict[str, int]:
        """Write the checked batch (inside the import's transaction); returns the counts written."""
        raise NotImplementedError

    def from_vendor(self, source: str, records: Rows, problems: list[Problem], columns: Mapping[str, str]) -> Any:
        """A batch from another system's records (items named as in the layout, values cleaned and decoded);
        `columns` names the vendor's column of each item, for the report."""
        raise NotImplementedError


_adapters: dict[str, Adapter] = {}
_not_carried: dict[str, str] = {}


def register_adapter(adapter: Adapter) -> Adapter:
    _adapters[adapter.key] = adapter
    return adapter


def not_carried(reasons: Mapping[str, str]) -> None:
    """Personal-data models of an app that no layout carries (yet): model label → the reason. An area
    without an adapter says so in its `interchange` module, so the completeness test names the gap."""
    _not_carried.update(reasons)


def uncarried() -> dict[str, str]:
    _discover()
    return dict(_not_carried)


@functools.cache
def _discover() -> None:
    from django.apps import apps

    for config in apps.get_app_configs():
        module = f"{config.name}.interchange"
        if find_spec(module) is not None:
            import_module(module)


def adapters() -> dict[str, Adapter]:
    """Every registered adapter by key, in the order the apps are installed."""
    _discover()
    return dict(_adapters)


class UnknownLayout(ValidationFailed):
    pass


def get_adapter(key: str | None = None) -> Adapter:
    """The adapter of a layout key; with no key, the only one (an error when there are several)."""
    found = adapters()
    if key is None:
        if len(found) == 1:
            return next(iter(found.values()))
        raise UnknownLayout(f"レイアウトを指定してください（{', '.join(found) or 'なし'}）。", field="layout")
    if key not in found:
        raise UnknownLayout(f"レイアウト「{key}」はありません（{', '.join(found) or 'なし'}）。", field="layout")
    return found[key]


def layout(key: str | None = None) -> Layout:
    return get_adapter(key).layout
