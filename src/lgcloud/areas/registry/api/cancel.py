"""異動 route: 異動の取消し."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from lgcloud.areas.registry.api.common import (
    EVENT_RESPONSES,
    need,
    record,
)
from lgcloud.platform.accounts.roles import Cap

router = Router()


class CancellationIn(Schema):
    event_id: int = 0
    reason: str = ""


@router.post("/events/cancellation", response=EVENT_RESPONSES, summary="異動の取消し")
def cancellation(request: HttpRequest, payload: CancellationIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "cancellation", payload)
