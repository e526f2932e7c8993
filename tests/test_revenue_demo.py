"""Demo treasury: bills, a month of payments, arrears with 督促状, one 分納誓約 — through the services, fast."""

from __future__ import annotations

import io
import time

from django.db.models import Q
from django.utils import timezone

from lgcloud.areas.registry import demo_data as registry_demo
from lgcloud.areas.revenue import demo_data
from lgcloud.areas.revenue.models import Bill, Entry, ImportBatch, Payment, PaymentPlan, PaymentStatus, ReminderNotice
from lgcloud.platform.demo.loader import DemoContext
from lgcloud.platform.tenancy.context import Actor, municipality_scope


def test_demo_treasury(group, muni_a):
    ctx = DemoContext(group=group, members=[muni_a], scale=1, out=io.StringIO())
    registry_demo.residents(ctx)
    started = time.perf_counter()
    demo_data.treasury(ctx)
    seconds = time.perf_counter() - started
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        assert Bill.objects.values("person_no").distinct().count() == demo_data.TAXPAYERS_PER_MEMBER
        assert {"resident_tax.ordinary", "light_vehicle_tax"} <= set(Bill.objects.values_list("levy", flat=True))
        month_ago = timezone.localdate().toordinal() - 31
        assert Payment.objects.filter(paid_on__gte=timezone.localdate().fromordinal(month_ago)).count() >= 5
        assert ReminderNotice.objects.exists() and PaymentPlan.objects.count() == 1
        assert Payment.objects.filter(status=PaymentStatus.UNMATCHED).count() == 1
        assert ImportBatch.objects.count() == 1 and Entry.objects.filter(kind="late_fee").exists()
    assert "納税者 24人" in ctx.out.getvalue()  # type: ignore[union-attr]
    assert seconds < 60
    demo_data.treasury(ctx)  # a second run leaves the member alone
    assert "省略しました" in ctx.out.getvalue()  # type: ignore[union-attr]


def test_demo_treasury_pays_the_levies_own_bills_too(group, muni_a):
    from lgcloud.areas.taxation import demo_data as taxation_demo

    ctx = DemoContext(group=group, members=[muni_a], scale=1, out=io.StringIO())
    registry_demo.residents(ctx)
    taxation_demo.taxation(ctx)
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        levies_before = set(Bill.objects.values_list("levy", flat=True))
    demo_data.treasury(ctx)
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        assert levies_before and Payment.objects.filter(
            Q(entries__bill__levy__in=levies_before) | Q(bill__levy__in=levies_before)).exists()
        assert PaymentPlan.objects.count() == 1
