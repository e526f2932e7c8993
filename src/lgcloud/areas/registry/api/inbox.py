"""The inbox of moves between members (転出証明書情報・転入通知) and the approvals of a contractor's requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lgcloud.areas.registry import (
    approvals,
    transfer,
)
from lgcloud.areas.registry.api.certificates import certificate_out
from lgcloud.areas.registry.api.common import (
    ERRORS,
    EventOut,
    PreparedOut,
    alert,
    event_out,
    need,
    prepared,
)
from lgcloud.areas.registry.engine import EventResult
from lgcloud.areas.registry.models import Certificate
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap

router = Router()


class IncomingOut(Schema):
    message_id: int
    sender_code: str
    sender_name: str
    planned_on: str
    destination: str
    persons: list[dict[str, Any]]


class InboxOut(Schema):
    move_out_certificates: list[IncomingOut]
    move_in_notices: int


@router.get("/inbox", response={200: InboxOut, **ERRORS}, summary="受信箱（転出証明書情報・転入通知）")
def inbox(request: HttpRequest) -> dict[str, Any]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    keep = ("sender_person_no", "family_name", "given_name", "family_name_kana", "given_name_kana", "alphabet_name",
            "birth_date", "sex", "relationship", "resident_type")
    certificates_, notices = transfer.inbox()
    return {
        "move_out_certificates": [
            {"message_id": m.pk, "sender_code": m.sender.code, "sender_name": str(m.sender),
             "planned_on": m.payload.get("planned_on", ""), "destination": m.payload.get("destination", ""),
             "persons": [{k: p.get(k) for k in keep} for p in m.payload.get("persons", [])]}
            for m in certificates_],
        "move_in_notices": len(notices),
    }


class ProcessedOut(Schema):
    confirmed: int


@router.post("/inbox/move-in-notices", response={200: ProcessedOut, **ERRORS}, summary="転入通知の処理（転出確定）")
def process_notices(request: HttpRequest, acknowledge_alerts: bool = False) -> Any:
    """Every pending 転入通知; a warning 抑止 or 支援措置 answers 409 with the alerts until it is sent again with
    ?acknowledge_alerts=true."""
    need(request, Cap.REGISTRY_CHANGE)
    try:
        return {"confirmed": transfer.process_move_in_notices(acknowledge_alerts=acknowledge_alerts)}
    except RestrictionAlert as e:
        return alert(e)




class ApprovalOut(Schema):
    id: int
    operation: str
    operation_label: str
    status: str
    prepared_by: str
    prepared_at: dt.datetime
    payload: dict[str, Any]


@router.get("/approvals", response={200: list[ApprovalOut], **ERRORS}, summary="承認待ちの受付")
def approval_list(request: HttpRequest) -> list[dict[str, Any]]:
    need(request, Cap.REGISTRY_APPROVE, Cap.REGISTRY_PREPARE)
    return [{**prepared(r), "prepared_by": r.prepared_by, "prepared_at": r.prepared_at, "payload": r.payload}
            for r in approvals.pending_shown()]


class ApproveIn(Schema):
    acknowledge_alerts: bool = False


class ApprovedOut(Schema):
    id: int
    status: str
    event: EventOut | None = None
    certificate: dict[str, Any] | None = None


@router.post("/approvals/{request_id}/approve", response={200: ApprovedOut, **ERRORS}, summary="受付の承認")
def approve(request: HttpRequest, request_id: int, payload: ApproveIn) -> Any:
    need(request, Cap.REGISTRY_APPROVE)
    try:
        result = approvals.approve(request_id, acknowledge_alerts=payload.acknowledge_alerts)
    except RestrictionAlert as e:
        return alert(e)
    out: dict[str, Any] = {"id": request_id, "status": "approved"}
    if isinstance(result, EventResult):
        out["event"] = event_out(result)
    elif isinstance(result, tuple) and result and isinstance(result[0], Certificate):
        out["certificate"] = certificate_out(result[0])
    return out


class RejectIn(Schema):
    reason: str = ""


@router.post("/approvals/{request_id}/reject", response={200: PreparedOut, **ERRORS}, summary="受付の却下")
def reject(request: HttpRequest, request_id: int, payload: RejectIn) -> dict[str, Any]:
    need(request, Cap.REGISTRY_APPROVE)
    return prepared(approvals.reject(request_id, payload.reason))
