"""Demo data of 国保, 国民年金 and 児童手当 on top of a small demo register (fast)."""

from __future__ import annotations

import io
import time

import pytest

from lgcloud.areas.insurance import demo_data as insurance_demo
from lgcloud.areas.insurance.models import Assessment, Coverage
from lgcloud.areas.pension import demo_data as pension_demo
from lgcloud.areas.pension.models import Qualification
from lgcloud.areas.registry import demo_data as registry_demo
from lgcloud.areas.welfare import demo_data as welfare_demo
from lgcloud.areas.welfare.models import AllowanceClaim, PaymentRun
from lgcloud.platform import levies
from lgcloud.platform.demo.loader import DemoContext
from lgcloud.platform.tenancy.context import Actor, municipality_scope

pytestmark = pytest.mark.django_db


def test_demo_of_the_three_areas(group, muni_a, monkeypatch):
    monkeypatch.setattr(registry_demo, "BASE_PER_MEMBER", 120)
    previous = levies.register_receiver(levies.CollectingReceiver())
    try:
        out = io.StringIO()
        ctx = DemoContext(group=group, members=[muni_a], scale=1, out=out)
        registry_demo.residents(ctx)
        started = time.perf_counter()
        insurance_demo.insured_households(ctx)
        pension_demo.category1_members(ctx)
        welfare_demo.child_allowance(ctx)
        seconds = time.perf_counter() - started
        insurance_demo.insured_households(ctx)  # again: nothing added
    finally:
        levies.register_receiver(previous)
    with municipality_scope(muni_a, Actor("t", "system", "system")):
        assert Coverage.objects.count() > 0 and Assessment.objects.filter(total__gt=0).exists()
        assert Qualification.objects.exists()
        assert AllowanceClaim.objects.exists() and PaymentRun.objects.filter(total__gt=0).count() == 3
    assert "国保" in out.getvalue() and "児童手当" in out.getvalue() and "作成済み" in out.getvalue()
    print(out.getvalue(), f"three areas: {seconds:.1f} s")
    assert seconds < 60
