"""異動 routes: 世帯分離, 世帯合併, 世帯主変更, 世帯構成変更."""

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


class HouseholdSplitIn(Locked):
    person_nos: list[int] = []
    new_head_person_no: int | None = None
    address: AddressIn | None = None
    relationships: dict[int, str] | None = None
    remaining_head_person_no: int | None = None
    remaining_relationships: dict[int, str] | None = None


@router.post("/events/household_split", response=EVENT_RESPONSES, summary="世帯分離")
def household_split(request: HttpRequest, payload: HouseholdSplitIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "household_split", payload)


class HouseholdMergeIn(Locked):
    from_household_no: int = 0
    into_household_no: int = 0
    relationships: dict[int, str] = {}


@router.post("/events/household_merge", response=EVENT_RESPONSES, summary="世帯合併")
def household_merge(request: HttpRequest, payload: HouseholdMergeIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "household_merge", payload)


class HeadChangeIn(Locked):
    household_no: int = 0
    new_head_person_no: int = 0
    relationships: dict[int, str] = {}


@router.post("/events/head_change", response=EVENT_RESPONSES, summary="世帯主変更")
def head_change(request: HttpRequest, payload: HeadChangeIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "head_change", payload)


class CompositionChangeIn(Locked):
    household_no: int = 0
    relationships: dict[int, str] = {}


@router.post("/events/composition_change", response=EVENT_RESPONSES, summary="世帯構成変更")
def composition_change(request: HttpRequest, payload: CompositionChangeIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE)
    return record(request, "composition_change", payload)
