"""The scoped base: no municipality in context, no personal data; one municipality, only its rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from lgcloud.platform.tenancy.context import (
    SYSTEM,
    Actor,
    TenantRequired,
    current_actor,
    current_municipality,
    municipality_scope,
)
from lgcloud.platform.tenancy.models import Municipality
from lgcloud.platform.tenancy.scoping import CrossTenantWrite, scoped_models
from tests.conftest import api_client, logged_in
from tests.testapp.models import Note

ACTOR = Actor("test", "system", "system")


def _note(m: Municipality, subject: str) -> Note:
    with municipality_scope(m, ACTOR):
        return Note.objects.create(subject=subject, body=f"{subject} の本文")


@pytest.fixture
def notes(muni_a: Municipality, muni_b: Municipality) -> dict[str, Note]:
    return {
        "a1": _note(muni_a, "A-1"),
        "a2": _note(muni_a, "A-2"),
        "b1": _note(muni_b, "B-1"),
    }


def test_note_is_a_scoped_model() -> None:
    assert Note in scoped_models()


@pytest.mark.django_db
def test_querying_without_a_municipality_raises_tenant_required(notes: dict[str, Note]) -> None:
    assert current_municipality() is None
    with pytest.raises(TenantRequired) as exc:
        Note.objects.all()
    assert "団体（市区町村）が特定されていない" in exc.value.message
    assert exc.value.status_code == 403
    with pytest.raises(TenantRequired):
        Note.objects.count()
    with pytest.raises(TenantRequired):
        Note.objects.get(pk=notes["a1"].pk)
    with pytest.raises(TenantRequired):
        Note.objects.filter(subject="A-1").exists()



@pytest.mark.django_db
def test_the_remembered_base_queryset_is_per_municipality_and_only_cloned(
        notes: dict[str, Note], muni_a: Municipality, muni_b: Municipality) -> None:
    """The manager starts from a remembered queryset per (model, municipality, database): each access is a fresh
    clone, so one evaluated or narrowed query never shows in the next, nor one municipality's rows in another's."""
    with municipality_scope(muni_a, ACTOR):
        first = Note.objects.all()
        assert sorted(n.subject for n in first) == ["A-1", "A-2"]  # evaluated: its result cache is its own
        assert Note.objects.filter(subject="A-1").count() == 1
        _note(muni_a, "A-3")
        assert Note.objects.count() == 3 and len(first) == 2
        assert Note.objects.all() is not Note.objects.all()
    with municipality_scope(muni_b, ACTOR):
        assert sorted(n.subject for n in Note.objects.all()) == ["B-1"]
        assert not Note.objects.filter(subject="A-1").exists()
    with municipality_scope(muni_a, ACTOR):
        assert Note.objects.count() == 3
    with pytest.raises(TenantRequired):
        Note.objects.all()

@pytest.mark.django_db
def test_saving_without_a_municipality_raises_tenant_required(muni_a: Municipality) -> None:
    with pytest.raises(TenantRequired):
        Note(subject="x", body="y").save()
    with municipality_scope(muni_a, ACTOR):
        assert Note.objects.count() == 0


def test_in_a_municipality_only_its_notes_are_seen(
    notes: dict[str, Note], muni_a: Municipality, muni_b: Municipality
) -> None:
    with municipality_scope(muni_a, ACTOR):
        assert sorted(Note.objects.values_list("subject", flat=True)) == ["A-1", "A-2"]
        assert not Note.objects.filter(pk=notes["b1"].pk).exists()
        with pytest.raises(Note.DoesNotExist):
            Note.objects.get(pk=notes["b1"].pk)
        assert Note.objects.filter(subject__startswith="B").count() == 0
    with municipality_scope(muni_b, ACTOR):
        assert list(Note.objects.values_list("subject", flat=True)) == ["B-1"]


def test_new_note_takes_the_municipality_in_context(in_a: Municipality) -> None:
    note = Note.objects.create(subject="新規", body="本文")
    assert note.municipality_id == in_a.pk


def test_saving_a_note_of_b_in_a_raises_cross_tenant_write(
    notes: dict[str, Note], muni_a: Municipality, muni_b: Municipality
) -> None:
    with municipality_scope(muni_a, ACTOR):
        with pytest.raises(CrossTenantWrite) as exc:
            Note(subject="B に書く", body="x", municipality=muni_b).save()
        assert exc.value.message == "他の団体のデータは登録・変更できません。"
        b1 = notes["b1"]
        b1.subject = "改ざん"
        with pytest.raises(CrossTenantWrite):
            b1.save()
        with pytest.raises(CrossTenantWrite):
            b1.delete()
    with municipality_scope(muni_b, ACTOR):
        assert list(Note.objects.values_list("subject", flat=True)) == ["B-1"]


def test_queryset_update_and_delete_touch_only_the_municipality_in_context(
    notes: dict[str, Note], muni_a: Municipality, muni_b: Municipality
) -> None:
    with municipality_scope(muni_a, ACTOR):
        assert Note.objects.update(body="一括更新") == 2
        assert Note.objects.filter(pk=notes["b1"].pk).delete()[0] == 0
    with municipality_scope(muni_b, ACTOR):
        assert Note.objects.get().body == "B-1 の本文"


def test_bulk_create_sets_the_municipality(in_a: Municipality, muni_b: Municipality) -> None:
    created = Note.objects.bulk_create([Note(subject=f"一括{i}", body="x") for i in range(3)])
    assert {n.municipality_id for n in created} == {in_a.pk}
    assert Note.objects.count() == 3
    with municipality_scope(muni_b, ACTOR):
        assert Note.objects.count() == 0


def test_bulk_create_refuses_a_row_of_another_municipality(in_a: Municipality, muni_b: Municipality) -> None:
    rows = [Note(subject="A", body="x"), Note(subject="B", body="x", municipality=muni_b)]
    with pytest.raises(CrossTenantWrite):
        Note.objects.bulk_create(rows)
    assert Note.objects.count() == 0
    with municipality_scope(muni_b, ACTOR):
        assert Note.objects.count() == 0


@pytest.mark.django_db
def test_bulk_create_without_a_municipality_raises_tenant_required(muni_a: Municipality) -> None:
    with pytest.raises(TenantRequired):
        Note.objects.bulk_create([Note(subject="x", body="y", municipality=muni_a)])


def test_municipality_scope_restores_the_previous_context(muni_a: Municipality, muni_b: Municipality) -> None:
    assert current_municipality() is None
    assert current_actor() == SYSTEM
    with municipality_scope(muni_a, ACTOR):
        assert current_municipality() == muni_a
        assert current_actor() == ACTOR
        with municipality_scope(muni_b):
            assert current_municipality() == muni_b
            assert current_actor() == ACTOR  # inherited
        assert current_municipality() == muni_a
    assert current_municipality() is None
    assert current_actor() == SYSTEM


def test_municipality_scope_is_reset_after_an_exception(muni_a: Municipality) -> None:
    with pytest.raises(RuntimeError), municipality_scope(muni_a, ACTOR):
        raise RuntimeError("boom")
    assert current_municipality() is None
    with pytest.raises(TenantRequired):
        Note.objects.count()


def test_tenant_context_is_set_during_a_web_request_and_reset_after(
    staff_of: dict[str, Any], notes: dict[str, Note]
) -> None:
    client = logged_in(staff_of["counter_clerk"])
    r = client.get("/testapp/notes/")
    assert r.status_code == 200
    assert sorted(n["subject"] for n in r.json()["notes"]) == ["A-1", "A-2"]
    assert current_municipality() is None
    assert current_actor() == SYSTEM
    # B's note is not found from A.
    assert client.get(f"/testapp/notes/{notes['b1'].pk}/").status_code == 404
    assert client.get(f"/testapp/notes/{notes['a1'].pk}/").json()["subject"] == "A-1"
    assert current_municipality() is None
    with pytest.raises(TenantRequired):
        Note.objects.count()


def test_tenant_context_is_reset_after_an_api_request(staff_of: dict[str, Any]) -> None:
    r = api_client(staff_of["counter_clerk"]).get("/api/v1/me")
    assert r.status_code == 200
    assert current_municipality() is None
    assert current_actor() == SYSTEM


def test_secretariat_and_operator_have_no_municipality_in_context(
    staff_of: dict[str, Any], notes: dict[str, Note]
) -> None:
    for role in ("group_secretariat", "operator"):
        r = logged_in(staff_of[role]).get("/testapp/notes/")
        assert r.status_code == 403
        assert "B-1" not in r.content.decode()
        assert "A-1" not in r.content.decode()


def test_a_rolled_back_write_leaves_no_note(in_a: Municipality) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        Note.objects.create(subject="消える", body="x")
        raise RuntimeError
    assert Note.objects.count() == 0
