"""Cost API for the group secretariat (mounted at /api/v1/costs): the same services and JSON as the
screens and `lgcloud costs shares --format json`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lgcloud.group.costs import savings as saving
from lgcloud.group.costs import sharing, whatif
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.api.types import FiscalYear
from lgcloud.platform.common.errors import PermissionDenied
from lgcloud.platform.tenancy.models import Group

router = Router(tags=["費用の見える化"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None


def _group(request: HttpRequest) -> Group:
    staff = request.auth  # type: ignore[attr-defined]
    if not staff.has_cap(Cap.GROUP_REPORTS):
        raise PermissionDenied("この操作を行う権限がありません（協議会事務局のみ）。")
    if staff.group is None:
        raise PermissionDenied("グループに所属していないため、この操作はできません。")
    group: Group = staff.group
    return group


@router.get("/shares", response={200: dict[str, Any], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="各構成団体の負担額と内訳")
def shares(request: HttpRequest, fiscal_year: FiscalYear) -> dict[str, Any]:
    """sharing.shares_as_dict: each member's share of the group's shared costs with its breakdown."""
    return sharing.shares_as_dict(sharing.compute_shares(_group(request), fiscal_year))


@router.get("/what-if", response={200: dict[str, Any], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="加入・脱退した場合の負担額の試算")
def what_if(request: HttpRequest, fiscal_year: FiscalYear, join: str | None = None, population: int | None = None,
            leave: str | None = None) -> dict[str, Any]:
    """Every member's share now and with `join` (a municipality code, with `population`) joining and/or
    `leave` (a member's code) leaving; nothing is written."""
    comparison = whatif.what_if(_group(request), fiscal_year,
                                  sharing.WhatIf(join or None, population, leave or None))
    return whatif.what_if_as_dict(comparison)


@router.get("/savings", response={200: dict[str, Any], 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
            summary="期間の削減率と目標（3割削減）の達成")
def savings(request: HttpRequest, start: int = 2014, end: int = 2018) -> dict[str, Any]:
    """The group's reduction over fiscal years start–end against the goal, per member and per year."""
    return saving.savings_as_dict(saving.savings(_group(request), start, end))
