"""固定資産税 at the counter: 固定資産評価証明書 and 名寄帳の写し of one owner, issued through
lgcloud.platform.documents (numbered, verifiable on /verify/, fee parameter). An owner who is a resident goes
through the register's 抑止・支援措置 check (registry.public.check_request) exactly like the registry's
certificates; a requester who is the person a 支援措置 protects the owner from is refused (audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import public
from lgcloud.areas.taxation.certificates import check_requester, require_requester
from lgcloud.areas.taxation.property_models import (
    CoOwnerGroup,
    OwnerKind,
    Ownership,
    PropertyAssessment,
    PropertyOwner,
    ResidentialKind,
)
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_fiscal_year
from lgcloud.platform.documents import pdf
from lgcloud.platform.documents import services as documents
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import require_municipality

# which → (kind, title, fee parameter, 認証文)
CERTIFICATES = {
    "valuation": ("taxation.valuation_certificate", "固定資産評価証明書", "property_tax.valuation_certificate_fee",
                  "上記のとおり固定資産課税台帳に登録されていることを証明する。"),
    "ledger": ("taxation.owner_ledger_copy", "名寄帳の写し", "property_tax.owner_ledger_copy_fee",
               "この写しは、固定資産課税台帳（名寄帳）の記載事項と相違ないことを証明する。"),
}


@dataclass
class Holding:
    """One parcel or building an owner holds (alone or a share), with its 価格 and 課税標準額 of the year."""

    category: str  # 土地 / 家屋
    description: str
    value: int
    share: str
    tax_base: int | None
    residential: str = ""
    object_type: str = ""  # land / building (for the change screen)
    object_id: int = 0


def taxpayer_numbers(owner: PropertyOwner) -> list[int]:
    """The owner's own taxpayer number and those of every co-owner group it is part of."""
    groups = [g.taxpayer_no for g in CoOwnerGroup.objects.all() if str(owner.pk) in g.owner_ids.split(",")]
    return [owner.taxpayer_no, *groups]


def holdings(owner: PropertyOwner, fiscal_year: int) -> tuple[list[Holding], list[PropertyAssessment]]:
    """What the owner holds in the year and the current assessments that tax it (theirs and their co-owners')."""
    assessments = list(PropertyAssessment.objects.filter(fiscal_year=fiscal_year, is_current=True,
                                                         taxpayer_no__in=taxpayer_numbers(owner)))
    bases: dict[tuple[str, int], int] = {}
    for a in assessments:
        for fact, row in zip(a.facts["land"], a.result["land"], strict=True):
            bases[("land", fact["id"])] = int(row["tax_base"])
        for fact, row in zip(a.facts["buildings"], a.result["buildings"], strict=True):
            bases[("building", fact["id"])] = int(row["tax_base"])
    out: list[Holding] = []
    for o in Ownership.objects.filter(owner=owner).select_related("land", "building").order_by("pk"):
        share = "単独" if o.share_denominator == 1 else f"持分 {o.share_numerator}/{o.share_denominator}"
        if o.land and o.land.fiscal_year == fiscal_year:
            x = o.land
            out.append(Holding("土地", f"{x.location} {x.lot_number}（{x.land_category}・{x.area_m2}㎡）", x.value, share,
                               bases.get(("land", x.pk)), ResidentialKind(x.residential).label, "land", x.pk))
        if o.building and o.building.fiscal_year == fiscal_year:
            b = o.building
            out.append(Holding("家屋", f"{b.location} 家屋番号{b.building_number}（{b.kind}・{b.structure}・"
                                       f"{b.floor_area_m2}㎡）", b.value, share, bases.get(("building", b.pk)), "", "building", b.pk))
    return out, assessments


def _yen(v: int | None) -> str:
    return "－" if v is None else f"{int(v):,}円"


