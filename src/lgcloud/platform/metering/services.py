"""Recording and reading meters.

`record` adds a count with one INSERT of an increment row: concurrent requests never wait on each other and no
row is rewritten per request (the old design updated one row per member, meter and month on every API call —
the hottest row of the database under load). `rollup` (run by `lgcloud events worker` after each pass) moves
increments into the monthly totals with one DELETE … RETURNING, so two workers never count a row twice.
Reads add the totals and the increments not yet rolled up, so a figure is exact whether or not the worker has
run. `set_gauge` sets a level (residents held, storage) — rare, so it writes the month's total directly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Sum

from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.db import fixed
from lgcloud.platform.interchange import bulk
from lgcloud.platform.metering.models import Increment, MonthlyTotal
from lgcloud.platform.metering.registry import fiscal_year_months, meter_spec, month_of
from lgcloud.platform.tenancy.context import require_municipality
from lgcloud.platform.tenancy.models import Municipality

ROLLUP_BATCH = 50_000


def _municipality(municipality: Municipality | None) -> Municipality:
    return municipality if municipality is not None else require_municipality()


def record(meter: str, amount: int = 1, *, municipality: Municipality | None = None, at: dt.date | None = None) -> None:
    """Add `amount` to a counting meter of the municipality (default: in context) for the month of `at`."""
    spec = meter_spec(meter)
    if spec.gauge:
        raise ValidationFailed(f"{spec.label}は水準を表すメーターです。set_gauge で設定してください。", field="meter")
    if amount < 0:
        raise ValidationFailed("メーターの加算量は0以上で指定してください。", field="amount")
    # INSERT text built once: every API call records one.
    fixed.insert(Increment(municipality_id=_municipality(municipality).pk, meter=meter, month=month_of(at),
                           amount=amount))


def _upsert(rows: Iterable[tuple[int, str, dt.date | str, int]], *, add: bool) -> None:
    table = MonthlyTotal._meta.db_table
    value = f"{table}.value + excluded.value" if add else "excluded.value"
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} (municipality_id, meter, month, value) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (municipality_id, meter, month) DO UPDATE SET value = {value}",
            list(rows),
        )


def set_gauge(meter: str, value: int, *, municipality: Municipality | None = None, at: dt.date | None = None) -> None:
    spec = meter_spec(meter)
    if not spec.gauge:
        raise ValidationFailed(f"{spec.label}は件数を数えるメーターです。record で加算してください。", field="meter")
    if value < 0:
        raise ValidationFailed(f"{spec.label}は0以上で指定してください。", field="value")
    _upsert([(_municipality(municipality).pk, meter, month_of(at), value)], add=False)


@transaction.atomic
def rollup(batch: int = ROLLUP_BATCH) -> int:
    """Move up to `batch` increments into the monthly totals. Returns how many were moved."""
    table = Increment._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s) "
            "RETURNING municipality_id, meter, month, amount",
            [batch],
        )
        moved = cur.fetchall()
    sums: dict[tuple[int, str, dt.date | str], int] = defaultdict(int)
    for municipality_id, meter, month, amount in moved:
        sums[(municipality_id, meter, month)] += amount
    _upsert(((m, meter, month, total) for (m, meter, month), total in sorted(sums.items(), key=str)), add=True)
    return len(moved)


def rollup_all() -> int:
    total = 0
    while moved := rollup():
        total += moved
        if moved < ROLLUP_BATCH:
            break
    return total


def usage(municipality_ids: list[int], meter: str, months: list[dt.date]) -> dict[int, dict[dt.date, int]]:
    """Per municipality and month: the counter's total (rolled up + pending) or the gauge's level. Months with
    nothing recorded are absent."""
    meter_spec(meter)
    out: dict[int, dict[dt.date, int]] = {m: {} for m in municipality_ids}
    totals = MonthlyTotal.objects.filter(municipality_id__in=municipality_ids, meter=meter, month__in=months)
    for m, month, value in totals.values_list("municipality_id", "month", "value"):
        out[m][month] = value
    pending = (Increment.objects.filter(municipality_id__in=municipality_ids, meter=meter, month__in=months)
               .values("municipality_id", "month").annotate(v=Sum("amount")))
    for row in pending:
        months_of = out[row["municipality_id"]]
        months_of[row["month"]] = months_of.get(row["month"], 0) + (row["v"] or 0)
    return out


def usage_for_fiscal_year(municipality_ids: list[int], meter: str, fiscal_year: int) -> dict[int, int]:
    """Per municipality: the sum over the fiscal year (counters) or the mean of the recorded months (gauges)."""
    spec = meter_spec(meter)
    by_month = usage(municipality_ids, meter, fiscal_year_months(fiscal_year))
    result = {}
    for m, values in by_month.items():
        if spec.gauge:
            result[m] = round(sum(values.values()) / len(values)) if values else 0
        else:
            result[m] = sum(values.values())
    return result


@transaction.atomic
def replace_history(municipality_ids: list[int], meters: list[str],
                    rows: Iterable[tuple[int, str, dt.date, int]]) -> None:
    """Loaders only (the demo, a migration from another system): replace these meters' monthly figures."""
    for meter in meters:
        meter_spec(meter)
    MonthlyTotal.objects.filter(municipality_id__in=municipality_ids, meter__in=meters).delete()
    Increment.objects.filter(municipality_id__in=municipality_ids, meter__in=meters).delete()
    if connection.vendor == "sqlite":  # one prepared executemany of the tuples (the demo: ~5,500 rows)
        bulk.insert(MonthlyTotal, ["municipality_id", "meter", "month", "value"], rows)
    else:
        MonthlyTotal.objects.bulk_create(
            [MonthlyTotal(municipality_id=m, meter=meter, month=month, value=value) for m, meter, month, value in rows])
