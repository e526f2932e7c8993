"""異動 routes: 転居, 住所設定."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from lgcloud.areas.registry.api.common import (
    EVENT_RESPONSES,
    AddressIn,
    Locked,
    need,
    record,
)
from lgcloud.platform.accounts.roles import Cap

router = Router()


class MoveWithinIn(Locked):
    household_no: int = 0
    address: AddressIn = AddressIn()


@router.post("/events/move_within", response=EVENT_RESPONSES, summary="転居")
def move_within(request: HttpRequest, payload: MoveWithinIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "move_within", payload)


@router.post("/events/address_setting", response=EVENT_RESPONSES, summary="住所設定")
def address_setting(request: HttpRequest, payload: MoveWithinIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "address_setting", payload)
