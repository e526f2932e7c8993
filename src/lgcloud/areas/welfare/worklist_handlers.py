"""What the welfare clerk's acceptance does: the 額改定 (the claim date is the decision's day) or the 消滅."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lgcloud.areas.welfare import services
from lgcloud.areas.welfare.subscribers import REVISION, TERMINATION
from lgcloud.platform import worklists


@worklists.handler(REVISION, label="児童手当 額改定")
def revise(item: Any) -> str:
    p = item.payload
    row = services.add_child(int(p["claim_id"]), services.ChildInput(dt.date.fromisoformat(p["birth_date"]),
                                                                     person_no=int(p["person_no"])),
                             timezone.localdate(), event_on=dt.date.fromisoformat(p["event_on"]))
    return f"児童を加えました（{row.from_month.year}年{row.from_month.month}月分から）"


@worklists.handler(TERMINATION, label="児童手当 消滅")
def terminate(item: Any) -> str:
    p = item.payload
    c = services.terminate(int(p["claim_id"]), dt.date.fromisoformat(p["last_month"]), p["reason"])
    return f"{c.last_month.year}年{c.last_month.month}月分までで消滅しました" if c.last_month else "消滅しました"
