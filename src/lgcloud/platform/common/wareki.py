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


_ERA_LETTERS = {letter: (name, start) for name, letter, start in ERAS}
_ERA_NAMES = {name: (name, start) for name, _letter, start in ERAS}


def parse_japanese_date(text: str) -> dt.date:
    """A date as people write it: 2020-04-01, 20200401, 2020/4/1, 令和2年4月1日, 令和元年5月1日, R02.04.01,
    H31.4.30 (full-width digits too). Raises ValueError with a Japanese message."""
    import re
    import unicodedata

    raw = text
    t = unicodedata.normalize("NFKC", (text or "")).strip().replace(" ", "")
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", t) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", t)
    if m:
        year, month, day = (int(g) for g in m.groups())
    else:
        m = re.fullmatch(r"(明治|大正|昭和|平成|令和|[MTSHRmtshr])(元|\d{1,2})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?", t)
        if not m:
            raise ValueError(f"日付「{raw}」を読み取れません（例: 2026-04-01、令和8年4月1日、R8.4.1）。")
        era, era_year, month_s, day_s = m.groups()
        name, start = _ERA_NAMES.get(era) or _ERA_LETTERS[era.upper()]
        year = start.year + (1 if era_year == "元" else int(era_year)) - 1
        month, day = int(month_s), int(day_s)
        try:
            parsed = dt.date(year, month, day)
        except ValueError:
            raise ValueError(f"日付「{raw}」は存在しない日付です。") from None
        if parsed < start:
            raise ValueError(f"日付「{raw}」は{name}の始まり（{format_wareki(start)}）より前です。")
        following = [s for _n, _l, s in ERAS if s > start]
        if following and parsed >= min(following):
            last = min(following) - dt.timedelta(days=1)
            raise ValueError(f"日付「{raw}」は{name}の終わり（{format_wareki(last)}）より後です。")
        return parsed
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"日付「{raw}」は存在しない日付です。") from None
