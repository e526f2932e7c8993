"""児童手当: what the children's ages do by themselves, run daily or monthly (`lgcloud welfare age-out --as-of DATE`).

- 消滅: when no child on a claim is still 支給対象 (up to 31 March after the 18th birthday) in the month after
  `as_of`, the entitlement ends with the last month a child was 支給対象 (young adults up to their 22nd 年度末
  only count in the order; they do not keep a claim alive). The law makes this automatic (no 届 is needed),
  so the claim is ended directly, with its audit record.
The rules live in `services.age_change`, which the payment run also applies to each month it pays (so an
age-out is applied even when this batch has not run); each 消滅 and each 額改定 by which a child leaves the
allowance or the order gets its notice (消滅通知書 / 額改定通知書, platform documents).

- 額改定（減額）: when next month's amount differs from this month's (a child reaches 3, the eldest young adult
  leaves the order at 22, a child passes the 18th 年度末 while others remain), the change is recorded as an
  AmountRevision from next month (職権; the payment run already computes each month's amount from birth dates).

Running it again for the same date changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from lgcloud.areas.welfare import services
from lgcloud.areas.welfare.models import AllowanceClaim, ClaimStatus
from lgcloud.areas.welfare.rules.child_allowance import add_months, month_start
from lgcloud.platform.audit import services as audit


@dataclass
class AgeOutResult:
    as_of: dt.date
    terminated: list[int] = field(default_factory=list)  # claim ids ended
    revised: list[int] = field(default_factory=list)  # claim ids with a new AmountRevision


@transaction.atomic
def age_out(as_of: dt.date) -> AgeOutResult:
    """消滅 of claims whose last child ages out, and 額改定 of those whose amount drops, from the month after."""
    month = month_start(as_of)
    following = add_months(month, 1)
    result = AgeOutResult(as_of)
    params = services.YearParameters()
    for c in AllowanceClaim.objects.filter(status=ClaimStatus.ACTIVE).prefetch_related("children").order_by("pk"):
        change = services.age_change(c, list(c.children.all()), following, params=params)
        if change == "terminated":
            result.terminated.append(c.pk)
        elif change == "revised":
            result.revised.append(c.pk)
    audit.record("welfare.age_out", object_type="AllowanceClaim",
                 detail={"as_of": as_of.isoformat(), "terminated": len(result.terminated),
                         "revised": len(result.revised)})
    return result
