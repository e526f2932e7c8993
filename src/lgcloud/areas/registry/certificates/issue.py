"""証明書の交付: issuing through the documents platform, the 見本 (preview) and the 再出力 (the stored PDF again).

`issue` runs the 抑止・支援措置 check before its transaction (a refusal is audited and committed there), then in
one transaction issues the document (number, verification code, PDF, hash, public index, meter — see
lgcloud.platform.documents) and stores the certificate with the exact PDF bytes and its audit record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import restrictions
from lgcloud.areas.registry.certificates.codes import FEE_PARAMETER, document_kind
from lgcloud.areas.registry.certificates.content import title_of
from lgcloud.areas.registry.certificates.layout import render_pdf
from lgcloud.areas.registry.certificates.request import CertificateRequest, Prepared, prepare
from lgcloud.areas.registry.models import Certificate
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, NotFound, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of
from lgcloud.platform.documents import services as documents
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.params import services as params
from lgcloud.platform.tenancy.context import current_actor, require_municipality
from lgcloud.platform.tenancy.models import Municipality


def fee_on(on: dt.date, municipality: Municipality) -> int:
    return int(params.value(FEE_PARAMETER, fiscal_year_of(on), municipality))


def _audit_detail(req: Prepared) -> dict[str, Any]:
    return {"kind": req.kind, "layout": req.layout, "persons": [s.person.person_no for s in req.subjects],
            "requester_relationship": req.requester_relationship,
            "options": sorted(k for k, v in req.options.items() if v)}


def _subject_ref(req: Prepared) -> str:
    if req.household_no is not None:
        return f"household:{req.household_no}"
    return "persons:" + ",".join(str(s.person.person_no) for s in req.subjects)


def issue(request: CertificateRequest) -> tuple[Certificate, bytes]:
    """Issue (交付) one certificate: the stored Certificate, linked to its IssuedDocument, and the PDF."""
    req = prepare(request)
    municipality = require_municipality()
    with transaction.atomic():
        issued_at = timezone.now()
        fee = fee_on(timezone.localdate(issued_at), municipality)

        def build(url: VerificationUrl) -> bytes:
            data, _pages = render_pdf(req, municipality, issued_on=timezone.localdate(issued_at), fee=fee, url=url)
            return data

        document, pdf = documents.issue_document(
            document_kind(req.kind), title_of(req), build, fee=fee, subject_ref=_subject_ref(req),
            issued_at=issued_at, purpose=req.purpose)
        certificate = Certificate.objects.create(
            kind=req.kind, issue_no=document.number, persons=[s.person.person_no for s in req.subjects],
            household_no=req.household_no, options=req.options, layout=req.layout, as_of=req.as_of,
            requester_name=req.requester_name, requester_relationship=req.requester_relationship,
            purpose=req.purpose, fee=fee, issued_at=issued_at, issued_by=current_actor().username,
            verification_code=document.verification_code, content_sha256=document.content_hash,
            page_count=document.page_count, pdf=pdf, document=document,
        )
        audit.record("registry.certificate_issued", obj=certificate, purpose=req.purpose,
                     individual_number_shown=req.options["individual_number"],
                     detail={**_audit_detail(req), "issue_no": certificate.issue_no, "fee": fee,
                             "pages": certificate.page_count})
    return certificate, pdf


def preview(request: CertificateRequest) -> bytes:
    """The same document marked 「見本」, without number or code; nothing stored, audited as a read."""
    req = prepare(request)
    municipality = require_municipality()
    today = timezone.localdate()
    with transaction.atomic():
        pdf, _pages = render_pdf(req, municipality, issued_on=today, fee=fee_on(today, municipality))
        audit.record("registry.certificate_previewed", object_type="Person",
                     object_id=",".join(str(s.person.person_no) for s in req.subjects), purpose=req.purpose,
                     individual_number_shown=req.options["individual_number"], detail=_audit_detail(req))
    return pdf


def certificate_pdf(issue_no: int, *, purpose: str) -> tuple[Certificate, bytes]:
    """The stored PDF of an issued certificate, again (再出力); audited as a read."""
    restrictions.require(Cap.CERTIFICATE_ISSUE)
    if not str(purpose or "").strip():
        raise ValidationFailed("再出力の理由を入力してください。", field="purpose")
    certificate = Certificate.objects.filter(issue_no=int(issue_no)).first()
    if certificate is None:
        raise NotFound(f"発行番号 {issue_no} の証明書はありません。")
    restrictions.refuse_redownload(certificate.persons, certificate.issue_no)
    pdf = bytes(certificate.pdf)
    if hashlib.sha256(pdf).hexdigest() != certificate.content_sha256:
        raise LgcloudError(f"発行番号 {issue_no} の保存されたPDFが交付時の内容と一致しません。管理者に連絡してください。")
    with transaction.atomic():
        audit.record("registry.certificate_redownloaded", obj=certificate, purpose=str(purpose).strip()[:200],
                     individual_number_shown=bool(certificate.options.get("individual_number")),
                     detail={"issue_no": certificate.issue_no, "persons": certificate.persons})
    return certificate, pdf
