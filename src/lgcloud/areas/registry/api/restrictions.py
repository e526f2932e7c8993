"""抑止 and 支援措置."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from lgcloud.areas.registry import (
    offender,
    restrictions,
)
from lgcloud.areas.registry.api.common import (
    ERRORS,
    need,
)
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import ValidationFailed

router = Router()


class RestrictionIn(Schema):
    person_no: int | None = None
    household_no: int | None = None
    action: str = ""  # change / issue / inquiry
    mode: str = ""  # refuse / alert
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    reason: str = ""


class RestrictionOut(Schema):
    id: int
    action: str
    mode: str
    starts_on: dt.date
    ends_on: dt.date | None
    lifted_until: dt.datetime | None
    removed: bool


def _restriction_out(r: Any) -> dict[str, Any]:
    return {"id": r.pk, "action": r.action, "mode": r.mode, "starts_on": r.starts_on, "ends_on": r.ends_on,
            "lifted_until": r.lifted_until, "removed": r.removed}


@router.post("/restrictions", response={201: RestrictionOut, **ERRORS}, summary="抑止の設定")
def set_restriction(request: HttpRequest, payload: RestrictionIn) -> Status[dict[str, Any]]:
    need(request, Cap.RESTRICTION_SET)
    if payload.starts_on is None:
        raise ValidationFailed("開始日を入力してください。", field="starts_on")
    r = restrictions.set_restriction(action=payload.action, mode=payload.mode, starts_on=payload.starts_on,
                                     reason=payload.reason, person_no=payload.person_no,
                                     household_no=payload.household_no, ends_on=payload.ends_on)
    return Status(201, _restriction_out(r))


@router.post("/restrictions/{restriction_id}/remove", response={200: RestrictionOut, **ERRORS}, summary="抑止の解除")
def remove_restriction(request: HttpRequest, restriction_id: int) -> dict[str, Any]:
    need(request, Cap.RESTRICTION_LIFT)
    return _restriction_out(restrictions.remove_restriction(restriction_id))


@router.post("/restrictions/{restriction_id}/lift", response={200: RestrictionOut, **ERRORS}, summary="抑止の一時解除")
def lift_restriction(request: HttpRequest, restriction_id: int) -> dict[str, Any]:
    need(request, Cap.RESTRICTION_TEMP_LIFT)
    return _restriction_out(restrictions.lift_temporarily(restriction_id))


class SupportMeasureIn(Schema):
    applicant_person_no: int = 0
    starts_on: dt.date | None = None
    provisional: bool = False
    accompanying: list[int] = []
    offender_person_no: int | None = None
    offender_name: str = ""
    offender_kana: str = ""
    offender_birth_date: dt.date | None = None
    offender_address: str = ""
    addresses: str = ""
    note: str = ""
    offender_other_names: str = ""  # 旧氏名・別名・フリガナ, one a line


class SupportMeasureOut(Schema):
    id: int
    applicant_person_no: int
    status: str
    starts_on: dt.date
    ends_on: dt.date
    extensions: int


def _measure_out(m: Any) -> dict[str, Any]:
    return {"id": m.pk, "applicant_person_no": m.applicant.person_no, "status": m.status, "starts_on": m.starts_on,
            "ends_on": m.ends_on, "extensions": m.extensions}


@router.post("/support-measures", response={201: SupportMeasureOut, **ERRORS}, summary="支援措置の登録")
def register_support_measure(request: HttpRequest, payload: SupportMeasureIn) -> Status[dict[str, Any]]:
    need(request, Cap.SUPPORT_MEASURE)
    if payload.starts_on is None:
        raise ValidationFailed("開始日を入力してください。", field="starts_on")
    m = restrictions.register_support_measure(**payload.model_dump())
    return Status(201, _measure_out(m))


@router.post("/support-measures/{measure_id}/{action}", response={200: SupportMeasureOut, **ERRORS},
             summary="支援措置の確定（confirm）・延長（extend）・終了（end）")
def support_measure_action(request: HttpRequest, measure_id: int, action: str) -> dict[str, Any]:
    need(request, Cap.SUPPORT_MEASURE)
    actions = {"confirm": restrictions.confirm_support_measure, "extend": restrictions.extend_support_measure,
               "end": restrictions.end_support_measure}
    if action not in actions:
        raise ValidationFailed("操作は confirm・extend・end のいずれかです。", field="action")
    return _measure_out(actions[action](measure_id))


# --- a partial match with the offender: a second clerk decides ----------------------------------------------


class ReviewOut(Schema):
    id: int
    action: str
    persons: list[int]
    requester: dict[str, Any]
    reason: str
    requested_by: str
    requested_at: dt.datetime
    status: str


def _review_out(r: Any) -> dict[str, Any]:
    return {"id": r.pk, "action": r.action, "persons": r.persons, "requester": r.requester, "reason": r.reason,
            "requested_by": r.requested_by, "requested_at": r.requested_at, "status": r.status}


@router.get("/offender-reviews", response={200: list[ReviewOut], **ERRORS},
            summary="加害者とされる者と一部一致した請求（判断待ち）")
def offender_reviews(request: HttpRequest) -> list[dict[str, Any]]:
    need(request, Cap.RESTRICTION_LIFT)
    return [_review_out(r) for r in offender.pending_reviews()]


class DecideIn(Schema):
    offender: bool = True
    note: str = ""


@router.post("/offender-reviews/{review_id}/decide", response={200: ReviewOut, **ERRORS},
             summary="一部一致の判断（受付とは別の、解除の権限を持つ職員）")
def decide_review(request: HttpRequest, review_id: int, payload: DecideIn) -> dict[str, Any]:
    need(request, Cap.RESTRICTION_LIFT)
    return _review_out(offender.decide(review_id, offender=payload.offender, note=payload.note))
