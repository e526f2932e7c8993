"""和暦 (Japanese era) display. Dates are stored in ISO; eras are for people."""

from __future__ import annotations

import datetime as dt

# (era name, short letter, first day)
ERAS: tuple[tuple[str, str, dt.date], ...] = (
    ("令和", "R", dt.date(2019, 5, 1)),
    ("平成", "H", dt.date(1989, 1, 8)),
    ("昭和", "S", dt.date(1926, 12, 25)),
    ("大正", "T", dt.date(1912, 7, 30)),
    ("明治", "M", dt.date(1868, 1, 25)),
)


def era_of(day: dt.date) -> tuple[str, int]:
    """Era name and year within the era (1 = 元年)."""
    for name, _letter, start in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError("明治より前の日付は和暦で表示できません")


def format_wareki(day: dt.date | None) -> str:
    """令和8年11月27日; the first year of an era is written 元年."""
    if day is None:
        return ""
    name, year = era_of(day)
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年{day.month}月{day.day}日"


def format_fiscal_year(fiscal_year: int) -> str:
    """年度 label: FY2026 → 令和8年度 (a fiscal year starts on 1 April)."""
    name, year = era_of(dt.date(fiscal_year, 4, 1))
    year_text = "元" if year == 1 else str(year)
    return f"{name}{year_text}年度"


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1
