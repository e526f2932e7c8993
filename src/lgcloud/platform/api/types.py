"""Typed API parameters shared by every area's routers, so the OpenAPI document says what is accepted."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema

from lgcloud.platform.common.wareki import parse_japanese_date

# 年度 as a western year: the platform holds parameters and records from the Heisei era on.
FiscalYear = Annotated[int, Field(ge=1989, le=2100, description="年度（西暦の年、例: 2026 = 令和8年度）",
                                  examples=[2026])]
# 宛名番号・世帯番号 and other record numbers: positive, within the database's 64-bit integer.
RecordNumber = Annotated[int, Field(ge=1, le=2**63 - 1, description="番号（1 以上の整数）")]

# A date as people write it: 西暦 or 和暦 in, a date out; documented in the OpenAPI document.
DATE_DESCRIPTION = ("日付。西暦（2026-04-01、2026/4/1、20260401）または和暦（令和8年4月1日、R8.4.1、令和元年5月1日）で"
                    "指定します。読み取れない日付・存在しない日付は 400 で、項目名を示すメッセージを返します。")

# The Japanese names of common date fields, for the message of a bad date (others are named by their field).
DATE_LABELS = {
    "effective_on": "異動日", "notified_on": "届出日", "birth_date": "生年月日", "death_date": "死亡日",
    "declared_on": "失踪宣告の日", "stay_expires_on": "在留期間の満了日",
    "became_foreign_resident_on": "外国人住民となった年月日",
}


def _wareki(value: Any, info: ValidationInfo) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return parse_japanese_date(text)
    except ValueError as e:
        label = DATE_LABELS.get(info.field_name or "", info.field_name or "日付")
        raise ValueError(f"{label}（{info.field_name}）: {e}") from None


WarekiDate = Annotated[
    dt.date,
    BeforeValidator(_wareki),
    WithJsonSchema({"type": "string", "format": "date", "title": "WarekiDate", "description": DATE_DESCRIPTION,
                    "examples": ["2026-04-01", "令和8年4月1日", "R8.4.1"]}),
]
