"""所得・課税証明書 (income_tax_certificate): issued through lgcloud.platform.documents, verifiable on /verify/.

The certificate of FY N shows the income of N − 1 and the 個人住民税 assessed on it (the current version). A
request goes through the register's 抑止・支援措置 check (registry.public.check_request) exactly as the registry's
certificates do: refused (audited) for a requester who is the person a 支援措置 protects the taxpayer from, alerts to
acknowledge otherwise.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import public
from lgcloud.areas.taxation.models import Assessment
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_fiscal_year, format_wareki
from lgcloud.platform.documents import pdf
from lgcloud.platform.documents import services as documents
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import require_municipality

KIND = "taxation.income_tax_certificate"
TITLE = "所得・課税証明書"
SELF = "本人"
RELATIONSHIPS = [(SELF, "本人"), ("同一世帯", "同一世帯の者"), ("代理人", "代理人")]


def _yen(v: int) -> str:
    return f"{int(v):,}円"


def _blocks(a: Assessment, address: str, birth_date: dt.date | None) -> list[list[pdf.Row]]:
    r = a.result
    step = {s["step"]: s["amount"] for s in r["breakdown"]}
    person = pdf.lay_block([
        pdf.Cell("氏名", a.full_name, wide=True, big=True, mj=True),
        pdf.Cell("住所", address or "－", wide=True, mj=True),
        pdf.Cell("生年月日", format_wareki(birth_date) if birth_date else "－"),
        pdf.Cell("年度", f"{format_fiscal_year(a.fiscal_year)}（{format_wareki(dt.date(a.fiscal_year - 1, 1, 1))[:-4]}分所得）"),
    ])
    income = pdf.lay_block([
        pdf.Cell("給与収入", _yen(a.facts["salary_revenue"])), pdf.Cell("給与所得", _yen(r["employment_income"])),
        pdf.Cell("公的年金等収入", _yen(a.facts["pension_revenue"])), pdf.Cell("年金所得", _yen(r["pension_income"])),
        pdf.Cell("その他の所得", _yen(a.facts["other_income"])), pdf.Cell("合計所得金額", _yen(r["total_income"])),
        pdf.Cell("所得控除額", _yen(r["deductions"])), pdf.Cell("課税標準額", _yen(r["taxable_base"])),
    ])
    tax = pdf.lay_block([
        pdf.Cell("市町村民税 所得割", _yen(r["municipal_income_levy"])),
        pdf.Cell("市町村民税 均等割", _yen(r["municipal_per_capita"])),
        pdf.Cell("道府県民税 所得割", _yen(r["prefectural_income_levy"])),
        pdf.Cell("道府県民税 均等割", _yen(r["prefectural_per_capita"])),
        pdf.Cell("森林環境税", _yen(r["forest_environment_tax"])),
        pdf.Cell("調整控除", _yen(step.get("adjustment_credit_municipal", 0) + step.get("adjustment_credit_prefectural", 0))),
        pdf.Cell("年税額", _yen(a.total), wide=True, big=True),
        pdf.Cell("非課税", {"none": "課税", "income_levy": "所得割非課税", "both": "非課税"}.get(r["exempt"], r["exempt"])),
        pdf.Cell("賦課の版", f"第{a.version}版（{a.reason}）"),
    ])
    return [person, income, tax]


def check_requester(person_nos: list[int], kind: str, *, requester_name: str, requester_relationship: str,
                    requester_kana: str = "", requester_birth_date: dt.date | None = None,
                    requester_person_no: int | None = None, acknowledge_alerts: bool = False) -> list[str]:
    """The register's 抑止・支援措置 check of a counter document about these persons, exactly as the registry's
    certificates do it (through registry.public.check_request): a requester who is (or may be) the person a
    支援措置 protects them from is refused (403, audited); otherwise the alerts must be acknowledged (409)."""
    if requester_relationship == SELF and requester_person_no is None and len(person_nos) == 1:
        requester_person_no = person_nos[0]
    try:
        return public.check_request(person_nos, action="issue", requester_name=requester_name,
                                    requester_kana=requester_kana, requester_birth_date=requester_birth_date,
                                    requester_person_no=requester_person_no, acknowledge_alerts=acknowledge_alerts)
    except public.RestrictionRefused as e:
        e.persist()
        with transaction.atomic():
            audit.record(f"taxation.refused.{kind}", object_type="Person",
                         object_id=",".join(str(n) for n in person_nos), purpose=str(e)[:200],
                         detail={"alert": True, "requester_name": requester_name,
                                 "requester_relationship": requester_relationship})
        raise


def require_requester(requester_name: str, purpose: str) -> None:
    if not requester_name.strip():
        raise ValidationFailed("請求者の氏名を入力してください。", field="requester_name")
    if not purpose.strip():
        raise ValidationFailed("証明書の使用目的を入力してください。", field="purpose")


def issue(fiscal_year: int, person_no: int, *, requester_name: str, requester_relationship: str,
          purpose: str, requester_kana: str = "", requester_birth_date: dt.date | None = None,
          acknowledge_alerts: bool = False) -> tuple[IssuedDocument, bytes]:
    """Issue the 所得・課税証明書 of one taxpayer (the current assessment of the year)."""
    require_requester(requester_name, purpose)
    a = Assessment.objects.filter(fiscal_year=fiscal_year, person_no=person_no, is_current=True).first()
    if a is None:
        raise NotFound("この年度の賦課の記録がないため、証明書を発行できません。")
    check_requester([person_no], "income_tax_certificate", requester_name=requester_name,
                    requester_relationship=requester_relationship, requester_kana=requester_kana,
                    requester_birth_date=requester_birth_date, acknowledge_alerts=acknowledge_alerts)
    view = public.person(person_no)
    municipality = require_municipality()
    with transaction.atomic():
        issued_at = timezone.now()
        today = timezone.localdate(issued_at)
        fee = int(params.value("resident_tax.certificate_fee", fiscal_year))
        blocks = _blocks(a, view.address if view else "", view.birth_date if view else None)

        def build(url: VerificationUrl) -> bytes:
            footer = pdf.Footer(certification="上記のとおり相違ないことを証明する。", issued_on=today,
                                mayor=pdf.mayor_title(municipality), fee=fee, url=url,
                                seal=pdf.seal_image(municipality))
            data, _pages = pdf.render(TITLE, pdf.paginate([], blocks), footer, author=pdf.author(municipality))
            return data

        document, data = documents.issue_document(
            KIND, f"{TITLE}（{format_fiscal_year(fiscal_year)}）", build, fee=fee,
            subject_ref=f"taxation.assessment:{a.pk}", issued_at=issued_at, purpose=purpose,
            detail={"person_no": person_no, "fiscal_year": fiscal_year, "version": a.version,
                    "requester_relationship": requester_relationship})
        audit.record("taxation.income_tax_certificate_issued", obj=a, purpose=purpose[:200],
                     detail={"number": document.number, "fee": fee, "requester_name": requester_name,
                             "requester_relationship": requester_relationship})
    return document, data
