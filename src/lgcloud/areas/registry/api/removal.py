"""異動 routes: 転出, 死亡, 失踪, 職権消除."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from lgcloud.areas.registry.api.common import (
    EVENT_RESPONSES,
    Ack,
    Locked,
    need,
    record,
)
from lgcloud.platform.accounts.roles import Cap

router = Router()


class MoveOutIn(Locked):
    person_nos: list[int] = []
    destination: str = ""
    destination_code: str | None = None  # a member of the group: the 転出証明書情報 is sent to it
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None


@router.post("/events/move_out", response=EVENT_RESPONSES, summary="転出")
def move_out(request: HttpRequest, payload: MoveOutIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "move_out", payload)

class DeathIn(Ack):
    person_no: int = 0
    death_date: str = ""
    death_date_precision: str = "day"
    notified_on: str = ""
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None
    versions: dict[int, int] | None = None


@router.post("/events/death", response=EVENT_RESPONSES, summary="死亡")
def death(request: HttpRequest, payload: DeathIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "death", payload)


class DisappearanceIn(Ack):
    person_no: int = 0
    declared_on: str = ""
    notified_on: str = ""
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None


@router.post("/events/disappearance", response=EVENT_RESPONSES, summary="失踪")
def disappearance(request: HttpRequest, payload: DisappearanceIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "disappearance", payload)


class ExOfficioRemovalIn(Ack):
    person_nos: list[int] = []
    effective_on: str = ""
    new_head_person_no: int | None = None
    relationships: dict[int, str] | None = None


@router.post("/events/ex_officio_removal", response=EVENT_RESPONSES, summary="職権消除")
def ex_officio_removal(request: HttpRequest, payload: ExOfficioRemovalIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "ex_officio_removal", payload)
