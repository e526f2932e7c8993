"""A model holding personal data must be in a standard layout or excluded with a reason (each area's
adapter says which, `Adapter.covered/excluded`; the platform's own models in `interchange/coverage.py`)."""

from __future__ import annotations

from pathlib import Path

from lgcloud.platform.interchange.adapters import adapters, get_adapter, uncarried
from lgcloud.platform.interchange.coverage import EXCLUDED as PLATFORM_EXCLUDED
from lgcloud.platform.tenancy.scoping import scoped_models

TEST_ONLY = {"testapp.Note", "testapp.Delivery", "testapp.ToyResident"}


def test_every_personal_data_model_is_covered_or_excluded():
    labels = {m._meta.label for m in scoped_models()} - TEST_ONLY
    covered = {label for a in adapters().values() for label in a.covered}
    excluded = {label: reason for a in adapters().values() for label, reason in a.excluded.items()}
    excluded.update(PLATFORM_EXCLUDED)
    excluded.update(uncarried())
    missing = sorted(labels - covered - set(excluded))
    print("\ncovered: " + ", ".join(sorted(covered)))
    print("excluded: " + ", ".join(f"{k} ({v})" for k, v in sorted(excluded.items())))
    assert not missing, (f"personal-data models neither in a layout nor excluded with a reason: {missing} — list each "
                         "in its area's adapter (covered/excluded) or, until the area has a layout, in its app's "
                         "interchange.py with adapters.not_carried; platform models in platform/interchange/coverage.py")
    assert not (covered & set(excluded))
    assert all(reason.strip() for reason in excluded.values())


def test_every_field_of_a_covered_model_is_an_item_or_derived():
    models = {m._meta.label: m for m in scoped_models()}
    for adapter in adapters().values():
        for label, files in adapter.covered.items():
            items = {i.code for f in files for i in adapter.layout.file(f).items}
            fields = {f.name for f in models[label]._meta.concrete_fields}
            lost = fields - items - adapter.derived_fields[label] - adapter.renamed_fields.get(label, set())
            assert not lost, f"{label}: fields the export would lose: {sorted(lost)}"


def test_every_event_kind_has_a_code():
    from lgcloud.areas.registry.codes import RESIDENCE_STATUSES
    from lgcloud.areas.registry.models import EventKind

    tables = get_adapter("registry").layout.code_tables
    assert set(tables["event_kind"].to_value.values()) == set(EventKind.values)
    assert tuple(tables["residence_status"].to_value.values()) == RESIDENCE_STATUSES


def test_item_table_documents_are_up_to_date():

    from lgcloud.platform.interchange.layout import item_table_markdown

    for key, adapter in adapters().items():
        doc = Path(__file__).resolve().parents[1] / "docs" / f"standard_layout_{key}.md"
        assert doc.read_text(encoding="utf-8") == item_table_markdown(adapter.layout), (
            f"docs/standard_layout_{key}.md is stale: run `lgcloud layout docs`")


def test_the_engine_knows_no_business_area():
    """platform/interchange imports nothing from areas/ or group/: areas plug in through adapters."""
    import ast

    engine = Path(__file__).resolve().parents[1] / "src" / "lgcloud" / "platform" / "interchange"
    for path in engine.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert not name.startswith(("lgcloud.areas", "lgcloud.group")), f"{path.name} imports {name}"
