"""児童手当: what the children's ages do by themselves, run daily or monthly (`lgcloud welfare age-out --as-of DATE`).

- 消滅: when no child on a claim is still 支給対象 (up to 31 March after the 18th birthday) in the month after
  `as_of`, the entitlement ends with the last month a child was 支給対象 (young adults up to their 22nd 年度末
  only count in the order; they do not keep a claim alive). The law makes this automatic (no 届 is needed),
  so the claim is ended directly, with its audit record.
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
from lgcloud.areas.welfare.models import AllowanceClaim, AmountRevision, ClaimChild, ClaimStatus
from lgcloud.areas.welfare.rules.child_allowance import (
    AllowanceParameters,
    Child,
    add_months,
    march31_after,
    month_start,
    monthly_amounts,
)
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.wareki import format_wareki

BANDS = {"under3": "3歳未満", "from3": "3歳以上", "third_and_later": "第3子以降", "counted_only": "算定のみ（18歳年度末後）",
         "not_counted": "対象外"}


@dataclass
class AgeOutResult:
    as_of: dt.date
    terminated: list[int] = field(default_factory=list)  # claim ids ended
    revised: list[int] = field(default_factory=list)  # claim ids with a new AmountRevision


def _counted(kids: list[ClaimChild], month: dt.date) -> list[ClaimChild]:
    return [k for k in kids if k.from_month <= month and (k.until_month is None or month <= k.until_month)]


def last_eligible_month(kids: list[ClaimChild], p: AllowanceParameters) -> dt.date | None:
    """The last month in which some child of the claim is 支給対象 (up to 31 March after the 18th birthday)."""
    months = []
    for k in kids:
        last = month_start(march31_after(k.birth_date, p.eligible_until_age))
        if k.until_month is not None:
            last = min(last, k.until_month)
        months.append(last)
    return max(months, default=None)


def describe_change(kids: list[ClaimChild], before: dt.date, after: dt.date, p_before: AllowanceParameters,
                    p_after: AllowanceParameters) -> str:
    """Which children's order or band changes between the two months, in words for the clerk and the notice."""
    rows_b = {r.index: r for r in monthly_amounts([Child(k.birth_date, k.supported) for k in kids], before, p_before)}
    rows_a = {r.index: r for r in monthly_amounts([Child(k.birth_date, k.supported) for k in kids], after, p_after)}
    parts = []
    for i, k in enumerate(kids):
        b, a = rows_b[i], rows_a[i]
        if (b.band, b.order, b.monthly_amount) != (a.band, a.order, a.monthly_amount):
            parts.append(f"{format_wareki(k.birth_date)}生: {BANDS.get(b.band, b.band)}"
                         f"{f'（第{b.order}子）' if b.order else ''}→{BANDS.get(a.band, a.band)}"
                         f"{f'（第{a.order}子）' if a.order else ''}")
    return "；".join(parts) or "月額の変更"


AGE_REVISION = "年齢到達による減額改定（職権）"


def age_revision(c: AllowanceClaim, kids: list[ClaimChild], from_month: dt.date) -> AmountRevision | None:
    """Record the 額改定 of a claim from `from_month` when the children's ages change the amount then (once per
    claim and month)."""
    previous = add_months(from_month, -1)
    p_before, p_after = services.allowance_parameters(previous), services.allowance_parameters(from_month)
    before = services.month_amount(c, kids, previous, p_before) if previous >= c.first_month else 0
    after = services.month_amount(c, kids, from_month, p_after)
    if before == after or before == 0 or AmountRevision.objects.filter(
            claim=c, from_month=from_month, reason__startswith=AGE_REVISION).exists():
        return None
    detail = describe_change(_counted(kids, from_month) or kids, previous, from_month, p_before, p_after)
    return services.record_revision(c, from_month, before, after, f"{AGE_REVISION}（{detail}）")


@transaction.atomic
def age_out(as_of: dt.date) -> AgeOutResult:
    """消滅 of claims whose last child ages out, and 額改定 of those whose amount drops, from the month after."""
    month = month_start(as_of)
    following = add_months(month, 1)
    p_next = services.allowance_parameters(following)
    result = AgeOutResult(as_of)
    for c in AllowanceClaim.objects.filter(status=ClaimStatus.ACTIVE).prefetch_related("children").order_by("pk"):
        kids = list(c.children.all())
        last = last_eligible_month(kids, p_next)
        if last is None or last < following:
            end = max(last or month, add_months(c.first_month, -1))
            services.terminate(c.pk, end, "支給対象の児童の年齢到達（18歳到達後の最初の3月31日を経過）")
            result.terminated.append(c.pk)
            continue
        if following > c.first_month and age_revision(c, kids, following):
            result.revised.append(c.pk)
    audit.record("welfare.age_out", object_type="AllowanceClaim",
                 detail={"as_of": as_of.isoformat(), "terminated": len(result.terminated),
                         "revised": len(result.revised)})
    return result
