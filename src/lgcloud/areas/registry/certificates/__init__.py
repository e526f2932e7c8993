"""証明書の交付 (住民票の写し・除票の写し・記載事項証明書), the registry's client of lgcloud.platform.documents.

- codes: kinds, titles, the items a clerk may choose, the fee parameter
- request: the one request object and its checks (ending in the 抑止・支援措置 check)
- content: what a certificate says (cells, history, 認証文, title)
- layout: the PDF, from the documents platform's blocks
- issue: issuing, the 見本, the 再出力
"""

from __future__ import annotations

import hashlib
from typing import Any

from lgcloud.areas.registry.certificates.codes import FEE_PARAMETER, OPTION_DEFAULTS, OPTION_LABELS, TITLES
from lgcloud.areas.registry.certificates.issue import certificate_pdf, issue, preview
from lgcloud.areas.registry.certificates.request import CertificateRequest, resolve_options
from lgcloud.areas.registry.models import Certificate
from lgcloud.platform.documents.codes import format_code, normalize_code, verification_url
from lgcloud.platform.documents.pdf import FontMissing as CertificateFontMissing
from lgcloud.platform.documents.pdf import find_font

__all__ = [
    "FEE_PARAMETER", "OPTION_DEFAULTS", "OPTION_LABELS", "TITLES", "CertificateFontMissing", "CertificateRequest",
    "certificate_pdf", "find_font", "format_code", "hashlib", "issue", "issue_certificate", "normalize_code",
    "preview", "preview_certificate", "resolve_options", "verification_url",
]


def issue_certificate(**fields: Any) -> tuple[Certificate, bytes]:
    """issue(CertificateRequest(**fields)), for callers that hold the request as keywords (screens, API, approvals)."""
    return issue(CertificateRequest(**fields))


def preview_certificate(**fields: Any) -> bytes:
    """preview(CertificateRequest(**fields))."""
    return preview(CertificateRequest(**fields))
