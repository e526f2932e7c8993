"""利用実績の計測 (metering): counters and gauges any app records, per member and month.

    from lgcloud.platform import metering

    metering.register_meter("tax_notices", "納税通知書件数", "件")     # at import of one of the app's modules
    metering.record("tax_notices", 120)                               # for the municipality in context
    metering.set_gauge("residents_held", 44000)

Reads (costs, reports) go through `usage` / `usage_for_fiscal_year`. Storage: see models and services.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from lgcloud.platform.metering.registry import (
    METERS,
    MeterSpec,
    fiscal_year_months,
    meter_spec,
    month_of,
    register_meter,
)

if TYPE_CHECKING:
    from lgcloud.platform.tenancy.models import Municipality

__all__ = ["METERS", "MeterSpec", "fiscal_year_months", "meter_spec", "month_of", "record", "register_meter",
           "set_gauge", "usage", "usage_for_fiscal_year"]


def record(meter: str, amount: int = 1, *, municipality: Municipality | None = None, at: dt.date | None = None) -> None:
    from lgcloud.platform.metering import services

    services.record(meter, amount, municipality=municipality, at=at)


def set_gauge(meter: str, value: int, *, municipality: Municipality | None = None, at: dt.date | None = None) -> None:
    from lgcloud.platform.metering import services

    services.set_gauge(meter, value, municipality=municipality, at=at)


def usage(municipality_ids: list[int], meter: str, months: list[dt.date]) -> dict[int, dict[dt.date, int]]:
    from lgcloud.platform.metering import services

    return services.usage(municipality_ids, meter, months)


def usage_for_fiscal_year(municipality_ids: list[int], meter: str, fiscal_year: int) -> dict[int, int]:
    from lgcloud.platform.metering import services

    return services.usage_for_fiscal_year(municipality_ids, meter, fiscal_year)
