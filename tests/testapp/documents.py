"""A test-only app issuing its own document through lgcloud.platform.documents, as a tax or insurance area would:
its own module, the platform's blocks, no registry code."""

from __future__ import annotations

from django.utils import timezone

from lgcloud.platform.documents import issue_document, pdf
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.documents.models import IssuedDocument
from lgcloud.platform.tenancy.context import require_municipality
from tests.testapp.models import Note

FEE = 200


def issue_note_certificate(note: Note) -> tuple[IssuedDocument, bytes]:
    municipality = require_municipality()
    today = timezone.localdate()

    def build(url: VerificationUrl) -> bytes:
        rows = [pdf.lay_block([pdf.Cell("件名", note.subject, wide=True, big=True), pdf.Cell("本文", note.body, wide=True)])]
        footer = pdf.Footer("上記のとおり記録されていることを証明する。", today, pdf.mayor_title(municipality), FEE, url,
                            noun="文書")
        data, _pages = pdf.render("メモ記録証明書", pdf.paginate([], rows), footer, author=pdf.author(municipality))
        return data

    return issue_document("testapp.note_certificate", "メモ記録証明書", build, fee=FEE, subject_ref=f"note:{note.pk}",
                          purpose="テスト")
