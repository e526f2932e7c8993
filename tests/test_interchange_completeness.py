"""A model holding personal data must be in the standard layout or excluded with a reason."""

from __future__ import annotations

from lgcloud.platform.interchange.coverage import COVERED, DERIVED_FIELDS, EXCLUDED
from lgcloud.platform.interchange.layout import registry_layout
from lgcloud.platform.tenancy.scoping import scoped_models

TEST_ONLY = {"testapp.Note", "testapp.Delivery", "testapp.ToyResident"}
# Items of the layout named differently from the model field they carry.
RENAMED = {"registry.Person": {"relationship", "household_order"}, "registry.RegistryEvent": {"corrects", "cancels"}}


def test_every_personal_data_model_is_covered_or_excluded():
    labels = {m._meta.label for m in scoped_models()} - TEST_ONLY
    missing = sorted(labels - set(COVERED) - set(EXCLUDED))
    print("\ncovered: " + ", ".join(sorted(COVERED)))
    print("excluded: " + ", ".join(f"{k} ({v})" for k, v in sorted(EXCLUDED.items())))
    assert not missing, f"personal-data models neither in the layout nor excluded with a reason: {missing}"
    assert not (set(COVERED) & set(EXCLUDED))
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_every_field_of_a_covered_model_is_an_item_or_derived():
    layout = registry_layout()
    models = {m._meta.label: m for m in scoped_models()}
    for label, files in COVERED.items():
        items = {i.code for f in files for i in layout.file(f).items}
        fields = {f.name for f in models[label]._meta.concrete_fields}
        lost = fields - items - DERIVED_FIELDS[label] - RENAMED.get(label, set())
        assert not lost, f"{label}: fields the export would lose: {sorted(lost)}"


def test_every_event_kind_has_a_code():
    from lgcloud.areas.registry.codes import RESIDENCE_STATUSES
    from lgcloud.areas.registry.models import EventKind

    tables = registry_layout().code_tables
    assert set(tables["event_kind"].to_value.values()) == set(EventKind.values)
    assert tuple(tables["residence_status"].to_value.values()) == RESIDENCE_STATUSES


def test_item_table_document_is_up_to_date():
    from pathlib import Path

    from lgcloud.platform.interchange.layout import item_table_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "standard_layout_registry.md"
    assert doc.read_text(encoding="utf-8") == item_table_markdown(registry_layout()), (
        "docs/standard_layout_registry.md is stale: run `lgcloud layout docs`")
