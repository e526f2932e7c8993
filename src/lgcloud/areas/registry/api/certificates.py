"""証明書の交付, its preview and the issued PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Schema, Status

from lgcloud.areas.registry import (
    approvals,
    certificates,
)
from lgcloud.areas.registry.api.common import (
    ERRORS,
    PreparedOut,
    alert,
    need,
    prepared,
)
from lgcloud.areas.registry.models import Certificate
from lgcloud.areas.registry.restrictions import RestrictionAlert
from lgcloud.platform.accounts.roles import Cap

router = Router()


def certificate_out(c: Certificate) -> dict[str, Any]:
    return {"issue_no": c.issue_no, "kind": c.kind, "kind_label": c.get_kind_display(),
            "verification_code": c.verification_code, "verification_url": certificates.verification_url(
                c.verification_code), "fee": c.fee, "pages": c.page_count,
            "pdf_url": reverse("api-v1:registry_certificate_pdf", args=[c.issue_no]) + "?purpose=交付時の出力"}

class PrincipalIn(Schema):
    name: str = ""
    kana: str = ""
    birth_date: str | None = None
    person_no: int | None = None


class RequesterIn(PrincipalIn):
    relationship: str = ""  # 本人・同一世帯の者・代理人・第三者 (or self, same_household, agent, third_party)
    principal: PrincipalIn | None = None


class CertificateIn(Schema):
    kind: str = ""  # residence_certificate / removed_record_certificate / entry_certificate / removed_entry_certificate
    person_nos: list[int] | None = None
    household_no: int | None = None
    members: list[int] | None = None
    layout: str = "household"
    options: dict[str, bool | str] | None = None
    requester: RequesterIn = RequesterIn()
    purpose: str = ""
    as_of: str | None = None
    acknowledge_alerts: bool = False


class CertificateOut(Schema):
    issue_no: int
    kind: str
    kind_label: str
    verification_code: str
    verification_url: str
    fee: int
    pages: int
    pdf_url: str


def _certificate_args(payload: CertificateIn) -> dict[str, Any]:
    return payload.model_dump(mode="json", exclude={"acknowledge_alerts"})


@router.post("/certificates", response={201: CertificateOut, 202: PreparedOut, **ERRORS}, summary="証明書の交付")
def issue_certificate(request: HttpRequest, payload: CertificateIn) -> Status[dict[str, Any]]:
    """Issues the certificate and returns its verification code and where to download the PDF. A request by
    the person a 支援措置 protects from is refused (403)."""
    staff = need(request, Cap.CERTIFICATE_ISSUE, Cap.REGISTRY_PREPARE)
    if not staff.has_cap(Cap.CERTIFICATE_ISSUE):
        return Status(202, prepared(approvals.prepare("issue_certificate", _certificate_args(payload))))
    try:
        certificate, _pdf = certificates.issue_certificate(**_certificate_args(payload),
                                                           acknowledge_alerts=payload.acknowledge_alerts)
    except RestrictionAlert as e:
        return alert(e)
    return Status(201, certificate_out(certificate))


@router.post("/certificates/preview", response={200: None, **ERRORS}, summary="証明書のプレビュー（見本のPDF）")
def preview_certificate(request: HttpRequest, payload: CertificateIn) -> Any:
    need(request, Cap.CERTIFICATE_ISSUE)
    try:
        pdf = certificates.preview_certificate(**_certificate_args(payload),
                                               acknowledge_alerts=payload.acknowledge_alerts)
    except RestrictionAlert as e:
        return alert(e)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="preview.pdf"'
    return response


@router.get("/certificates/{issue_no}/pdf", response={200: None, **ERRORS}, url_name="registry_certificate_pdf",
            summary="交付した証明書のPDF（理由が必要、記録される）")
def certificate_pdf(request: HttpRequest, issue_no: int, purpose: str = "") -> Any:
    need(request, Cap.CERTIFICATE_ISSUE)
    certificate, pdf = certificates.certificate_pdf(issue_no, purpose=purpose)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.issue_no}.pdf"'
    return response
