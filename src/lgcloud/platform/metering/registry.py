"""The meters: what drives cost. A business area registers its own with `register_meter` (at import of one of
its modules); cost-sharing formulas may refer to any of them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from lgcloud.platform.common.errors import ValidationFailed


@dataclass(frozen=True)
class MeterSpec:
    name: str
    label: str
    unit: str
    gauge: bool  # a level (take the mean over months) rather than a count (take the sum)


METERS: dict[str, MeterSpec] = {}


def register_meter(name: str, label: str, unit: str, gauge: bool = False) -> MeterSpec:
    if len(name) > 40:
        raise ValueError(f"meter name {name!r} is longer than 40 characters")
    spec = MeterSpec(name, label, unit, gauge)
    METERS[name] = spec
    return spec


register_meter("residents_held", "住民数", "人", gauge=True)
register_meter("registry_events", "異動件数", "件")
register_meter("certificates_issued", "証明書交付件数", "件")
register_meter("api_calls", "API呼出数", "回")
register_meter("batch_seconds", "バッチ処理時間", "秒")
register_meter("storage_bytes", "ストレージ使用量", "バイト", gauge=True)


def meter_spec(name: str) -> MeterSpec:
    spec = METERS.get(name)
    if spec is None:
        known = "、".join(f"{s.label}（{s.name}）" for s in METERS.values())
        raise ValidationFailed(f"メーター「{name}」はありません。使えるメーター: {known}", field="meter")
    return spec


def month_of(at: dt.date | None) -> dt.date:
    at = at or timezone.localdate()
    return at.replace(day=1)


def fiscal_year_months(fiscal_year: int) -> list[dt.date]:
    return [dt.date(fiscal_year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
