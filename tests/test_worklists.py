"""処理待ち一覧: items raised once (dedupe), listed and decided only by roles with their capability, every read
and decision audited, the handler run on accept in the decision's transaction; screens and API; the registry's
messages between members arrive as items."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from lgcloud.areas.registry import transfer
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import move_out
from lgcloud.areas.registry.models import MoveOutState, Person, TransferKind
from lgcloud.platform import worklists
from lgcloud.platform.accounts.roles import Cap, Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import Conflict, PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.worklists import services
from lgcloud.platform.worklists.catalog import _queues
from lgcloud.platform.worklists.models import WorkItem
from tests.conftest import api_client, logged_in
from tests.testapp.models import Note

QUEUE = "testapp.note_check"
CALLS: list[int] = []


@worklists.handler(QUEUE, label="メモの確認")
def _accept(item: WorkItem) -> str:
    CALLS.append(item.pk)
    Note.objects.create(subject="accepted", body=str(item.pk))
    if item.payload.get("fail"):
        raise ValidationFailed("提案の内容が古くなっています。", field="payload")
    return "メモを作成しました"


@pytest.fixture(autouse=True)
def _handler_registered() -> Any:
    CALLS.clear()
    yield
    assert QUEUE in _queues


def as_role(m: Any, role: str, channel: str = "web") -> Any:
    return municipality_scope(m, Actor(f"{m.code}-{role}", role, channel))


def raise_note(capability: str = Cap.REGISTRY_CHANGE, **kwargs: Any) -> WorkItem:
    return worklists.raise_item(QUEUE, subject_ref="testapp.Note:1", title="住所の確認", reason="転入がありました",
                                proposed_action="メモを作る", payload=kwargs.pop("payload", {}), capability=capability,
                                **kwargs)


def test_raising_twice_with_one_dedupe_key_gives_one_item(in_a):
    first = raise_note(dedupe_key="move_in:1")
    assert raise_note(dedupe_key="move_in:1").pk == first.pk
    assert raise_note().pk != raise_note().pk  # without a key every raise is an item
    assert WorkItem.objects.filter(dedupe_key="move_in:1").count() == 1
    with pytest.raises(ValidationFailed, match="/ で始まる"):
        raise_note(link="https://example.com/")


def test_listing_and_deciding_follow_the_capability_and_are_audited(muni_a):
    with as_role(muni_a, Role.COUNTER_CLERK):
        registry_item = raise_note(Cap.REGISTRY_CHANGE)
        tax_item = raise_note(Cap.TAXATION)
        listing = services.list_items()
        assert [i.pk for i in listing.items] == [registry_item.pk]
        assert AuditRecord.objects.filter(action="worklists.listed", object_id=str(registry_item.pk)).exists()
        with pytest.raises(PermissionDenied):
            services.get_item(tax_item.pk)
        with pytest.raises(PermissionDenied):
            worklists.decide(tax_item.pk, True)
    with as_role(muni_a, Role.TAX):
        assert [i.pk for i in services.list_items().items] == [tax_item.pk]
        assert services.get_item(tax_item.pk).title == "住所の確認"
        assert AuditRecord.objects.filter(action="worklists.viewed", object_id=str(tax_item.pk)).exists()
        decided = worklists.decide(tax_item.pk, True, note="確認済み")
    assert (decided.status, decided.decided_by, decided.note, decided.outcome) == (
        "accepted", f"{muni_a.code}-tax", "確認済み", "メモを作成しました")
    assert CALLS == [tax_item.pk]
    with as_role(muni_a, Role.TAX):
        rec = AuditRecord.objects.get(action="worklists.accepted")
        assert rec.object_id == str(tax_item.pk) and rec.actor == f"{muni_a.code}-tax"
        assert Note.objects.get().body == str(tax_item.pk)
        with pytest.raises(Conflict, match="既に処理されています"):
            worklists.decide(tax_item.pk, False, note="やはり却下")
        assert [i.pk for i in services.list_items(status="accepted").items] == [tax_item.pk]


def test_a_refusing_handler_leaves_nothing_and_a_rejection_needs_a_reason(muni_a):
    with as_role(muni_a, Role.COUNTER_CLERK):
        item = raise_note(payload={"fail": True})
        with pytest.raises(ValidationFailed, match="古くなっています"):
            worklists.decide(item.pk, True)
        item.refresh_from_db()
        assert item.status == "open" and Note.objects.count() == 0  # the handler's note rolled back with it
        assert not AuditRecord.objects.filter(action="worklists.accepted").exists()
        with pytest.raises(ValidationFailed, match="理由"):
            worklists.decide(item.pk, False)
        rejected = worklists.decide(item.pk, False, note="対象外")
        assert rejected.status == "rejected" and CALLS == [item.pk]  # not called on reject
    # Items of another municipality are not there at all.
    with as_role(muni_a, Role.COUNTER_CLERK):
        assert WorkItem.objects.count() == 1


def test_screens_list_filter_show_and_decide(in_a, staff_of):
    item = raise_note()
    other = worklists.raise_item("testapp.other", subject_ref="x", title="別の一覧の項目", capability=Cap.REGISTRY_CHANGE)
    client = logged_in(staff_of[Role.COUNTER_CLERK])
    page = client.get("/worklists/").content.decode()
    assert "処理待ち一覧" in page and "住所の確認" in page and "別の一覧の項目" in page and "メモの確認" in page
    page = client.get(f"/worklists/?queue={QUEUE}").content.decode()
    assert "住所の確認" in page and "別の一覧の項目" not in page
    page = client.get(f"/worklists/{item.pk}/").content.decode()
    assert "メモを作る" in page and "転入がありました" in page
    r = client.post(f"/worklists/{item.pk}/decide/", {"decision": "reject", "note": ""})
    assert r.status_code == 302
    assert "理由" in client.get(f"/worklists/{item.pk}/").content.decode()
    r = client.post(f"/worklists/{item.pk}/decide/", {"decision": "accept", "note": "確認しました"}, follow=True)
    assert "承認しました" in r.content.decode()
    item.refresh_from_db()
    assert item.status == "accepted" and item.note == "確認しました"
    assert "住所の確認" not in client.get("/worklists/").content.decode()  # open items only by default
    assert "住所の確認" in client.get("/worklists/?status=accepted").content.decode()
    # A role without the capability does not see it; the secretariat has no personal data at all.
    assert "別の一覧の項目" not in logged_in(staff_of[Role.TAX]).get("/worklists/").content.decode()
    assert logged_in(staff_of[Role.TAX]).get(f"/worklists/{other.pk}/").status_code == 403
    assert logged_in(staff_of[Role.GROUP_SECRETARIAT]).get("/worklists/").status_code == 403
    assert 'href="/worklists/"' in client.get("/").content.decode()


def test_api_lists_shows_and_decides(in_a, staff_of):
    item = raise_note()
    api = api_client(staff_of[Role.COUNTER_CLERK])
    body = api.get("/api/v1/worklists").json()
    assert [i["id"] for i in body["items"]] == [item.pk] and body["items"][0]["queue_label"] == "メモの確認"
    assert api.get(f"/api/v1/worklists/{item.pk}").json()["proposed_action"] == "メモを作る"
    r = api.post(f"/api/v1/worklists/{item.pk}/decide", {"accept": True, "note": "API"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "accepted" and r.json()["outcome"] == "メモを作成しました"
    r = api.post(f"/api/v1/worklists/{item.pk}/decide", {"accept": False}, content_type="application/json")
    assert r.status_code == 409
    assert api_client(staff_of[Role.TAX]).get(f"/api/v1/worklists/{item.pk}").status_code == 403
    assert api.get("/api/v1/worklists?status=nope").status_code == 400


def test_moves_between_members_arrive_as_items(muni_a, muni_b, make_staff):
    with as_role(muni_a, Role.COUNTER_CLERK, "system"):
        r = move_in(persons=[{"family_name": "鈴木", "given_name": "一郎", "birth_date": "1970-05-05", "sex": "male",
                              "relationship": "世帯主"}],
                    address={"address": "埼玉県北足立郡伊奈町小室1"}, effective_on="2020-04-01",
                    notified_on="2020-04-01", previous_address="東京都")
        ichiro = r.persons[0]
        move_out(person_nos=[ichiro.person_no], destination="越生町", destination_code=muni_b.code,
                 effective_on="2024-04-10", notified_on="2024-04-01")
    with as_role(muni_b, Role.COUNTER_CLERK):
        [item] = services.list_items().items
        assert item.queue == "registry.move_out_certificate" and "1人" in item.title and "鈴木" not in item.title
        assert item.link.startswith("/registry/") and f"message_id={item.payload['message_id']}" in item.link
        with pytest.raises(ValidationFailed, match="転入"):
            worklists.decide(item.pk, True)  # a 転入 needs the form's address and dates
        [msg] = transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE)
        transfer.move_in_from_certificate(message_id=msg.pk, address={"address": "越生町越生1"},
                                          effective_on="2024-04-12", notified_on="2024-04-15")
        item.refresh_from_db()
        assert item.status == "accepted" and "転入を記録" in item.outcome
    with as_role(muni_a, Role.COUNTER_CLERK):
        [notice] = services.list_items().items
        assert notice.queue == "registry.move_in_notice"
        with transaction.atomic():
            decided = worklists.decide(notice.pk, True, note="転入通知を確認")
        assert decided.outcome == "1人の転出を確定しました"
        assert Person.objects.get(pk=ichiro.pk).move_out_state == MoveOutState.CONFIRMED
        assert transfer.process_move_in_notices() == 0
        assert transfer.pending(TransferKind.MOVE_IN_NOTICE) == []
