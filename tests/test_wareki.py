"""和暦 (Japanese era) display and fiscal years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lgcloud.platform.common.wareki import era_of, fiscal_year_of, format_fiscal_year, format_wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(1912, 7, 29), "明治45年7月29日"),
        (dt.date(2020, 1, 1), "令和2年1月1日"),
        (dt.date(2026, 11, 27), "令和8年11月27日"),
    ],
)
def test_format_wareki(day: dt.date, expected: str) -> None:
    assert format_wareki(day) == expected


def test_format_wareki_of_nothing_is_empty() -> None:
    assert format_wareki(None) == ""


def test_before_meiji_is_refused() -> None:
    with pytest.raises(ValueError, match="明治より前"):
        era_of(dt.date(1868, 1, 24))


@pytest.mark.parametrize(
    ("fy", "expected"),
    [(2026, "令和8年度"), (2020, "令和2年度"), (2018, "平成30年度"), (1989, "平成元年度"), (1988, "昭和63年度")],
)
def test_format_fiscal_year(fy: int, expected: str) -> None:
    assert format_fiscal_year(fy) == expected


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (dt.date(2027, 3, 31), 2026),
        (dt.date(2026, 4, 1), 2026),
        (dt.date(2026, 3, 31), 2025),
        (dt.date(2026, 12, 31), 2026),
        (dt.date(2027, 1, 1), 2026),
    ],
)
def test_fiscal_year_of(day: dt.date, fy: int) -> None:
    assert fiscal_year_of(day) == fy


@given(st.dates(min_value=dt.date(1868, 1, 25), max_value=dt.date(2100, 12, 31)))
def test_fiscal_year_runs_from_april_to_march(day: dt.date) -> None:
    fy = fiscal_year_of(day)
    assert dt.date(fy, 4, 1) <= day <= dt.date(fy + 1, 3, 31)


@given(st.dates(min_value=dt.date(1868, 1, 25), max_value=dt.date(2100, 12, 31)))
def test_era_year_is_positive_and_restarts_at_each_era(day: dt.date) -> None:
    name, year = era_of(day)
    assert year >= 1
    text = format_wareki(day)
    assert text.startswith(name)
    assert text.endswith(f"{day.month}月{day.day}日")
    assert ("元年" in text) == (year == 1)
