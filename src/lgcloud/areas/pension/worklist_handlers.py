"""What the pension clerk's acceptance does: record the 資格取得 or 喪失."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.pension import services
from lgcloud.areas.pension.subscribers import ACQUISITION, LOSS
from lgcloud.platform import worklists


@worklists.handler(ACQUISITION, label="国民年金 資格取得")
def acquire(item: Any) -> str:
    p = item.payload
    services.acquire(int(p["person_no"]), dt.date.fromisoformat(p["start"]), p["reason"])
    return "第1号被保険者の資格を記録しました"


@worklists.handler(LOSS, label="国民年金 資格喪失")
def lose(item: Any) -> str:
    p = item.payload
    services.lose(int(p["person_no"]), dt.date.fromisoformat(p["end"]), p["reason"])
    return "第1号被保険者の資格を喪失させました"
