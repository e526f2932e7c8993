"""カスタマイズ要望 API under /api/v1/customization/: the same services as the screens.

Errors (LgcloudError, validation, authentication) are turned into Japanese JSON
by the handlers of the NinjaAPI this router is added to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from lgcloud.group.customization import services
from lgcloud.group.customization.models import CustomizationRequest
from lgcloud.platform.accounts.models import Staff

router = Router(tags=["カスタマイズ要望"])


class CustomizationErrorOut(Schema):
    detail: str
    field: str | None = None


class RequestOut(Schema):
    id: int
    municipality_code: str
    municipality_name: str
    business_area: str
    business_area_label: str
    topic: str
    description: str
    reason: str
    reason_label: str
    estimated_cost: int
    cases_per_year: int
    status: str
    status_label: str
    member_pays_alone: bool
    decision_note: str
    standard_parameter: str
    filed_by: str
    filed_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None


class FileIn(Schema):
    """Raw values: the service checks each and answers in Japanese naming the field."""

    business_area: str = ""
    topic: str = ""
    description: str = ""
    reason: str = ""
    estimated_cost: int | str = ""
    cases_per_year: int | str = ""


class DecideIn(Schema):
    decision: str = ""
    note: str = ""
    standard_parameter: str | None = None


class CountsOut(Schema):
    requested: int
    customized: int
    made_standard: int
    withdrawn: int
    open: int


class CostsOut(Schema):
    requested: int
    customized: int
    made_standard: int
    withdrawn: int
    open: int


class MemberCostOut(Schema):
    municipality_code: str
    municipality_name: str
    requested: int
    customized: int
    customized_cost: int


class StatisticsOut(Schema):
    group: str
    counts: CountsOut
    estimated_cost: CostsOut
    suppression_rate: float | None
    member_pays_alone: list[MemberCostOut]


def _staff(request: HttpRequest) -> Staff:
    return request.auth  # type: ignore[attr-defined]


def _out(r: CustomizationRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "municipality_code": r.municipality.code,
        "municipality_name": str(r.municipality),
        "business_area": r.business_area,
        "business_area_label": r.get_business_area_display(),
        "topic": r.topic,
        "description": r.description,
        "reason": r.reason,
        "reason_label": r.get_reason_display(),
        "estimated_cost": r.estimated_cost,
        "cases_per_year": r.cases_per_year,
        "status": r.status,
        "status_label": r.get_status_display(),
        "member_pays_alone": r.member_pays_alone,
        "decision_note": r.decision_note,
        "standard_parameter": r.standard_parameter,
        "filed_by": r.filed_by,
        "filed_at": r.filed_at,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
    }


ERRORS = {400: CustomizationErrorOut, 403: CustomizationErrorOut, 404: CustomizationErrorOut,
          409: CustomizationErrorOut}


@router.get("/requests", response={200: list[RequestOut], 403: CustomizationErrorOut})
def list_requests(request: HttpRequest, status: str | None = None) -> list[dict[str, Any]]:
    """The secretariat: every request of its group; an administrator: its own municipality's."""
    qs = services.visible_requests(_staff(request))
    if status:
        qs = qs.filter(status=status)
    return [_out(r) for r in qs]


@router.post("/requests", response={201: RequestOut, **ERRORS})
def file_request(request: HttpRequest, payload: FileIn) -> Status[dict[str, Any]]:
    r = services.file_request(_staff(request), payload.model_dump())
    return Status(201, _out(r))


@router.get("/requests/{request_id}", response={200: RequestOut, 403: CustomizationErrorOut,
                                                 404: CustomizationErrorOut})
def get_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return _out(services.get_request(_staff(request), request_id))


@router.post("/requests/{request_id}/decision", response={200: RequestOut, **ERRORS})
def decide(request: HttpRequest, request_id: int, payload: DecideIn) -> dict[str, Any]:
    staff = _staff(request)
    r = services.decide(services.get_request(staff, request_id), payload.decision, payload.note,
                        payload.standard_parameter, by=staff)
    return _out(r)


class ComparisonCellOut(Schema):
    municipality_code: str
    request: RequestOut | None


class ComparisonRowOut(Schema):
    business_area: str
    business_area_label: str
    topic: str
    requesting_members: int
    total_cost: int
    cells: list[ComparisonCellOut]


@router.get("/comparison", response={200: list[ComparisonRowOut], 403: CustomizationErrorOut})
def comparison(request: HttpRequest) -> list[dict[str, Any]]:
    """The comparison table (比較一覧表): one row per business area and topic, one cell per member."""
    table = services.comparison_for(_staff(request))
    return [
        {
            "business_area": row.business_area, "business_area_label": row.business_area_label,
            "topic": row.topic, "requesting_members": row.requesting_members, "total_cost": row.total_cost,
            "cells": [{"municipality_code": m.code, "request": _out(c) if c is not None else None}
                      for m, c in zip(table.members, row.cells, strict=True)],
        }
        for row in table.rows
    ]


@router.get("/statistics", response={200: StatisticsOut, 403: CustomizationErrorOut})
def statistics(request: HttpRequest) -> dict[str, Any]:
    s = services.statistics_for(_staff(request))
    return {
        "group": s.group.name,
        "counts": {"requested": s.requested, "customized": s.customized, "made_standard": s.made_standard,
                   "withdrawn": s.withdrawn, "open": s.open},
        "estimated_cost": {"requested": s.cost_requested, "customized": s.cost_customized,
                           "made_standard": s.cost_made_standard, "withdrawn": s.cost_withdrawn,
                           "open": s.cost_open},
        "suppression_rate": s.suppression_rate,
        "member_pays_alone": [
            {"municipality_code": m.municipality.code, "municipality_name": str(m.municipality),
             "requested": m.requested, "customized": m.customized, "customized_cost": m.customized_cost}
            for m in s.per_member
        ],
    }
