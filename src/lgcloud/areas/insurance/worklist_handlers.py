"""What the insurance clerk's acceptance of a proposal does: the 加入 / 喪失, then the 国保税 recalculated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lgcloud.areas.insurance import assessment, services
from lgcloud.areas.insurance.models import AssessmentRun
from lgcloud.areas.insurance.subscribers import ENROLMENT, WITHDRAWAL
from lgcloud.platform import worklists
from lgcloud.platform.common.wareki import fiscal_year_of


def _recalculate(coverage: Any, on: dt.date, reason: str) -> str:
    fiscal_year = fiscal_year_of(on)
    if not AssessmentRun.objects.filter(fiscal_year=fiscal_year, kind="initial").exists():
        return ""  # the annual assessment of that year has not run yet: it will include the change
    new = assessment.recalculate(coverage.household.household_no, fiscal_year, from_month=on.replace(day=1),
                                 reason=reason)
    return f"、国保税を再計算しました（年税額 {new.total:,}円）" if new else "、国保税に変更はありません"


@worklists.handler(ENROLMENT, label="国保加入の確認")
def enrol(item: Any) -> str:
    start = dt.date.fromisoformat(item.payload["coverage_start"])
    coverage = services.enrol(int(item.payload["person_no"]), start, item.payload["reason"])
    return "国保に加入しました" + _recalculate(coverage, start, "加入")


@worklists.handler(WITHDRAWAL, label="国保喪失の確認")
def withdraw(item: Any) -> str:
    end = dt.date.fromisoformat(item.payload["coverage_end"])
    coverage = services.end_coverage(int(item.payload["person_no"]), end, item.payload["reason"])
    return "国保の資格を喪失させました" + _recalculate(coverage, end, "喪失")
