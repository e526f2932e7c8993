"""税務の通知書 (real PDFs through lgcloud.platform.documents: numbered, verifiable on /verify/, 和暦):

- 特別徴収税額決定通知書（特別徴収義務者用）: to each employer, its employees with their 12 monthly amounts;
- 個人住民税 納税通知書: the 普通徴収 taxpayer's breakdown and instalments;
- 固定資産税 納税通知書 with its 課税明細書 (every parcel and building, 価格 and 課税標準額).

Each notice is one issued document; the batch (`lgcloud tax notices`) issues one per addressee and reports its
progress. A protected (支援措置) taxpayer's address is not printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import public
from lgcloud.areas.taxation.assessment import METHOD_LABELS, ORDINARY, PAYROLL, PENSION
from lgcloud.areas.taxation.models import Assessment, IncomeRecord
from lgcloud.areas.taxation.property_models import Building, LandParcel, PropertyAssessment, ResidentialKind
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound
from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki
from lgcloud.platform.documents import pdf
from lgcloud.platform.documents import services as documents
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.tenancy.context import require_municipality

MONTHS = [6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5]
PAYROLL_KIND = "taxation.payroll_notice"
ORDINARY_KIND = "taxation.resident_tax_notice"
PROPERTY_KIND = "taxation.property_tax_notice"
KINDS = {"payroll": PAYROLL_KIND, "ordinary": ORDINARY_KIND, "property": PROPERTY_KIND}


def yen(v: int) -> str:
    return f"{int(v):,}円"


def address_of(person_no: int) -> tuple[str, bool]:
    view = public.person(person_no)
    if view is None:
        return "", False
    return ("（支援措置のため省略）" if view.protected else view.address), view.protected


def _issue(kind: str, title: str, header: list[pdf.Row], blocks: list[list[pdf.Row]], *, certification: str,
           subject_ref: str, purpose: str, detail: dict[str, object]) -> tuple[IssuedDocument, bytes]:
    municipality = require_municipality()
    today = timezone.localdate()
    pages = pdf.paginate(header, blocks)

    def build(url: VerificationUrl) -> bytes:
        footer = pdf.Footer(certification=certification, issued_on=today, mayor=pdf.mayor_title(municipality),
                            fee=0, url=url, noun="通知書", seal=pdf.seal_image(municipality))
        data, _pages = pdf.render(title, pages, footer, author=pdf.author(municipality))
        return data

    return documents.issue_document(kind, title, build, fee=0, subject_ref=subject_ref, purpose=purpose,
                                    detail=detail)


# --- 特別徴収税額決定通知書 ------------------------------------------------------------------------------


@dataclass
class Employer:
    payer_no: str
    name: str
    assessments: list[Assessment]


def employers(fiscal_year: int) -> list[Employer]:
    """The 特別徴収義務者 of the year with their employees' current assessments (by 宛名番号)."""
    found: dict[str, list[Assessment]] = {}
    for a in Assessment.objects.filter(fiscal_year=fiscal_year, is_current=True,
                                       collection_method=PAYROLL).order_by("person_no"):
        employer_no = (a.facts.get("employers") or [""])[0]
        if employer_no:
            found.setdefault(employer_no, []).append(a)
    names = dict(IncomeRecord.objects.filter(fiscal_year=fiscal_year, payer_no__in=list(found))
                 .exclude(payer_name="").order_by("pk").values_list("payer_no", "payer_name"))
    return [Employer(no, names.get(no, ""), found[no]) for no in sorted(found)]


def payroll_notice(fiscal_year: int, payer_no: str) -> tuple[IssuedDocument, bytes]:
    """特別徴収税額決定通知書（特別徴収義務者用）: each employee's 年税額 and 12 monthly amounts, and the month totals."""
    employer = next((e for e in employers(fiscal_year) if e.payer_no == payer_no), None)
    if employer is None:
        raise NotFound(f"{format_fiscal_year(fiscal_year)}に特別徴収義務者 {payer_no} の従業員の賦課はありません。")
    monthly_total = [0] * 12
    blocks: list[list[pdf.Row]] = []
    for a in employer.assessments:
        amounts = [int(i["amount"]) for i in a.installments if i["method"] == PAYROLL]
        for k, v in enumerate(amounts[:12]):
            monthly_total[k] += v
        cells = [pdf.Cell("従業員", f"{a.full_name}（宛名番号 {a.person_no}）", wide=True),
                 pdf.Cell("年税額", yen(a.total)), pdf.Cell("賦課の版", f"第{a.version}版（{a.reason}）")]
        cells += [pdf.Cell(f"{m}月分", yen(v)) for m, v in zip(MONTHS, amounts, strict=False)]
        blocks.append(pdf.lay_block(cells))
    header = pdf.lay_block([
        pdf.Cell("特別徴収義務者", f"{employer.name or '－'}（指定番号 {employer.payer_no}）", wide=True, big=True),
        pdf.Cell("年度", format_fiscal_year(fiscal_year)), pdf.Cell("納税義務者数", f"{len(employer.assessments)}人"),
        pdf.Cell("特別徴収税額の合計", yen(sum(a.total for a in employer.assessments))),
        pdf.Cell("納期限", "各月分を翌月10日まで"),
    ])
    blocks.append(pdf.lay_block([pdf.Cell(f"{m}月分 合計", yen(v)) for m, v in zip(MONTHS, monthly_total, strict=True)]))
    title = f"{format_fiscal_year(fiscal_year)} 特別徴収税額決定通知書（特別徴収義務者用）"
    with transaction.atomic():
        document, data = _issue(
            PAYROLL_KIND, title, header, blocks,
            certification="地方税法の規定により、上記のとおり特別徴収税額を決定したので通知します。",
            subject_ref=f"taxation.employer:{fiscal_year}:{payer_no}", purpose="特別徴収税額の通知",
            detail={"fiscal_year": fiscal_year, "employer_no": payer_no, "employees": len(employer.assessments)})
        audit.record("taxation.payroll_notice_issued", object_type="Assessment",
                     object_id=",".join(str(a.person_no) for a in employer.assessments), purpose="特別徴収税額の通知",
                     detail={"number": document.number, "employer_no": payer_no})
    return document, data


