"""Typed API parameters shared by every area's routers, so the OpenAPI document says what is accepted."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# 年度 as a western year: the platform holds parameters and records from the Heisei era on.
FiscalYear = Annotated[int, Field(ge=1989, le=2100, description="年度（西暦の年、例: 2026 = 令和8年度）",
                                  examples=[2026])]
# 宛名番号・世帯番号 and other record numbers: positive, within the database's 64-bit integer.
RecordNumber = Annotated[int, Field(ge=1, le=2**63 - 1, description="番号（1 以上の整数）")]
