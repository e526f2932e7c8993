"""税務の API (mounted at /api/v1/taxation), for the `tax` role: the same services and audit as the screens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lgcloud.areas.taxation import assessment, reading
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import PermissionDenied

router = Router(tags=["税務"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class AssessmentOut(Schema):
    fiscal_year: int
    person_no: int
    version: int
    reason: str
    assessed_on: str
    is_current: bool
    full_name: str
    input_hash: str
    parameter_version: str
    total: int
    collection_method: str
    installments: list[dict[str, Any]]
    result: dict[str, Any]


class FileOut(Schema):
    assessment: AssessmentOut
    versions: list[int]


class CorrectionIn(Schema):
    changes: dict[str, int]
    reason: str


def _need(request: HttpRequest, cap: str = Cap.TAXATION) -> None:
    if not request.auth.has_cap(cap):  # type: ignore[attr-defined]
        raise PermissionDenied("この操作を行う権限がありません。")


@router.get("/assessments/{fiscal_year}/{person_no}", response={200: FileOut, **ERRORS},
            summary="個人住民税の賦課（内訳つき、現在の版または version の版）")
def get_assessment(request: HttpRequest, fiscal_year: int, person_no: int, version: int = 0) -> dict[str, Any]:
    _need(request, Cap.TAXATION_VIEW)
    file = reading.open_file(fiscal_year, person_no, version or None)
    return {"assessment": reading.assessment_dict(file.assessment), "versions": [v.version for v in file.versions]}


@router.post("/income/{record_id}/correction", response={200: AssessmentOut, **ERRORS},
             summary="所得データを訂正して更正する（新しい版）")
def correct_income(request: HttpRequest, record_id: int, body: CorrectionIn) -> dict[str, Any]:
    _need(request)
    from lgcloud.platform.common.errors import ValidationFailed

    if not body.reason.strip():
        raise ValidationFailed("更正の理由を入力してください。", field="reason")
    out = assessment.correct_income(record_id, body.changes, body.reason.strip())
    return reading.assessment_dict(out.assessment)
