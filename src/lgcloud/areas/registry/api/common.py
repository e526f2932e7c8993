"""What the registry API's routers share: the error and event schemas, the capability check, and the one
path every 異動 takes (a clerk's call to the service, a contractor's into the approval queue)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Schema, Status

from lgcloud.areas.registry import (
    approvals,
    reading,
)
from lgcloud.areas.registry.catalogue import Operation
from lgcloud.areas.registry.engine import EventResult
from lgcloud.areas.registry.models import EventKind, PreparedRequest
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.areas.registry.schemas import Body
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import PermissionDenied


class ErrorOut(Schema):
    detail: str
    field: str | None = None


class AlertOut(Schema):
    detail: str
    field: str | None = None
    alerts: list[str] = []


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: AlertOut}


def need(request: HttpRequest, *caps: str) -> Any:
    staff = request.auth  # type: ignore[attr-defined]
    if not any(staff.has_cap(c) for c in caps):
        raise PermissionDenied("この操作を行う権限がありません。")
    return staff


def alert(e: RestrictionAlert) -> Status[dict[str, Any]]:
    return Status(409, {"detail": e.message, "field": None, "alerts": e.alerts})


class EventOut(Schema):
    event_id: int
    kind: str
    kind_label: str
    effective_on: dt.date
    persons: list[int]
    households: list[int]


class PreparedOut(Schema):
    id: int
    operation: str
    operation_label: str
    status: str


EVENT_RESPONSES: dict[int, Any] = {201: EventOut, 202: PreparedOut, **ERRORS}


def prepared(req: PreparedRequest) -> dict[str, Any]:
    return {"id": req.pk, "operation": req.operation, "operation_label": approvals.operation_label(req.operation),
            "status": req.status}


def event_out(result: EventResult) -> dict[str, Any]:
    ev = result.event
    return {"event_id": ev.pk, "kind": ev.kind, "kind_label": EventKind(ev.kind).label, "effective_on": ev.effective_on,
            "persons": [p.person_no for p in result.persons], "households": [h.household_no for h in result.households]}


def record(request: HttpRequest, op: Operation, payload: Body) -> Status[dict[str, Any]]:
    """One 異動: the clerk's call goes to the service, a contractor's into the approval queue."""
    staff = request.auth  # type: ignore[attr-defined]
    kwargs = payload.service_args()
    if staff.has_cap(op.capability):
        if "versions" in kwargs:
            kwargs["versions"] = reading.versions_by_pk(kwargs["versions"])
        ack = {"acknowledge_alerts": bool(getattr(payload, "acknowledge_alerts", False))} if op.ack else {}
        try:
            result = op.service(**kwargs, **ack)
        except RestrictionAlert as e:
            return alert(e)
        return Status(201, event_out(result))
    if staff.has_cap(Cap.REGISTRY_PREPARE) and op.contractor:
        kwargs.pop("versions", None)
        return Status(202, prepared(approvals.prepare(op.slug, kwargs)))
    raise PermissionDenied("この異動を記録する権限がありません。")
