"""国民年金 第1号被保険者: 資格取得・喪失 (from the register's ages and events, or entered by hand)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from lgcloud.areas.pension.models import Qualification, QualificationReason
from lgcloud.areas.pension.rules.national_pension import qualification_end_by_age, qualification_start_by_age
from lgcloud.areas.registry import public
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import current_actor


def open_qualification(person_no: int) -> Qualification | None:
    return Qualification.objects.filter(person_no=person_no, qualification_end__isnull=True).first()


@transaction.atomic
def acquire(person_no: int, start: dt.date, reason: str) -> Qualification:
    if reason not in QualificationReason.values:
        raise ValidationFailed(f"取得事由「{reason}」はありません。", field="reason")
    person = public.person(person_no)
    if person is None:
        raise NotFound(f"宛名番号 {person_no} の住民は登録されていません。")
    if person.birth_date is not None:
        if start < qualification_start_by_age(person.birth_date):
            raise ValidationFailed("20歳に達する日より前には第1号被保険者になれません。", field="start")
        if start >= qualification_end_by_age(person.birth_date):
            raise ValidationFailed("60歳に達した後は第1号被保険者になれません（任意加入は対象外）。", field="start")
    if open_qualification(person_no) is not None:
        raise Conflict(f"{person.full_name}さんは既に第1号被保険者です。")
    q = Qualification.objects.create(person_no=person_no, qualification_start=start, start_reason=reason,
                                     recorded_by=current_actor().username)
    audit.record("pension.qualification_started", obj=q, detail={"person_no": person_no, "reason": reason})
    return q


@transaction.atomic
def lose(person_no: int, end: dt.date, reason: str) -> Qualification:
    """資格喪失 (種別変更 to 第2号 / 第3号 entered by hand, 60歳到達, 死亡 (the day after), 海外転出)."""
    if reason not in QualificationReason.values:
        raise ValidationFailed(f"喪失事由「{reason}」はありません。", field="reason")
    q = Qualification.objects.select_for_update().filter(person_no=person_no, qualification_end__isnull=True).first()
    if q is None:
        raise NotFound(f"宛名番号 {person_no} は第1号被保険者ではありません。")
    if end < q.qualification_start:
        raise ValidationFailed("資格喪失日が資格取得日より前です。", field="end")
    q.qualification_end, q.end_reason = end, reason
    q.save(update_fields=["qualification_end", "end_reason"])
    audit.record("pension.qualification_ended", obj=q, detail={"person_no": person_no, "reason": reason})
    return q


def reaching_age(start: dt.date, end: dt.date, age: int) -> list[public.ResidentView]:
    """Residents who reach `age` (the day before the birthday) between start and end: the 20歳到達 / 60歳到達
    list the clerk works through (read through registry.public; the caller audits)."""
    out = []
    for r in public.current_residents():
        if r.birth_date is None:
            continue
        reached = qualification_start_by_age(r.birth_date, age)
        if start <= reached <= end:
            out.append(r)
    return out