# --- 個人住民税 納税通知書（普通徴収） ---------------------------------------------------------------------


def ordinary_notice(fiscal_year: int, person_no: int) -> tuple[IssuedDocument, bytes]:
    a = Assessment.objects.filter(fiscal_year=fiscal_year, person_no=person_no, is_current=True).first()
    if a is None:
        raise NotFound(f"{format_fiscal_year(fiscal_year)}の個人住民税はまだ賦課されていません。")
    address, _protected = address_of(person_no)
    r = a.result
    header = pdf.lay_block([
        pdf.Cell("納税義務者", a.full_name, wide=True, big=True, mj=True),
        pdf.Cell("住所", address or "－", wide=True, mj=True),
        pdf.Cell("年度", format_fiscal_year(fiscal_year)), pdf.Cell("宛名番号", str(person_no)),
        pdf.Cell("年税額", yen(a.total)),
        pdf.Cell("徴収方法", METHOD_LABELS.get(a.collection_method, a.collection_method)),
    ])
    basis = pdf.lay_block([
        pdf.Cell("総所得金額", yen(r["total_income"])), pdf.Cell("所得控除額", yen(r["deductions"])),
        pdf.Cell("課税標準額", yen(r["taxable_base"])), pdf.Cell("非課税", {"none": "課税", "income_levy": "所得割非課税",
                                                                          "both": "非課税"}.get(r["exempt"], r["exempt"])),
        pdf.Cell("市町村民税 所得割", yen(r["municipal_income_levy"])),
        pdf.Cell("市町村民税 均等割", yen(r["municipal_per_capita"])),
        pdf.Cell("道府県民税 所得割", yen(r["prefectural_income_levy"])),
        pdf.Cell("道府県民税 均等割", yen(r["prefectural_per_capita"])),
        pdf.Cell("森林環境税", yen(r["forest_environment_tax"])), pdf.Cell("年税額", yen(a.total)),
    ])
    steps = pdf.lay_block([pdf.Cell(s["label"], yen(s["amount"])) for s in r.get("breakdown", [])
                           if s.get("amount")])
    due = pdf.lay_block([pdf.Cell(f"第{i['installment']}期（{METHOD_LABELS.get(i['method'], i['method'])}）",
                                  f"{yen(i['amount'])}（納期限 {format_wareki(dt.date.fromisoformat(i['due_on']))}）",
                                  wide=True) for i in a.installments])
    title = f"{format_fiscal_year(fiscal_year)} 市町村民税・道府県民税 納税通知書"
    with transaction.atomic():
        document, data = _issue(
            ORDINARY_KIND, title, header, [basis, steps, due],
            certification="上記のとおり市町村民税・道府県民税を賦課したので通知します。",
            subject_ref=f"taxation.assessment:{a.pk}:v{a.version}", purpose="個人住民税の納税通知",
            detail={"fiscal_year": fiscal_year, "person_no": person_no, "version": a.version})
        audit.record("taxation.notice_issued", obj=a, purpose="個人住民税の納税通知", detail={"number": document.number})
    return document, data


def ordinary_addressees(fiscal_year: int) -> list[int]:
    """Taxpayers who pay something themselves (普通徴収, or the first half of 年金特徴)."""
    return list(Assessment.objects.filter(fiscal_year=fiscal_year, is_current=True, total__gt=0,
                                          collection_method__in=[ORDINARY, PENSION])
                .order_by("person_no").values_list("person_no", flat=True))


# --- 固定資産税 納税通知書・課税明細書 -----------------------------------------------------------------


