"""Issuing a document: number, verification code, the PDF built with its URL, the register, the public index,
the audit record and the meter, in one transaction. And verifying one, for the public page.

An app calls `issue_document` inside its own transaction (it may then store its own record of the document in
the same one); `build_pdf` receives the verification URL (carrying `.code` and `.number`) and returns the PDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from lgcloud.platform import metering
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.documents.codes import VerificationUrl, format_code, new_verification_code, normalize_code
from lgcloud.platform.documents.models import DocumentCounter, IssuedDocument, VerificationEntry
from lgcloud.platform.documents.pdf import count_pages
from lgcloud.platform.tenancy.context import current_actor, require_municipality
from lgcloud.platform.tenancy.models import Municipality

METER = "certificates_issued"
_KIND_RE = re.compile(r"([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)")


def _app_of(kind: str) -> str:
    match = _KIND_RE.fullmatch(kind or "")
    if match is None:
        raise ValidationFailed(f"文書の種類「{kind}」は「業務のラベル.種類」（例: registry.residence_certificate）"
                               "の形で指定してください。", field="kind")
    label = match.group(1)
    try:
        apps.get_app_config(label)
    except LookupError:
        raise ValidationFailed(f"文書の種類「{kind}」の業務「{label}」は組み込まれていません。", field="kind") from None
    return label


def next_number(app_label: str) -> int:
    counter = DocumentCounter.objects.select_for_update().filter(app_label=app_label).first()
    if counter is None:
        counter = DocumentCounter.objects.create(app_label=app_label, value=0)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def new_code(reserved: Iterable[str] = ()) -> str:
    """A verification code not in the public index (nor among `reserved`: codes given but not yet recorded)."""
    taken = set(reserved)
    code = new_verification_code()
    while code in taken or VerificationEntry.objects.filter(code=code).exists():
        code = new_verification_code()
    return code


def issue_document(
    kind: str,
    title: str,
    build_pdf: Callable[[VerificationUrl], bytes],
    *,
    fee: int,
    subject_ref: str = "",
    issued_at: dt.datetime | None = None,
    purpose: str = "",
    detail: dict[str, Any] | None = None,
) -> tuple[IssuedDocument, bytes]:
    """Issue one document of `kind` ("<app label>.<kind>") titled `title` (Japanese, shown on /verify/).

    Gives it the next number of its app's series and a verification code, calls `build_pdf(url)` for the bytes
    (url is the verification URL to print; url.code and url.number are the code and number), and stores the
    register row, the public index row, the audit record (documents.issued) and the meter — in one transaction
    (a savepoint of the caller's). Returns the register row and the exact bytes to hand over."""
    app_label, title = validate(kind, title, fee)
    municipality = require_municipality()
    with transaction.atomic():
        number = next_number(app_label)
        code = new_code()
        data = build_pdf(VerificationUrl(code, number))
        document = record_issued(municipality, app_label, kind, title, number, code, data, fee=int(fee),
                                 subject_ref=subject_ref, issued_at=issued_at or timezone.now(), purpose=purpose,
                                 detail=detail)
    return document, data


def validate(kind: str, title: str, fee: int) -> tuple[str, str]:
    """The issuing app's label and the title, stripped; raises ValidationFailed on bad input."""
    app_label = _app_of(kind)
    title = str(title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed("文書の表題を200文字以内で指定してください。", field="title")
    if int(fee) < 0:
        raise ValidationFailed("手数料は0円以上で指定してください。", field="fee")
    return app_label, title


def record_issued(municipality: Municipality, app_label: str, kind: str, title: str, number: int, code: str,
                  data: bytes, *, fee: int, subject_ref: str, issued_at: dt.datetime, purpose: str,
                  detail: dict[str, Any] | None) -> IssuedDocument:
    """The register row, the public index row, the audit record and the meter of a document whose number and code
    were given and whose bytes are `data` (in the caller's transaction, the municipality and actor in context)."""
    if not isinstance(data, bytes) or not data.startswith(b"%PDF"):
        raise ValueError("build_pdf must return the PDF's bytes")
    document = IssuedDocument.objects.create(
        number=number, app_label=app_label, kind=kind, title=title, verification_code=code,
        content_hash=hashlib.sha256(data).hexdigest(), page_count=count_pages(data), fee=fee,
        issuer=current_actor().username, issued_at=issued_at, subject_ref=str(subject_ref)[:200])
    _index(document)
    audit.record("documents.issued", obj=document, purpose=purpose[:200],
                 detail={"kind": kind, "number": number, "fee": document.fee, "pages": document.page_count,
                         "subject_ref": document.subject_ref, **(detail or {})})
    metering.record(METER, municipality=municipality)
    return document


def _index(document: IssuedDocument) -> VerificationEntry:
    return VerificationEntry.objects.create(
        code=document.verification_code, municipality_id=document.municipality_id, issued_at=document.issued_at,
        kind=document.kind, title=document.title, content_hash=document.content_hash,
        page_count=document.page_count)


@dataclass(frozen=True)
class Verification:
    """What the public page may show of an issued document: nothing personal."""

    code: str  # as printed, grouped
    municipality: str  # 都道府県 + 市区町村
    issued_at: dt.datetime
    title: str
    kind: str
    page_count: int
    content_hash: str

    def matches(self, chunks: Iterable[bytes]) -> bool:
        """Whether a file (read in chunks) is byte for byte the PDF that was issued."""
        digest = hashlib.sha256()
        for chunk in chunks:
            digest.update(chunk)
        return hmac.compare_digest(digest.hexdigest(), self.content_hash)


def verify(code: str) -> Verification | None:
    """The issued document with this code (typed or scanned in any usual form), from any app and municipality,
    or None. Reads only the public index; needs no tenant."""
    canonical = normalize_code(code)
    if canonical is None:
        return None
    entry = VerificationEntry.objects.select_related("municipality").filter(code=canonical).first()
    if entry is None:
        return None
    return Verification(code=format_code(entry.code),
                        municipality=f"{entry.municipality.prefecture}{entry.municipality.name}",
                        issued_at=entry.issued_at, title=entry.title, kind=entry.kind, page_count=entry.page_count,
                        content_hash=entry.content_hash)
