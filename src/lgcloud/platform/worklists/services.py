"""Raising, listing and deciding work items. One transaction each; every read of an item and every decision
is audited; a clerk sees and decides only the items whose capability their role carries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from lgcloud.platform.accounts.roles import capabilities
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.context import current_actor, require_municipality
from lgcloud.platform.worklists.catalog import queue as queue_of
from lgcloud.platform.worklists.models import ItemStatus, WorkItem

PAGE = 100


def _all_capabilities() -> bool:
    return current_actor().channel in ("cli", "system")


def _visible(qs: QuerySet[WorkItem]) -> QuerySet[WorkItem]:
    if _all_capabilities():
        return qs
    return qs.filter(capability__in=sorted(capabilities(current_actor().role)))


@transaction.atomic
def raise_item(queue: str, *, subject_ref: str, title: str, reason: str = "", proposed_action: str = "",
               payload: dict[str, Any] | None = None, capability: str, dedupe_key: str | None = None,
               link: str = "") -> WorkItem:
    """Put a proposal on `queue` for the municipality in context. With a dedupe_key, raising the same thing twice
    (an event delivered again, a file read twice) returns the item already there."""
    require_municipality()
    if not queue or not title.strip() or not capability:
        raise ValidationFailed("処理待ちの登録には一覧・件名・権限が必要です。", field="title")
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValidationFailed("処理する画面はこのシステム内のパス（/ で始まる）で指定してください。", field="link")
    if dedupe_key:
        existing = WorkItem.objects.filter(queue=queue, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            item = WorkItem.objects.create(
                queue=queue, title=title[:200], subject_ref=subject_ref[:120], reason=reason,
                proposed_action=proposed_action, payload=payload or {}, capability=capability, link=link[:300],
                raised_by=current_actor().username, dedupe_key=dedupe_key or "")
    except IntegrityError:  # raised concurrently by another worker
        return WorkItem.objects.get(queue=queue, dedupe_key=dedupe_key)
    audit.record("worklists.raised", obj=item, detail={"queue": queue, "subject": subject_ref})
    return item


@transaction.atomic
def raise_items(queue: str, items: list[dict[str, Any]]) -> int:
    """Raise many items on `queue` at once (a day's file): one insert and one audit record for the lot. Each dict
    holds raise_item's keyword arguments; items whose dedupe_key is already on the queue are left out. Returns
    how many were raised."""
    municipality = require_municipality()
    if not items:
        return 0
    for it in items:
        link = it.get("link", "")
        if not queue or not str(it.get("title", "")).strip() or not it.get("capability"):
            raise ValidationFailed("処理待ちの登録には一覧・件名・権限が必要です。", field="title")
        if link and (not link.startswith("/") or link.startswith("//")):
            raise ValidationFailed("処理する画面はこのシステム内のパス（/ で始まる）で指定してください。", field="link")
    keys = [it["dedupe_key"] for it in items if it.get("dedupe_key")]
    existing: set[str] = set()
    for i in range(0, len(keys), 900):
        existing.update(WorkItem.objects.filter(queue=queue, dedupe_key__in=keys[i:i + 900])
                        .values_list("dedupe_key", flat=True))
    by = current_actor().username
    fresh = [it for it in items if not it.get("dedupe_key") or it["dedupe_key"] not in existing]
    if connection.vendor == "postgresql":
        _insert_pg(municipality.pk, queue, by, fresh)
    else:
        WorkItem.objects.bulk_create([
            WorkItem(municipality_id=municipality.pk, queue=queue, title=it["title"][:200],
                     subject_ref=it.get("subject_ref", "")[:120], reason=it.get("reason", ""),
                     proposed_action=it.get("proposed_action", ""), payload=it.get("payload") or {},
                     capability=it["capability"], link=it.get("link", "")[:300], raised_by=by,
                     dedupe_key=it.get("dedupe_key") or "") for it in fresh], batch_size=2000)
    new = [it.get("subject_ref", "")[:120] for it in fresh]
    if new:
        audit.record("worklists.raised", object_type="WorkItem", object_id=f"{queue}:{len(new)}",
                     detail={"queue": queue, "count": len(new), "subjects": new[:1000]})
    return len(new)


def _insert_pg(municipality_id: int, queue: str, by: str, items: list[dict[str, Any]]) -> None:
    """The items in one INSERT … SELECT from typed arrays (a day's file raises thousands: no model instance an
    item); what `WorkItem`'s defaults would write, written here."""
    if not items:
        return
    cols: dict[str, list[str]] = {
        "title": [it["title"][:200] for it in items],
        "subject_ref": [it.get("subject_ref", "")[:120] for it in items],
        "reason": [it.get("reason", "") for it in items],
        "proposed_action": [it.get("proposed_action", "") for it in items],
        "payload": [json.dumps(it.get("payload") or {}, cls=DjangoJSONEncoder) for it in items],
        "capability": [it["capability"] for it in items],
        "link": [it.get("link", "")[:300] for it in items],
        "dedupe_key": [it.get("dedupe_key") or "" for it in items],
    }
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO worklists_workitem (municipality_id, queue, title, subject_ref, reason, proposed_action,
                                            payload, capability, link, status, raised_at, raised_by, decided_by,
                                            note, outcome, dedupe_key)
            SELECT %s, %s, u.title, u.subject_ref, u.reason, u.proposed_action, u.payload::jsonb, u.capability, u.link,
                   %s, %s, %s, '', '', '', u.dedupe_key
            FROM unnest({", ".join(["%b::text[]"] * len(cols))}) AS u({", ".join(cols)})""",
                    [municipality_id, queue, ItemStatus.OPEN.value, timezone.now(), by, *cols.values()])


@dataclass
class Listing:
    items: list[WorkItem]
    truncated: bool


@transaction.atomic
def list_items(*, queue: str = "", status: str = ItemStatus.OPEN, limit: int = PAGE) -> Listing:
    """The items the actor may decide, newest first (status "" for every status). Audited with their ids."""
    if status and status not in ItemStatus.values:
        raise ValidationFailed(f"状態「{status}」はありません（open / accepted / rejected）。", field="status")
    qs = _visible(WorkItem.objects.all())
    if queue:
        qs = qs.filter(queue=queue)
    if status:
        qs = qs.filter(status=status)
    rows = list(qs.order_by("-raised_at", "-id")[: limit + 1])
    items, truncated = rows[:limit], len(rows) > limit
    if items:
        audit.record("worklists.listed", object_type="WorkItem", object_id=",".join(str(i.pk) for i in items),
                     detail={"queue": queue, "status": status, "count": len(items)})
    return Listing(items, truncated)


def counts() -> dict[str, int]:
    """Open items per queue the actor may decide (numbers only: not a read of personal data)."""
    out: dict[str, int] = {}
    for q in _visible(WorkItem.objects.filter(status=ItemStatus.OPEN)).values_list("queue", flat=True):
        out[q] = out.get(q, 0) + 1
    return out


def _load(item_id: int, *, lock: bool = False) -> WorkItem:
    qs = WorkItem.objects.select_for_update() if lock else WorkItem.objects.all()
    item = qs.filter(pk=item_id).first()
    if item is None:
        raise NotFound("指定した処理待ちの項目はありません。")
    if not _all_capabilities() and item.capability not in capabilities(current_actor().role):
        raise PermissionDenied("この項目を処理する権限がありません。")
    return item


@transaction.atomic
def get_item(item_id: int) -> WorkItem:
    item = _load(item_id)
    audit.record("worklists.viewed", obj=item, detail={"queue": item.queue})
    return item


@transaction.atomic
def decide(item_id: int, accept: bool, note: str = "") -> WorkItem:
    """Accept (the queue's handler carries out the proposal in this transaction) or reject, with a note."""
    item = _load(item_id, lock=True)
    if item.status != ItemStatus.OPEN:
        raise Conflict(f"この項目は既に処理されています（{item.get_status_display()}、{item.decided_by}）。")
    if not accept and not note.strip():
        raise ValidationFailed("却下する理由を処理メモに入力してください。", field="note")
    outcome = ""
    if accept:
        queue = queue_of(item.queue)
        if queue is not None and queue.fn is not None:
            result = queue.fn(item)
            outcome = str(result)[:300] if result else ""
    return _close(item, accept=accept, note=note, outcome=outcome)


def _close(item: WorkItem, *, accept: bool, note: str, outcome: str) -> WorkItem:
    item.status = ItemStatus.ACCEPTED if accept else ItemStatus.REJECTED
    item.decided_by, item.decided_at = current_actor().username, timezone.now()
    item.note, item.outcome = note.strip(), outcome
    item.save(update_fields=["status", "decided_by", "decided_at", "note", "outcome"])
    audit.record(f"worklists.{item.status}", obj=item, purpose=note.strip()[:200],
                 detail={"queue": item.queue, "subject": item.subject_ref, "outcome": outcome})
    return item


@transaction.atomic
def resolve(queue: str, dedupe_key: str, *, outcome: str, note: str = "") -> WorkItem | None:
    """The proposal was carried out elsewhere (e.g. on the registry's 転入 screen): close its open item as
    accepted, without calling the handler. Returns the item, or None if there was no open one."""
    item = WorkItem.objects.select_for_update().filter(queue=queue, dedupe_key=dedupe_key,
                                                       status=ItemStatus.OPEN).first()
    if item is None:
        return None
    return _close(item, accept=True, note=note, outcome=outcome)
