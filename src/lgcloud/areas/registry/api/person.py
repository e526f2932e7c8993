"""異動 routes on a person's items: 修正, 個人番号, 住民票コード, 在留資格, 帰化, 国籍喪失."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from lgcloud.areas.registry.api.common import (
    EVENT_RESPONSES,
    Ack,
    need,
    plain,
    record,
)
from lgcloud.platform.accounts.roles import Cap

router = Router()


class CorrectionIn(Ack):
    kind: str = ""  # ex_officio_correction / minor_correction / clerical_correction
    person_no: int = 0
    items: dict[str, Any] = {}
    corrects_event_id: int | None = None
    effective_on: str | None = None
    versions: dict[int, int] | None = None


@router.post("/events/correction", response=EVENT_RESPONSES, summary="職権修正・軽微な修正・誤記修正")
def correction(request: HttpRequest, payload: CorrectionIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "correction", payload, items=plain(payload.items))


class IndividualNumberIn(Ack):
    person_no: int = 0
    individual_number: str = ""
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/individual_number", response=EVENT_RESPONSES, summary="個人番号の記載・変更")
def individual_number(request: HttpRequest, payload: IndividualNumberIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "individual_number", payload)


class ResidentCodeIn(Ack):
    person_no: int = 0
    resident_code: str = ""
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/resident_code", response=EVENT_RESPONSES, summary="住民票コードの記載・変更")
def resident_code(request: HttpRequest, payload: ResidentCodeIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "resident_code", payload)


class ResidenceStatusIn(Ack):
    person_no: int = 0
    residence_status: str = ""
    period_of_stay: str = ""
    stay_expires_on: str = ""
    residence_card_number: str = ""
    renewal: bool = False  # 在留期間更新
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/residence_status", response=EVENT_RESPONSES, summary="在留資格変更・在留期間更新")
def residence_status(request: HttpRequest, payload: ResidenceStatusIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "residence_status", payload)


class NaturalizationIn(Ack):
    person_no: int = 0
    japanese: dict[str, Any] = {}
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/naturalization", response=EVENT_RESPONSES, summary="帰化")
def naturalization(request: HttpRequest, payload: NaturalizationIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "naturalization", payload, japanese=plain(payload.japanese))


class NationalityLossIn(Ack):
    person_no: int = 0
    foreign: dict[str, Any] = {}
    effective_on: str = ""
    versions: dict[int, int] | None = None


@router.post("/events/nationality_loss", response=EVENT_RESPONSES, summary="国籍喪失")
def nationality_loss(request: HttpRequest, payload: NationalityLossIn) -> Status[dict[str, Any]]:
    need(request, Cap.REGISTRY_CHANGE)
    return record(request, "nationality_loss", payload, foreign=plain(payload.foreign))
