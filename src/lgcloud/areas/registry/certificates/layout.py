"""The certificate as a PDF, built from the documents platform's blocks: one framed block per person under the
household header (世帯連記式, up to four a page) or one page per person (個人票), then the 認証文, the mayor,
the seal and the QR code."""

from __future__ import annotations

import datetime as dt

from lgcloud.areas.registry.certificates.codes import PERSONS_PER_PAGE
from lgcloud.areas.registry.certificates.content import (
    Heads,
    certification_of,
    header_cells,
    past_of,
    person_cells,
    title_of,
)
from lgcloud.areas.registry.certificates.request import Prepared
from lgcloud.areas.registry.models import CertificateLayout
from lgcloud.platform.documents import pdf
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.tenancy.models import Municipality


def render_pdf(req: Prepared, municipality: Municipality, *, issued_on: dt.date, fee: int,
               url: VerificationUrl | None = None) -> tuple[bytes, int]:
    """The certificate as PDF bytes and its page count. Without `url` (number and code) it is a 見本 (preview)."""
    pdf.register_font()
    heads = Heads(req.as_of)
    blocks = []
    for s in req.subjects:
        past = past_of(s.person, s.state, req.as_of, req.options)
        cells = person_cells(s.state, req.kind, req.options, municipality, past)
        blocks.append(pdf.lay_block(cells + (past.lines if req.options["history"] else [])))
    if req.layout == CertificateLayout.HOUSEHOLD:
        pages = pdf.paginate(pdf.lay_block(header_cells(req.subjects[0].state, req.options, heads)), blocks,
                             per_page=PERSONS_PER_PAGE)
    else:
        pages = [pdf.Page(pdf.lay_block(header_cells(s.state, req.options, heads)), [b])
                 for s, b in zip(req.subjects, blocks, strict=True)]
    footer = pdf.Footer(certification_of(req), issued_on, pdf.mayor_title(municipality), fee, url,
                        seal=pdf.seal_image(municipality))
    return pdf.render(title_of(req), pages, footer, author=pdf.author(municipality))
