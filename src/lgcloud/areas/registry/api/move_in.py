"""異動 routes: 転入 (国外・再転入), 職権記載, 転入（転出証明書情報から）, 出生."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from lgcloud.areas.registry.api.common import (
    EVENT_RESPONSES,
    AddressIn,
    Dated,
    need,
    plain,
    record,
)
from lgcloud.areas.registry.event_forms import check_move_in_kind
from lgcloud.platform.accounts.roles import Cap

router = Router()


class MoveInIn(Dated):
    persons: list[dict[str, Any]] = []
    address: AddressIn = AddressIn()
    previous_address: str = ""
    household_no: int | None = None
    kind: str | None = None  # move_in (default) / move_in_from_abroad / re_move_in
    re_move_in: dict[int, dict[str, Any]] | None = None


def _move_in_args(payload: MoveInIn) -> dict[str, Any]:
    check_move_in_kind(payload.kind)
    return {"persons": [plain(p) for p in payload.persons],
            "re_move_in": {k: plain(v) for k, v in payload.re_move_in.items()} if payload.re_move_in else None}


@router.post("/events/move_in", response=EVENT_RESPONSES, summary="転入（国外からの転入・再転入を含む）")
def move_in(request: HttpRequest, payload: MoveInIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "move_in", payload, **_move_in_args(payload))


class ExOfficioEntryIn(Dated):
    persons: list[dict[str, Any]] = []
    address: AddressIn = AddressIn()
    previous_address: str = ""
    household_no: int | None = None


@router.post("/events/ex_officio_entry", response=EVENT_RESPONSES, summary="職権記載")
def ex_officio_entry(request: HttpRequest, payload: ExOfficioEntryIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    overrides: dict[str, Any] = {"persons": [plain(p) for p in payload.persons]}
    if not payload.previous_address:
        overrides["previous_address"] = "職権記載"
    return record(request, "ex_officio_entry", payload, **overrides)


class MoveInFromCertificateIn(Schema):
    acknowledge_alerts: bool = False
    message_id: int = 0
    address: AddressIn = AddressIn()
    effective_on: str = ""
    notified_on: str = ""
    household_no: int | None = None
    relationships: dict[int, str] | None = None  # {転出元の宛名番号: 転入後の続柄}


@router.post("/events/move_in_from_certificate", response=EVENT_RESPONSES, summary="転入（転出証明書情報から）")
def move_in_from_certificate(request: HttpRequest, payload: MoveInFromCertificateIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "move_in_from_certificate", payload)

class BirthIn(Dated):
    child: dict[str, Any] = {}
    household_no: int = 0
    mother_person_no: int | None = None


@router.post("/events/birth", response=EVENT_RESPONSES, summary="出生（effective_on は出生日）")
def birth(request: HttpRequest, payload: BirthIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "birth", payload, child=plain(payload.child))
