"""Partly unknown dates (年月日不詳, 「令和○年頃」): a date plus an explicit precision, never a fake day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.common.wareki import format_wareki


class Precision(models.TextChoices):
    DAY = "day", "年月日"
    MONTH = "month", "年月（日不詳）"
    YEAR = "year", "年（月日不詳）"
    APPROXIMATE = "approx", "頃（推定）"
    UNKNOWN = "unknown", "不詳"


@dataclass(frozen=True)
class PartialDate:
    """`value` holds the first day of the known period (1 Jan, 1st of the month); `precision` says how much is known."""

    value: dt.date | None
    precision: str = Precision.DAY

    @classmethod
    def parse(cls, value: str | dt.date | None, precision: str | None = None, *, field: str = "date") -> PartialDate:
        precision = precision or Precision.DAY
        if precision not in Precision.values:
            raise ValidationFailed("日付の精度が正しくありません。", field=field)
        if precision == Precision.UNKNOWN:
            return cls(None, Precision.UNKNOWN)
        if value in (None, ""):
            raise ValidationFailed("日付を入力してください（不詳の場合は精度に「不詳」を指定）。", field=field)
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ValidationFailed(f"日付「{value}」は YYYY-MM-DD の形式で入力してください。", field=field) from None
        if precision == Precision.MONTH and value.day != 1:
            value = value.replace(day=1)
        if precision in (Precision.YEAR, Precision.APPROXIMATE) and (value.month, value.day) != (1, 1):
            value = value.replace(month=1, day=1)
        return cls(value, precision)

    @property
    def earliest(self) -> dt.date | None:
        return self.value

    @property
    def latest(self) -> dt.date | None:
        """The last day the date could be (for ordering checks such as death not before birth)."""
        if self.value is None:
            return None
        if self.precision == Precision.MONTH:
            nxt = (self.value.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            return nxt - dt.timedelta(days=1)
        if self.precision in (Precision.YEAR, Precision.APPROXIMATE):
            return self.value.replace(month=12, day=31)
        return self.value

    def display(self) -> str:
        if self.value is None:
            return "不詳"
        text = format_wareki(self.value)
        if self.precision == Precision.MONTH:
            return text.rsplit("月", 1)[0] + "月日不詳"
        if self.precision == Precision.YEAR:
            return text.split("年", 1)[0] + "年月日不詳"
        if self.precision == Precision.APPROXIMATE:
            return text.split("年", 1)[0] + "年頃"
        return text
