"""国民年金 第1号被保険者 (category1_insured): qualification dates from age and the premium (RULES.md §5).

Joining on the day the person reaches 20 (the day before the 20th birthday), leaving on the day the person
reaches 60; coverage runs from the month of joining to the month before the month of leaving.
"""

from __future__ import annotations

import datetime as dt

ONE_DAY = dt.timedelta(days=1)


def _birthday(birth: dt.date, years: int) -> dt.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return dt.date(birth.year + years, 3, 1)


def qualification_start_by_age(birth: dt.date, start_age: int = 20) -> dt.date:
    return _birthday(birth, start_age) - ONE_DAY


def qualification_end_by_age(birth: dt.date, end_age: int = 60) -> dt.date:
    return _birthday(birth, end_age) - ONE_DAY


def covered_months(start: dt.date, end: dt.date | None, fiscal_year: int) -> list[dt.date]:
    """The months of the fiscal year covered: from the month of `start` to the month before `end`'s month."""
    months = []
    for i in range(12):
        month = dt.date(fiscal_year + (1 if i >= 9 else 0), (i + 3) % 12 + 1, 1)
        if month < start.replace(day=1):
            continue
        if end is not None and month >= end.replace(day=1):
            continue
        months.append(month)
    return months


def annual_premium(months: int, monthly_premium: int, additional: bool = False, additional_premium: int = 400) -> int:
    return months * (monthly_premium + (additional_premium if additional else 0))
