"""Demo: 国民年金 第1号被保険者 among the residents aged 20–59 (a deterministic sample)."""

from __future__ import annotations

import datetime as dt

from lgcloud.areas.pension.models import Qualification, QualificationReason
from lgcloud.areas.pension.rules.national_pension import qualification_start_by_age
from lgcloud.areas.registry import public
from lgcloud.platform.audit import services as audit
from lgcloud.platform.demo.loader import DemoContext, demo_step
from lgcloud.platform.tenancy.context import Actor, municipality_scope

DEMO_ACTOR = Actor("demo", "system", "system")
PER_MEMBER = 150


@demo_step(61)
def category1_members(ctx: DemoContext) -> None:
    if ctx.scale <= 0:
        return
    for m in ctx.members:
        with municipality_scope(m, DEMO_ACTOR):
            if Qualification.objects.exists():
                continue
            rows = []
            today = dt.date.today()
            for r in public.current_residents():
                if r.birth_date is None or r.person_no % 4:
                    continue
                start = qualification_start_by_age(r.birth_date)
                age = r.age_on(today)
                if age is None or not 20 <= age < 60:
                    continue
                rows.append(Qualification(person_no=r.person_no, qualification_start=max(start, r.became_resident_on
                                                                                         or start),
                                          start_reason=QualificationReason.AGE_20, recorded_by="demo"))
                if len(rows) >= PER_MEMBER:
                    break
            Qualification.objects.bulk_create(rows)
            audit.record("pension.demo_loaded", object_type="Qualification", detail={"rows": len(rows)})
        ctx.say(f"  {m.name}: 国民年金 第1号被保険者 {len(rows)}人")
