"""Documents (platform): issuing any official document and verifying it.

- `issue_document(kind, title, build_pdf, *, fee, subject_ref, ...)` — the issuance register (number, verification
  code, content hash, issuer, fee), the public index, audit and meter in one transaction; `build_pdf(url)` returns
  the PDF for the verification URL it is given (url.code, url.number).
- `reserve(...)` / `deferred()` — the same issue in two phases: number and code given at once, the PDF built by a
  forked worker while the caller goes on, the document recorded when the block ends (`documents/twophase.py`).
- `verify(code)` — what the public /verify/ page shows (nothing personal); `.matches(chunks)` compares a file.
- `lgcloud.platform.documents.pdf` — the building blocks: IPAex font, tables that break across pages, the
  認証文 with the date in 和暦 and the mayor's title, the seal, the QR code.

See docs/documents.md for an example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lgcloud.platform.documents.codes import VerificationUrl
    from lgcloud.platform.documents.services import Verification, issue_document, verify
    from lgcloud.platform.documents.twophase import DocumentWorkerFailed, Reservation, deferred, reserve

__all__ = ["DocumentWorkerFailed", "Reservation", "Verification", "VerificationUrl", "deferred", "issue_document",
           "reserve", "verify"]


def __getattr__(name: str) -> Any:
    # Lazy: this package is imported while the app registry loads, before its models may be.
    if name in ("issue_document", "verify", "Verification"):
        from lgcloud.platform.documents import services

        return getattr(services, name)
    if name == "VerificationUrl":
        from lgcloud.platform.documents import codes

        return codes.VerificationUrl
    if name in ("reserve", "deferred", "Reservation", "DocumentWorkerFailed"):
        from lgcloud.platform.documents import twophase

        return getattr(twophase, name)
    raise AttributeError(name)