def property_items(a: PropertyAssessment) -> list[pdf.Cell]:
    """課税明細書: each parcel and building of the assessment with its 価格 and 課税標準額."""
    lands = {x.pk: x for x in LandParcel.objects.filter(pk__in=[f["id"] for f in a.facts["land"]])}
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=[f["id"] for f in a.facts["buildings"]])}
    cells: list[pdf.Cell] = []
    for fact, row in zip(a.facts["land"], a.result["land"], strict=True):
        land = lands.get(fact["id"])
        what = f"{land.location} {land.lot_number}（{land.land_category}・{land.area_m2}㎡・" \
               f"{ResidentialKind(land.residential).label}）" if land else f"土地 {fact['id']}"
        cells.append(pdf.Cell("土地", f"{what}　価格 {yen(fact['value'])}　課税標準額 {yen(row['tax_base'])}", wide=True))
    for fact, row in zip(a.facts["buildings"], a.result["buildings"], strict=True):
        b = buildings.get(fact["id"])
        what = f"{b.location} 家屋番号{b.building_number}（{b.kind}・{b.structure}・{b.floor_area_m2}㎡）" if b \
            else f"家屋 {fact['id']}"
        cells.append(pdf.Cell("家屋", f"{what}　価格 {yen(fact['value'])}　課税標準額 {yen(row['tax_base'])}", wide=True))
    return cells


def _property_due(fiscal_year: int, month: int) -> dt.date:
    import calendar

    year = fiscal_year if month >= 4 else fiscal_year + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def property_notice(fiscal_year: int, taxpayer_no: int) -> tuple[IssuedDocument, bytes]:
    a = PropertyAssessment.objects.filter(fiscal_year=fiscal_year, taxpayer_no=taxpayer_no, is_current=True).first()
    if a is None:
        raise NotFound(f"{format_fiscal_year(fiscal_year)}の固定資産税はまだ賦課されていません。")
    r = a.result
    header = pdf.lay_block([
        pdf.Cell("納税義務者", a.taxpayer_name, wide=True, big=True),
        pdf.Cell("年度", format_fiscal_year(fiscal_year)), pdf.Cell("納税義務者番号", str(taxpayer_no)),
        pdf.Cell("課税標準額（土地）", yen(r["land_tax_base"])), pdf.Cell("課税標準額（家屋）", yen(r["building_tax_base"])),
        pdf.Cell("課税標準額の合計", yen(r["tax_base"])), pdf.Cell("年税額", yen(a.total)),
    ])
    due = pdf.lay_block([pdf.Cell(f"第{i['installment']}期",
                                  f"{yen(i['amount'])}（納期限 {format_wareki(_property_due(fiscal_year, i['month']))}）")
                         for i in r["installments"]])
    details = pdf.lay_block([pdf.Cell("課税明細書", "土地・家屋ごとの価格と課税標準額", wide=True), *property_items(a)])
    title = f"{format_fiscal_year(fiscal_year)} 固定資産税 納税通知書"
    with transaction.atomic():
        document, data = _issue(
            PROPERTY_KIND, title, header, [due, details],
            certification="上記のとおり固定資産税を賦課したので、課税明細書を添えて通知します。",
            subject_ref=f"taxation.property_assessment:{a.pk}:v{a.version}", purpose="固定資産税の納税通知",
            detail={"fiscal_year": fiscal_year, "taxpayer_no": taxpayer_no, "version": a.version})
        audit.record("taxation.property_notice_issued", obj=a, purpose="固定資産税の納税通知",
                     detail={"number": document.number})
    return document, data


def property_addressees(fiscal_year: int) -> list[int]:
    return list(PropertyAssessment.objects.filter(fiscal_year=fiscal_year, is_current=True, total__gt=0)
                .order_by("taxpayer_no").values_list("taxpayer_no", flat=True))


# --- the batch --------------------------------------------------------------------------------------


def batch(kind: str, fiscal_year: int) -> tuple[int, Iterator[tuple[str, IssuedDocument, bytes]]]:
    """How many notices of `kind` the year has, and an iterator issuing them one by one: (file stem, doc, PDF)."""
    make: Callable[[object], tuple[IssuedDocument, bytes]]
    keys: list[object]
    if kind == "payroll":
        keys = [e.payer_no for e in employers(fiscal_year)]
        make = lambda k: payroll_notice(fiscal_year, str(k))  # noqa: E731
    elif kind == "ordinary":
        keys = list(ordinary_addressees(fiscal_year))
        make = lambda k: ordinary_notice(fiscal_year, int(str(k)))  # noqa: E731
    elif kind == "property":
        keys = list(property_addressees(fiscal_year))
        make = lambda k: property_notice(fiscal_year, int(str(k)))  # noqa: E731
    else:
        from lgcloud.platform.common.errors import ValidationFailed

        raise ValidationFailed(f"通知書の種類「{kind}」はありません（payroll / ordinary / property）。", field="kind")

    def run() -> Iterator[tuple[str, IssuedDocument, bytes]]:
        for k in keys:
            document, data = make(k)
            yield f"{kind}-{fiscal_year}-{k}-{document.number}", document, data

    return len(keys), run()
