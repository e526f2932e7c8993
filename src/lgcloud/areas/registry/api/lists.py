"""As-of lists: the residents or removed persons of the municipality or of a household on a date, paged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from lgcloud.areas.registry import as_of_lists, display
from lgcloud.areas.registry.api.common import ERRORS, need
from lgcloud.areas.registry.schemas import WarekiDate
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import ValidationFailed

router = Router()


class AsOfListIn(Schema):
    as_of: WarekiDate | None = Field(None, description="基準日（必須。西暦または和暦）")
    status: str = Field("resident", description="resident（住民）または removed（除票）")
    household_no: int | None = Field(None, ge=1, le=2**63 - 1, description="世帯番号（省略すると団体全体）")
    offset: int = Field(0, ge=0, le=10_000_000)
    limit: int = Field(50, ge=1, le=as_of_lists.MAX_LIMIT)


class ListedOut(Schema):
    person_no: int
    status: str
    name: str
    kana: str
    birth_date: dt.date | None
    sex: str
    relationship: str
    address: str
    household_no: int | None
    removal_reason: str
    removed_on: dt.date | None


class AsOfListOut(Schema):
    as_of: dt.date
    status: str
    household_no: int | None
    total: int
    offset: int
    limit: int
    persons: list[ListedOut]


def page_out(page: as_of_lists.AsOfPage) -> dict[str, Any]:
    return {
        "as_of": page.on, "status": page.status, "household_no": page.household_no, "total": page.total,
        "offset": page.offset, "limit": page.limit,
        "persons": [{
            "person_no": r["person_no"], "status": r["status"], "name": display.name_text(r),
            "kana": display.kana_text(r), "birth_date": r["birth_date"], "sex": r["sex"] or "",
            "relationship": r["relationship"] or "", "address": f"{r['address'] or ''}{r['address_extra'] or ''}",
            "household_no": r["household_no"], "removal_reason": r["removal_reason"] or "",
            "removed_on": r["removed_on"],
        } for r in page.rows],
    }


@router.get("/residents", response={200: AsOfListOut, **ERRORS}, summary="基準日時点の住民（除票）一覧")
def residents_as_of(request: HttpRequest, q: Query[AsOfListIn]) -> dict[str, Any]:
    """Who was resident (or removed) on `as_of`, of the municipality or of one household, by 宛名番号, one page.
    Persons under a 支援措置 are left out unless the caller may lift it."""
    need(request, Cap.REGISTRY_VIEW)
    if q.as_of is None:
        raise ValidationFailed("基準日（as_of）を指定してください。", field="as_of")
    page = as_of_lists.list_as_of(q.as_of, status=q.status, household_no=q.household_no, offset=q.offset,
                                  limit=q.limit)
    return page_out(page)
