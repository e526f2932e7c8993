"""Metering: counts are appended (no row every request rewrites), rolled up into monthly totals by the events
worker, and read exactly whether rolled up or not; gauges set a month's level; costs reads them; the readings
costs kept before are carried over by the migration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lgcloud.platform import metering
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.metering.models import Increment, MonthlyTotal
from lgcloud.platform.metering.services import rollup, rollup_all

APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)


def test_a_count_is_an_appended_row_and_reads_the_same_before_and_after_the_rollup(in_a, muni_b):
    for _ in range(3):
        metering.record("api_calls", at=APRIL)
    metering.record("api_calls", 5, at=dt.date(2026, 4, 30))
    metering.record("api_calls", 2, at=MAY, municipality=muni_b)
    assert Increment.objects.count() == 5 and MonthlyTotal.objects.count() == 0  # nothing rewritten per call
    before = metering.usage([in_a.pk, muni_b.pk], "api_calls", [APRIL, MAY])
    assert before == {in_a.pk: {APRIL: 8}, muni_b.pk: {MAY: 2}}
    assert rollup() == 5 and rollup() == 0  # a second roll-up counts nothing twice
    assert Increment.objects.count() == 0
    assert metering.usage([in_a.pk, muni_b.pk], "api_calls", [APRIL, MAY]) == before
    metering.record("api_calls", at=APRIL)  # half rolled up, half pending: still exact
    assert metering.usage([in_a.pk], "api_calls", [APRIL]) == {in_a.pk: {APRIL: 9}}
    assert rollup_all() == 1
    assert MonthlyTotal.objects.get(municipality=in_a, meter="api_calls", month=APRIL).value == 9


def test_gauges_set_a_level_and_a_fiscal_year_is_a_sum_or_a_mean(in_a):
    metering.set_gauge("residents_held", 100, at=APRIL)
    metering.set_gauge("residents_held", 120, at=APRIL)  # the level, not a sum
    metering.set_gauge("residents_held", 141, at=MAY)
    metering.record("certificates_issued", 3, at=APRIL)
    metering.record("certificates_issued", 4, at=dt.date(2027, 3, 31))
    metering.record("certificates_issued", 50, at=dt.date(2027, 4, 1))  # the next fiscal year
    assert metering.usage_for_fiscal_year([in_a.pk], "residents_held", 2026) == {in_a.pk: 130}  # mean of 120, 141
    assert metering.usage_for_fiscal_year([in_a.pk], "certificates_issued", 2026) == {in_a.pk: 7}
    with pytest.raises(ValidationFailed, match="set_gauge"):
        metering.record("residents_held")
    with pytest.raises(ValidationFailed, match="record"):
        metering.set_gauge("api_calls", 1)
    with pytest.raises(ValidationFailed, match="coffee"):
        metering.record("coffee_cups")
    with pytest.raises(ValidationFailed, match="0以上"):
        metering.record("api_calls", -1)


def test_an_area_registers_its_own_meter(in_a):
    metering.register_meter("test_notices", "テスト通知件数", "件")
    try:
        metering.record("test_notices", 12, at=APRIL)
        assert metering.usage_for_fiscal_year([in_a.pk], "test_notices", 2026) == {in_a.pk: 12}
    finally:
        metering.METERS.pop("test_notices")


def test_no_business_area_imports_costs():
    import pathlib

    areas = pathlib.Path(metering.__file__).resolve().parents[2] / "areas"
    offenders = [str(p) for p in areas.rglob("*.py") if "group.costs" in p.read_text(encoding="utf-8")]
    assert offenders == []


@pytest.mark.django_db(transaction=True)
def test_the_readings_costs_kept_are_carried_into_the_monthly_totals(muni_a):
    executor = MigrationExecutor(connection)
    old = [("costs", "0001_initial"), ("metering", "0001_initial")]
    executor.migrate(old)
    state = executor.loader.project_state(old)
    MeterReading = state.apps.get_model("costs", "MeterReading")
    MeterReading.objects.create(municipality_id=muni_a.pk, meter="certificates_issued", month=APRIL, value=40)
    MeterReading.objects.create(municipality_id=muni_a.pk, meter="residents_held", month=APRIL, value=44000)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert "costs_meterreading" not in connection.introspection.table_names()
    assert metering.usage([muni_a.pk], "certificates_issued", [APRIL]) == {muni_a.pk: {APRIL: 40}}
    assert metering.usage_for_fiscal_year([muni_a.pk], "residents_held", 2026) == {muni_a.pk: 44000}


def test_the_events_worker_rolls_the_increments_up(in_a, capsys):
    from django.core.management import call_command

    metering.record("registry_events", 2, at=APRIL)
    call_command("events", "worker", "--once")
    assert Increment.objects.count() == 0
    assert metering.usage([in_a.pk], "registry_events", [APRIL]) == {in_a.pk: {APRIL: 2}}