def issue(which: str, fiscal_year: int, owner_id: int, *, requester_name: str, requester_relationship: str,
          purpose: str, requester_kana: str = "", requester_birth_date: dt.date | None = None,
          acknowledge_alerts: bool = False) -> tuple[IssuedDocument, bytes]:
    """Issue the 評価証明書 (`which="valuation"`) or the 名寄帳の写し (`which="ledger"`) of one owner."""
    if which not in CERTIFICATES:
        raise ValidationFailed(f"証明書の種類「{which}」はありません。", field="which")
    kind, title, fee_name, certification = CERTIFICATES[which]
    require_requester(requester_name, purpose)
    owner = PropertyOwner.objects.filter(pk=owner_id).first()
    if owner is None:
        raise NotFound("所有者が見つかりません。")
    protected = False
    if owner.kind == OwnerKind.RESIDENT and owner.person_no:
        check_requester([int(owner.person_no)], kind.split(".", 1)[1], requester_name=requester_name,
                        requester_relationship=requester_relationship, requester_kana=requester_kana,
                        requester_birth_date=requester_birth_date, acknowledge_alerts=acknowledge_alerts)
        view = public.person(int(owner.person_no))
        protected = bool(view and view.protected)
    items, assessments = holdings(owner, fiscal_year)
    if not items:
        raise NotFound(f"{format_fiscal_year(fiscal_year)}にこの所有者の土地・家屋は登録されていません。")
    municipality = require_municipality()
    header = pdf.lay_block([
        pdf.Cell("所有者", owner.name, wide=True, big=True, mj=True),
        pdf.Cell("住所・所在地", "（支援措置のため省略）" if protected else (owner.address or "－"), wide=True, mj=True),
        pdf.Cell("年度", format_fiscal_year(fiscal_year)), pdf.Cell("区分", OwnerKind(owner.kind).label),
    ])
    cells = []
    for h in items:
        text = f"{h.description}　{h.share}　価格 {_yen(h.value)}　課税標準額 {_yen(h.tax_base)}"
        if h.residential and h.category == "土地":
            text += f"　{h.residential}"
        cells.append(pdf.Cell(h.category, text, wide=True))
    blocks = [pdf.lay_block(cells)]
    if which == "ledger":
        blocks.append(pdf.lay_block([pdf.Cell(f"税額（{a.taxpayer_name}）", _yen(a.total)) for a in assessments]))
    with transaction.atomic():
        fee = int(params.value(fee_name, fiscal_year))
        issued_at = timezone.now()
        today = timezone.localdate(issued_at)
        full_title = f"{format_fiscal_year(fiscal_year)} {title}"
        pages = pdf.paginate(header, blocks)

        def build(url: VerificationUrl) -> bytes:
            footer = pdf.Footer(certification=certification, issued_on=today, mayor=pdf.mayor_title(municipality),
                                fee=fee, url=url, seal=pdf.seal_image(municipality))
            data, _pages = pdf.render(full_title, pages, footer, author=pdf.author(municipality))
            return data

        document, data = documents.issue_document(
            kind, full_title, build, fee=fee, subject_ref=f"taxation.property_owner:{owner.pk}", issued_at=issued_at,
            purpose=purpose, detail={"owner_id": owner.pk, "fiscal_year": fiscal_year,
                                     "requester_relationship": requester_relationship})
        audit.record(f"taxation.{which}_certificate_issued", obj=owner, purpose=purpose[:200],
                     detail={"number": document.number, "fee": fee, "requester_name": requester_name,
                             "requester_relationship": requester_relationship})
    return document, data


@dataclass
class OwnerFile:
    owner: PropertyOwner
    fiscal_year: int
    holdings: list[Holding]
    assessments: list[PropertyAssessment]
    protected: bool


def open_owner(owner_id: int, fiscal_year: int) -> OwnerFile:
    """The owner's 名寄帳 screen: holdings, the assessments that tax them with their breakdown (audited)."""
    owner = PropertyOwner.objects.filter(pk=owner_id).first()
    if owner is None:
        raise NotFound("所有者が見つかりません。")
    items, assessments = holdings(owner, fiscal_year)
    view = public.person(int(owner.person_no)) if owner.kind == OwnerKind.RESIDENT and owner.person_no else None
    audit.record("taxation.owner_ledger_read", obj=owner, purpose="名寄帳の照会", detail={"fiscal_year": fiscal_year})
    return OwnerFile(owner, fiscal_year, items, assessments, bool(view and view.protected))


def find_owners(query: str, limit: int = 50) -> list[PropertyOwner]:
    """Owners by part of the name or by 宛名番号 (audited with the ids shown)."""
    text = query.strip()
    if not text:
        raise ValidationFailed("所有者の氏名・名称か宛名番号を入力してください。", field="q")
    qs = PropertyOwner.objects.all()
    qs = qs.filter(person_no=int(text)) if text.isdigit() else qs.filter(name__contains=text.replace(" ", "　")) | \
        qs.filter(name__contains=text)
    rows = list(qs.order_by("pk")[:limit])
    audit.record("taxation.property_search", object_type="PropertyOwner", object_id=",".join(str(o.pk) for o in rows),
                 purpose="固定資産税の照会", detail={"count": len(rows)})
    return rows
