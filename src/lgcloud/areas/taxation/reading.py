"""What the tax screens and API read: every read of a taxpayer is audited, once per operation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lgcloud.areas.registry import public
from lgcloud.areas.taxation.assessment import METHOD_LABELS
from lgcloud.areas.taxation.models import Assessment, IncomeKind, IncomeRecord
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed

PAGE = 50


@dataclass
class TaxpayerFile:
    fiscal_year: int
    person_no: int
    assessment: Assessment
    versions: list[Assessment]
    incomes: list[IncomeRecord]
    address: str
    protected: bool

    @property
    def method_label(self) -> str:
        return METHOD_LABELS.get(self.assessment.collection_method, self.assessment.collection_method)

    def kind_label(self, kind: str) -> str:
        return IncomeKind(kind).label


def find(fiscal_year: int, query: str) -> tuple[list[Assessment], bool]:
    """Current assessments of the year by 宛名番号 or part of the name (audited with the ids shown)."""
    text = query.strip().replace(" ", "　")
    if not text:
        raise ValidationFailed("宛名番号か氏名を入力してください。", field="q")
    qs = Assessment.objects.filter(fiscal_year=fiscal_year, is_current=True)
    if text.isdigit():
        qs = qs.filter(person_no=int(text))
    else:
        qs = qs.filter(full_name__contains=text)
    rows = list(qs.order_by("person_no")[:PAGE + 1])
    truncated = len(rows) > PAGE
    rows = rows[:PAGE]
    audit.record("taxation.search", object_type="Assessment", object_id=",".join(str(a.person_no) for a in rows),
                 purpose="個人住民税の照会", detail={"fiscal_year": fiscal_year, "count": len(rows)})
    return rows, truncated


def open_file(fiscal_year: int, person_no: int, version: int | None = None) -> TaxpayerFile:
    versions = list(Assessment.objects.filter(fiscal_year=fiscal_year, person_no=person_no).order_by("version"))
    if not versions:
        raise NotFound("この年度の賦課の記録はありません。")
    chosen = next((a for a in versions if a.version == version), None) if version else \
        next(a for a in versions if a.is_current)
    if chosen is None:
        raise NotFound(f"第{version}版はありません。")
    records = list(IncomeRecord.objects.filter(fiscal_year=fiscal_year, person_no=person_no).order_by("pk"))
    view = public.person(person_no)
    audit.record("taxation.assessment_read", obj=chosen, purpose="個人住民税の照会",
                 detail={"fiscal_year": fiscal_year, "person_no": person_no, "version": chosen.version})
    return TaxpayerFile(fiscal_year, person_no, chosen, versions, records, view.address if view else "",
                        bool(view and view.protected))


def assessment_dict(a: Assessment) -> dict[str, Any]:
    return {"fiscal_year": a.fiscal_year, "person_no": a.person_no, "version": a.version, "reason": a.reason,
            "assessed_on": a.assessed_on.isoformat(), "is_current": a.is_current, "full_name": a.full_name,
            "input_hash": a.input_hash, "parameter_version": a.parameter_version, "total": a.total,
            "collection_method": a.collection_method, "installments": a.installments, "result": a.result}
