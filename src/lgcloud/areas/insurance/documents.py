"""国保の文書: 国民健康保険税 納税通知書 (with its breakdown and instalments) and 資格確認書, issued through the
platform's documents (number, verification code, /verify/)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.insurance.assessment import installments, parameters_for
from lgcloud.areas.insurance.models import Assessment, Coverage, NhiHousehold
from lgcloud.areas.insurance.rules.nhi_tax import PART_LABELS, PARTS, part_rows
from lgcloud.areas.registry import public
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound
from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki
from lgcloud.platform.documents import pdf as blocks
from lgcloud.platform.documents import services as documents
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.tenancy.context import require_municipality


def _yen(v: int) -> str:
    return f"{v:,}円"


def tax_notice(household: NhiHousehold, fiscal_year: int) -> tuple[bytes, int]:
    """The 納税通知書 of the household's current 国保税 for the fiscal year; returns the PDF and its number."""
    a = Assessment.objects.filter(household=household, fiscal_year=fiscal_year, current=True).first()
    if a is None:
        raise NotFound(f"{format_fiscal_year(fiscal_year)}の国保税はまだ賦課されていません。")
    municipality = require_municipality()
    head = public.person(a.head_person_no)
    _params, values = parameters_for(fiscal_year)
    lines = installments(a.total, fiscal_year, int(values["nhi_tax.installments"]),
                         int(values["nhi_tax.first_installment_month"]))
    header = blocks.lay_block([
        blocks.Cell("納税義務者（世帯主）", head.full_name if head else str(a.head_person_no), wide=True, big=True,
                    mj=True),
        blocks.Cell("住所", "（支援措置のため省略）" if head and head.protected else (head.address if head else ""),
                    wide=True, mj=True),
        blocks.Cell("年度", format_fiscal_year(fiscal_year)),
        blocks.Cell("世帯番号", str(household.household_no)),
        blocks.Cell("年税額", _yen(a.total)),
        blocks.Cell("軽減", f"{a.reduction}割軽減" if a.reduction else "なし"),
    ])
    parts = part_rows(a.breakdown)
    part_cells = []
    for p in PARTS:
        if p not in parts:
            continue
        r = parts[p]
        part_cells.append(blocks.Cell(
            PART_LABELS[p],
            f"所得割 {_yen(r['income_levy'])}・均等割 {_yen(r['per_capita_levy'])}・平等割 "
            f"{_yen(r['per_household_levy'])}{'・資産割 ' + _yen(r['asset_levy']) if r['asset_levy'] else ''}"
            f" → {_yen(r['amount'])}{'（限度額）' if r['capped'] else ''}", wide=True))
    due = [blocks.Cell(f"第{x.installment}期", f"{_yen(x.amount)}（納期限 {format_wareki(x.due_on)}）")
           for x in lines]
    pages = blocks.paginate(header, [blocks.lay_block(part_cells), blocks.lay_block(due)])
    title = f"{format_fiscal_year(fiscal_year)} 国民健康保険税 納税通知書"
    today = timezone.localdate()

    def build(url: VerificationUrl) -> bytes:
        footer = blocks.Footer(certification="上記のとおり国民健康保険税を賦課したので通知します。", issued_on=today,
                               mayor=blocks.mayor_title(municipality), fee=0, url=url, noun="通知書",
                               seal=blocks.seal_image(municipality))
        data, _pages = blocks.render(title, pages, footer, author=blocks.author(municipality))
        return data

    with transaction.atomic():
        document, data = documents.issue_document(
            "insurance.nhi_tax_notice", title, build, fee=0, subject_ref=f"nhi_assessment:{a.pk}:v{a.version}",
            purpose="国保税の納税通知")
        audit.record("insurance.notice_issued", obj=a, detail={"number": document.number})
    return data, document.number


ELIGIBILITY_DOCUMENTS = {
    "certificate": ("insurance.eligibility_certificate", "国民健康保険 資格確認書",
                    "上記の者は国民健康保険の被保険者であることを確認します。", "確認書", "資格確認書の交付"),
    "notice": ("insurance.eligibility_notice", "国民健康保険 資格情報のお知らせ",
               "マイナ保険証をお持ちの方へ、あなたの資格情報をお知らせします。", "お知らせ", "資格情報のお知らせの交付"),
}


def eligibility_certificate(person_no: int, which: str = "certificate") -> tuple[bytes, int]:
    """資格確認書 (the card issued instead of the 保険証) or 資格情報のお知らせ (for holders of a マイナ保険証)."""
    kind, title, certification, noun, purpose = ELIGIBILITY_DOCUMENTS[which]
    coverage = Coverage.objects.filter(person_no=person_no, coverage_end__isnull=True).select_related(
        "household").first()
    if coverage is None:
        raise NotFound("国保の資格がない方には資格確認書を交付できません。")
    person = public.person(person_no)
    head = public.person(coverage.household.head_person_no)
    municipality = require_municipality()
    header = blocks.lay_block([
        blocks.Cell("氏名", person.full_name if person else str(person_no), wide=True, big=True, mj=True),
        blocks.Cell("生年月日", format_wareki(person.birth_date) if person and person.birth_date else ""),
        blocks.Cell("資格取得年月日", format_wareki(coverage.coverage_start)),
        blocks.Cell("世帯主", head.full_name if head else "", mj=True),
        blocks.Cell("記号・番号", f"{municipality.code}-{coverage.household.household_no}-{person_no}"),
        blocks.Cell("保険者", f"{municipality}"),
        blocks.Cell("一部負担金の割合", "3割（70歳以上は別途）", wide=True),
    ])
    pages = blocks.paginate(header, [])
    today = timezone.localdate()

    def build(url: VerificationUrl) -> bytes:
        footer = blocks.Footer(certification=certification, issued_on=today, mayor=blocks.mayor_title(municipality),
                               fee=0, url=url, noun=noun, seal=blocks.seal_image(municipality))
        data, _pages = blocks.render(title, pages, footer, author=blocks.author(municipality))
        return data

    document, data = documents.issue_document(kind, title, build, fee=0, subject_ref=f"registry.person:{person_no}",
                                              purpose=purpose)
    return data, document.number
