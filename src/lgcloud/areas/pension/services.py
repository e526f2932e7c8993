"""国民年金 第1号被保険者: 資格取得・喪失 (from the register's ages and events, or entered by hand)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from lgcloud.areas.pension.models import ExemptionApplication, Qualification, QualificationReason
from lgcloud.areas.pension.rules.exemption import LABELS, IncomeTest, decide
from lgcloud.areas.pension.rules.national_pension import qualification_end_by_age, qualification_start_by_age
from lgcloud.areas.registry import public
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed
from lgcloud.platform.params.standard import values_in_force
from lgcloud.platform.tenancy.context import current_actor, require_municipality


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


@transaction.atomic
def apply_exemption(person_no: int, fiscal_year: int, applied_on: dt.date, tests: list[IncomeTest], *,
                    deferment: bool = False) -> ExemptionApplication:
    """免除・納付猶予 申請: the income test of the applicant (and spouse, householder) decides the level."""
    if not tests:
        raise ValidationFailed("審査する所得を1人分以上入力してください。", field="tests")
    for t in tests:
        if t.income < 0 or t.dependents < 0:
            raise ValidationFailed("所得と扶養親族等の数は0以上で入力してください。", field="tests")
    if public.person(person_no) is None:
        raise NotFound(f"宛名番号 {person_no} の住民は登録されていません。")
    result = decide(tests, values_in_force("national_pension.", fiscal_year), deferment=deferment)
    app = ExemptionApplication.objects.create(
        person_no=person_no, fiscal_year=fiscal_year, applied_on=applied_on, deferment=deferment,
        tests=[t.__dict__ for t in tests], result=result or "", recorded_by=current_actor().username)
    audit.record("pension.exemption_decided", obj=app, detail={"person_no": person_no, "result": result})
    return app


LAYOUT = Path(__file__).resolve().parent / "layouts" / "report.json"


def report_file(start: dt.date, end: dt.date) -> bytes:
    """The 届書 of the period (資格取得・喪失, 免除・納付猶予) as the CSV whose layout is layouts/report.json."""
    layout = json.loads(LAYOUT.read_text(encoding="utf-8"))
    code = require_municipality().code
    rows: list[dict[str, Any]] = []
    for q in Qualification.objects.filter(qualification_start__range=(start, end)):
        rows.append({"form": "資格取得届", "person_no": q.person_no, "reason": q.get_start_reason_display(),
                     "date": q.qualification_start, "result": ""})
    for q in Qualification.objects.filter(qualification_end__range=(start, end)):
        rows.append({"form": "資格喪失届", "person_no": q.person_no, "reason": q.get_end_reason_display(),
                     "date": q.qualification_end, "result": ""})
    for a in ExemptionApplication.objects.filter(applied_on__range=(start, end)):
        rows.append({"form": "免除・納付猶予申請書", "person_no": a.person_no, "reason": f"{a.fiscal_year}年度",
                     "date": a.applied_on, "result": LABELS.get(a.result or None, a.result)})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=layout["line_ending"])
    writer.writerow([c["header"] for c in layout["columns"]])
    for row in sorted(rows, key=lambda r: (r["date"], r["person_no"], r["form"])):
        person = public.person(row["person_no"])
        row |= {"municipality_code": code, "kana": person.kana if person else "",
                "birth_date": person.birth_date if person else None}
        cells = []
        for c in layout["columns"]:
            value = row.get(c["field"])
            if c.get("format") == "yyyymmdd":
                value = value.strftime("%Y%m%d") if value else ""
            cells.append("" if value is None else str(value))
        writer.writerow(cells)
    audit.record("pension.report_file", object_type="Qualification",
                 detail={"start": start.isoformat(), "end": end.isoformat(), "rows": len(rows)})
    return out.getvalue().encode(layout["encoding"], errors="replace")
