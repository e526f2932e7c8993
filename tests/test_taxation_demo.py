"""Demo 税務: income records and a finished assessment for the demo residents, quickly, and re-runnable."""

from __future__ import annotations

import time

import pytest

from lgcloud.areas.registry import demo_data as registry_demo
from lgcloud.areas.taxation import demo_data
from lgcloud.areas.taxation.models import Assessment, IncomeRecord
from lgcloud.areas.taxation.property_models import PropertyAssessment
from lgcloud.platform.demo.loader import DemoContext
from lgcloud.platform.tenancy.context import Actor, municipality_scope

pytestmark = pytest.mark.django_db


def test_demo_gives_income_records_and_a_finished_assessment(group, muni_a, muni_b, monkeypatch):
    monkeypatch.setattr(registry_demo, "BASE_PER_MEMBER", 60)
    ctx = DemoContext(group=group, members=[muni_a, muni_b], scale=1)
    registry_demo.residents(ctx)
    started = time.perf_counter()
    demo_data.taxation(ctx)
    seconds = time.perf_counter() - started
    for m in (muni_a, muni_b):
        with municipality_scope(m, Actor("t", "system", "system")):
            assert IncomeRecord.objects.filter(person_no__isnull=False).count() > 20
            assert IncomeRecord.objects.filter(person_no__isnull=True).count() == 1  # on the 処理待ち一覧
            current = Assessment.objects.filter(is_current=True)
            assert current.count() > 40 and current.filter(total__gt=0).count() > 10
            assert {a.collection_method for a in current} >= {"payroll_withholding", "ordinary_collection"}
            assert PropertyAssessment.objects.filter(total__gt=0).count() >= 5
            assert PropertyAssessment.objects.filter(taxpayer_name__contains="共有").exists()
    assert seconds < 300, seconds  # about 10 s on an idle machine for two members of 60 residents
    demo_data.taxation(ctx)  # a second load writes nothing new
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert not Assessment.objects.filter(version__gt=1).exists()
        assert not PropertyAssessment.objects.filter(version__gt=1).exists()
