"""処理待ち一覧の API (mounted at /api/v1/worklists): the same services, capability filter and audit as the
screens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import PermissionDenied
from lgcloud.platform.worklists import catalog, services
from lgcloud.platform.worklists.models import WorkItem

router = Router(tags=["処理待ち一覧"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class ItemOut(Schema):
    id: int
    queue: str
    queue_label: str
    title: str
    subject_ref: str
    reason: str
    proposed_action: str
    payload: dict[str, Any]
    capability: str
    status: str
    raised_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    note: str
    outcome: str


class ListOut(Schema):
    items: list[ItemOut]
    truncated: bool


class DecideIn(Schema):
    accept: bool
    note: str = ""


def _need(request: HttpRequest) -> None:
    if not request.auth.has_cap(Cap.PERSONAL_DATA):  # type: ignore[attr-defined]
        raise PermissionDenied("この操作を行う権限がありません。")


def _out(item: WorkItem) -> dict[str, Any]:
    return {
        "id": item.pk, "queue": item.queue, "queue_label": catalog.label(item.queue), "title": item.title,
        "subject_ref": item.subject_ref, "reason": item.reason, "proposed_action": item.proposed_action,
        "payload": item.payload, "capability": item.capability, "status": item.status, "raised_at": item.raised_at,
        "decided_by": item.decided_by, "decided_at": item.decided_at, "note": item.note, "outcome": item.outcome,
    }


@router.get("", response={200: ListOut, **ERRORS}, summary="処理待ちの項目（権限のある一覧だけ）")
def list_items(request: HttpRequest, queue: str = "", status: str = "open", limit: int = 50) -> dict[str, Any]:
    """Newest first; `status` open / accepted / rejected, or empty for all; `limit` 1–200."""
    _need(request)
    listing = services.list_items(queue=queue, status=status, limit=max(1, min(limit, 200)))
    return {"items": [_out(i) for i in listing.items], "truncated": listing.truncated}


@router.get("/{item_id}", response={200: ItemOut, **ERRORS}, summary="処理待ちの項目")
def item_detail(request: HttpRequest, item_id: int) -> dict[str, Any]:
    _need(request)
    return _out(services.get_item(item_id))


@router.post("/{item_id}/decide", response={200: ItemOut, **ERRORS}, summary="承認（提案どおり処理）または却下")
def decide(request: HttpRequest, item_id: int, body: DecideIn) -> dict[str, Any]:
    _need(request)
    return _out(services.decide(item_id, body.accept, body.note))
