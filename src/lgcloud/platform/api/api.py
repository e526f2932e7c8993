"""HTTP API under /api/v1/ (django-ninja), same services, scoping and audit as the web."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lgcloud.areas.registry.api import router as registry_router
from lgcloud.areas.revenue.api import router as revenue_router
from lgcloud.areas.taxation.api import router as taxation_router
from lgcloud.group.costs.api import router as costs_router
from lgcloud.group.customization.api import router as customization_router
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.api.auth import TokenAuth
from lgcloud.platform.api.types import FiscalYear
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.audit.services import chain_of
from lgcloud.platform.audit.verifying import verify_chain
from lgcloud.platform.common.errors import LgcloudError, PermissionDenied
from lgcloud.platform.common.wareki import fiscal_year_of
from lgcloud.platform.params import services as params
from lgcloud.platform.params.models import Override, Parameter
from lgcloud.platform.tenancy.services import join_member
from lgcloud.platform.worklists.api import router as worklists_router

api = NinjaAPI(
    title="lgcloud API",
    version="1",
    description="自治体クラウド lgcloud の API。職員ごとのトークン（Authorization: Bearer）で認証します。",
    auth=TokenAuth(),
    urls_namespace="api-v1",
    docs_url="/docs",  # Swagger UI from django-ninja's own static files ("ninja" is installed), under the project's CSP
)


class ErrorOut(Schema):
    detail: str
    field: str | None = None


@api.exception_handler(LgcloudError)
def on_service_error(request: HttpRequest, exc: LgcloudError) -> HttpResponse:
    exc.settle()
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=exc.status_code)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """400 naming the fields (persons.0.birth_date) and, for a value a validator refused (a 和暦 date it cannot
    read), its Japanese message."""
    fields, messages = [], []
    for e in exc.errors:
        loc = [str(p) for p in e.get("loc", [])[1:]]
        fields.append(".".join(loc[1:] if loc[:1] == ["payload"] else loc))
        if e.get("type") == "value_error":
            messages.append(str(e.get("msg", "")).removeprefix("Value error, "))
    detail = "入力内容が正しくありません: " + "、".join(f or "本文" for f in fields)
    if messages:
        detail += "（" + " ".join(messages) + "）"
    # `field` names the item as the services do (persons.0.birth_date → birth_date); the detail has the path.
    first = [p for p in fields[0].split(".") if p and not p.isdigit()] if fields else []
    return api.create_response(
        request, {"detail": detail, "field": first[-1] if first else None, "errors": exc.errors}, status=400,
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises HttpError(400, "Cannot parse request body") for a body that is not JSON.
    detail = "リクエストの本文を JSON として解釈できません。" if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


OUT_OF_RANGE = "数値が大きすぎるか、範囲外の値があります。入力した番号・年度・金額を確かめてください。"


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # A number beyond 64 bits in a path, query or body reaches the database driver as OverflowError (SQLite) …
    return api.create_response(request, {"detail": OUT_OF_RANGE}, status=400)


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    # … or as DataError (PostgreSQL: numeric value out of range). Nothing was written: the request's
    # transaction rolled back before this handler runs.
    return api.create_response(request, {"detail": OUT_OF_RANGE}, status=400)


DATABASE_UNAVAILABLE = ("データベースに接続できないため処理できませんでした。何も記録されていません。"
                        "しばらくしてから再度お試しください。")


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database went away mid-request (failover, network): the service's transaction did not commit.
    response = api.create_response(request, {"detail": DATABASE_UNAVAILABLE}, status=503)
    response["Retry-After"] = "5"
    return response


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, {"detail": "リクエストの本文が大きすぎます。"}, status=413)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "認証されていません。有効なAPIトークンを Authorization: Bearer で送ってください。"},
        status=401,
    )


def _need(request: HttpRequest, cap: str) -> Any:
    staff = request.auth  # type: ignore[attr-defined]
    if not staff.has_cap(cap):
        raise PermissionDenied("この操作を行う権限がありません。")
    return staff


class MeOut(Schema):
    username: str
    role: str
    role_label: str
    municipality_code: str | None
    municipality_name: str | None
    group: str | None
    capabilities: list[str]


@api.get("/me", response=MeOut, tags=["職員"])
def me(request: HttpRequest) -> dict[str, Any]:
    s = request.auth  # type: ignore[attr-defined]
    return {
        "username": s.username,
        "role": s.role,
        "role_label": s.role_label,
        "municipality_code": s.municipality.code if s.municipality else None,
        "municipality_name": str(s.municipality) if s.municipality else None,
        "group": s.group.name if s.group else None,
        "capabilities": sorted(s.capabilities),
    }


class GroupMemberOut(Schema):
    code: str
    prefecture: str
    name: str
    population: int | None
    joined_on: dt.date
    left_on: dt.date | None
    later_member: bool


@api.get("/group/members", response=list[GroupMemberOut], tags=["グループ"])
def group_members(request: HttpRequest) -> list[dict[str, Any]]:
    staff = _need(request, Cap.GROUP_MANAGE)
    return [
        {
            "code": ms.municipality.code, "prefecture": ms.municipality.prefecture, "name": ms.municipality.name,
            "population": ms.municipality.population, "joined_on": ms.joined_on, "left_on": ms.left_on,
            "later_member": ms.is_later_member,
        }
        for ms in staff.group.memberships.select_related("municipality").order_by("municipality__code")
    ]


class JoinIn(Schema):
    code: str
    joined_on: dt.date | None = None
    population: int | None = None


class JoinOut(Schema):
    code: str
    name: str
    joined_on: dt.date
    admin_username: str
    admin_password: str


@api.post("/group/members", response={201: JoinOut, 400: ErrorOut, 409: ErrorOut}, tags=["グループ"])
def group_join(request: HttpRequest, payload: JoinIn) -> Status[dict[str, Any]]:
    staff = _need(request, Cap.GROUP_MANAGE)
    r = join_member(staff.group, payload.code, joined_on=payload.joined_on, population=payload.population)
    return Status(201, {
        "code": r.municipality.code, "name": str(r.municipality), "joined_on": r.membership.joined_on,
        "admin_username": r.admin_username, "admin_password": r.admin_password,
    })


class DeviationCell(Schema):
    code: str
    value: str | None


class DeviationRowOut(Schema):
    parameter: str
    label: str
    standard: str
    members: list[DeviationCell]


@api.get("/group/deviations", response=list[DeviationRowOut], tags=["グループ"])
def group_deviations(request: HttpRequest, fiscal_year: FiscalYear | None = None) -> list[dict[str, Any]]:
    staff = _need(request, Cap.GROUP_REPORTS)
    report = params.deviation_report(staff.group, fiscal_year or fiscal_year_of(timezone.localdate()))
    return [
        {
            "parameter": r.parameter.name, "label": r.parameter.label, "standard": r.standard_display,
            "members": [{"code": m.code, "value": c} for m, c in zip(report.members, r.cells, strict=True)],
        }
        for r in report.rows
    ]


class ParameterOut(Schema):
    name: str
    label: str
    area: str
    unit: str
    type: str
    min: str | None
    max: str | None
    standard: str | None
    effective: str | None
    note: str
    legal_basis: str


@api.get("/parameters", response=list[ParameterOut], tags=["パラメータ"])
def parameter_catalogue(request: HttpRequest, fiscal_year: FiscalYear | None = None) -> list[dict[str, Any]]:
    staff = request.auth  # type: ignore[attr-defined]
    fy = fiscal_year or fiscal_year_of(timezone.localdate())
    own = {}
    if staff.municipality_id:
        overrides = Override.objects.filter(municipality=staff.municipality, fiscal_year=fy)
        own = {o.parameter_id: o.value for o in overrides}
    out = []
    for p in Parameter.objects.all():
        try:
            std: str | None = params.standard_raw(p, fy)
        except LgcloudError:
            std = None
        out.append({
            "name": p.name, "label": p.label, "area": p.area, "unit": p.unit, "type": p.value_type,
            "min": None if p.min_value is None else f"{p.min_value.normalize():f}",
            "max": None if p.max_value is None else f"{p.max_value.normalize():f}",
            "standard": std, "effective": own.get(p.pk, std) if staff.municipality_id else None,
            "note": p.note, "legal_basis": p.legal_basis,
        })
    return out


class OverrideIn(Schema):
    value: str
    reason: str = ""


class OverrideOut(Schema):
    parameter: str
    fiscal_year: FiscalYear
    value: str


@api.put("/municipality/parameters/{name}/{fiscal_year}", response={200: OverrideOut, 400: ErrorOut, 403: ErrorOut},
         tags=["パラメータ"])
def set_override(request: HttpRequest, name: str, fiscal_year: FiscalYear, payload: OverrideIn) -> dict[str, Any]:
    staff = _need(request, Cap.PARAMS_OVERRIDE)
    o = params.set_override(staff.municipality, name, fiscal_year, payload.value, payload.reason)
    return {"parameter": name, "fiscal_year": o.fiscal_year, "value": o.value}


class AuditOut(Schema):
    seq: int | None  # None until the sealer has given the record its place in the chain
    occurred_at: dt.datetime
    actor: str
    role: str
    channel: str
    action: str
    object_type: str
    object_id: str
    purpose: str
    individual_number_shown: bool


@api.get("/municipality/audit", response=list[AuditOut], tags=["アクセスログ"])
def audit_log(request: HttpRequest, limit: int = 100) -> Any:
    staff = _need(request, Cap.AUDIT_VIEW)
    return AuditRecord.objects.filter(chain=chain_of(staff.municipality)).order_by("-id")[: max(1, min(limit, 1000))]


class VerifyOut(Schema):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str
    unsealed: int


@api.get("/municipality/audit/verify", response=VerifyOut, tags=["アクセスログ"])
def audit_verify(request: HttpRequest) -> dict[str, Any]:
    staff = _need(request, Cap.AUDIT_VIEW)
    r = verify_chain(chain_of(staff.municipality))
    return {"ok": r.ok, "checked": r.checked, "broken_seq": r.broken_seq, "reason": r.reason, "unsealed": r.unsealed}


api.add_router("/customization", customization_router)
api.add_router("/costs", costs_router)
api.add_router("/registry", registry_router)
api.add_router("/taxation", taxation_router)
api.add_router("/worklists", worklists_router)
api.add_router("/revenue", revenue_router)
