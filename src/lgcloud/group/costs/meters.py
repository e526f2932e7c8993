"""Meters: what drives cost, counted per member and month. Any app records into them.

`record` adds to a counter (events, certificates, API calls, batch seconds);
`set_gauge` sets a level (residents held, storage bytes). A business area may
register further meters with `register_meter`; formulas may refer to any of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.models import Municipality


@dataclass(frozen=True)
class MeterSpec:
    name: str
    label: str
    unit: str
    gauge: bool  # a level (take the mean over months) rather than a count (take the sum)


METERS: dict[str, MeterSpec] = {}


def register_meter(name: str, label: str, unit: str, *, gauge: bool = False) -> MeterSpec:
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


def record(municipality: Municipality, meter: str, amount: int = 1, at: dt.date | None = None) -> None:
    """Add `amount` to a counting meter for the month of `at` (default: this month)."""
    from lgcloud.group.costs.models import MeterReading

    spec = meter_spec(meter)
    if spec.gauge:
        raise ValidationFailed(f"{spec.label}は水準を表すメーターです。set_gauge で設定してください。", field="meter")
    if amount < 0:
        raise ValidationFailed("メーターの加算量は0以上で指定してください。", field="amount")
    month = month_of(at)
    # One statement, so concurrent requests add up instead of racing to create the month's row.
    table = MeterReading._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (municipality_id, meter, month, value) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (municipality_id, meter, month) DO UPDATE SET value = {table}.value + excluded.value",
            [municipality.pk, meter, month, amount],
        )


def set_gauge(municipality: Municipality, meter: str, value: int, at: dt.date | None = None) -> None:
    from lgcloud.group.costs.models import MeterReading

    spec = meter_spec(meter)
    if not spec.gauge:
        raise ValidationFailed(f"{spec.label}は件数を数えるメーターです。record で加算してください。", field="meter")
    if value < 0:
        raise ValidationFailed(f"{spec.label}は0以上で指定してください。", field="value")
    MeterReading.objects.update_or_create(
        municipality=municipality, meter=meter, month=month_of(at), defaults={"value": value}
    )


def fiscal_year_months(fiscal_year: int) -> list[dt.date]:
    return [dt.date(fiscal_year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def usage_for_fiscal_year(municipality_ids: list[int], meter: str, fiscal_year: int) -> dict[int, int]:
    """Per municipality: the sum over the fiscal year (counters) or the mean of recorded months (gauges)."""
    from django.db.models import Avg, Sum

    from lgcloud.group.costs.models import MeterReading

    spec = meter_spec(meter)
    months = fiscal_year_months(fiscal_year)
    agg = Avg("value") if spec.gauge else Sum("value")
    rows = (
        MeterReading.objects.filter(municipality_id__in=municipality_ids, meter=meter, month__in=months)
        .values("municipality_id")
        .annotate(v=agg)
    )
    result = {m: 0 for m in municipality_ids}
    for row in rows:
        result[row["municipality_id"]] = round(row["v"] or 0)
    return result
