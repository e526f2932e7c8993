"""国民年金 第1号被保険者 rules (RULES.md §5)."""

from __future__ import annotations

import datetime as dt

from lgcloud.areas.pension.rules.national_pension import (
    annual_premium,
    covered_months,
    qualification_end_by_age,
    qualification_start_by_age,
)
from lgcloud.platform.params.standard import standard_values

D = dt.date


def test_joining_the_day_before_the_20th_birthday_and_leaving_the_day_before_the_60th() -> None:
    assert qualification_start_by_age(D(2006, 4, 1)) == D(2026, 3, 31)
    assert qualification_end_by_age(D(1966, 10, 15)) == D(2026, 10, 14)
    assert qualification_start_by_age(D(2004, 2, 29)) == D(2024, 2, 28)
    assert qualification_start_by_age(D(2004, 2, 29), 21) == D(2025, 2, 28)


def test_coverage_from_the_month_of_joining_to_the_month_before_leaving() -> None:
    months = covered_months(D(2026, 3, 31), None, 2025)
    assert months == [D(2026, 3, 1)]
    months = covered_months(D(2000, 1, 1), D(2026, 10, 14), 2026)
    assert months[0] == D(2026, 4, 1) and months[-1] == D(2026, 9, 1) and len(months) == 6


def test_premium_per_fiscal_year() -> None:
    for fy, monthly in {2024: 16_980, 2025: 17_510, 2026: 17_920}.items():
        assert standard_values("national_pension.", fy)["national_pension.monthly_premium"] == monthly
    assert annual_premium(12, 17_920) == 215_040
    assert annual_premium(12, 17_920, additional=True) == 219_840
