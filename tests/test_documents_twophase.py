"""The two-phase document issue: number and code reserved in the caller's transaction, the PDF built by a forked
worker while the caller goes on, the document recorded when the block ends — the same bytes as built in-process,
verifiable on /verify/; a failing worker leaves nothing."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io

import pytest
from django.db import transaction
from django.test import Client
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from lgcloud.areas.revenue import collection
from lgcloud.areas.revenue import pdf as revenue_pdf
from lgcloud.areas.revenue.models import ReminderBatch
from lgcloud.platform import documents
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.documents import pdf
from lgcloud.platform.documents.codes import VerificationUrl
from lgcloud.platform.documents.models import DocumentCounter, IssuedDocument, VerificationEntry
from lgcloud.platform.tenancy.models import Municipality
from tests.test_revenue_collection import D, bill


def note_pdf(municipality: Municipality, subject: str, on: dt.date, url: VerificationUrl) -> bytes:
    """A reproducible PDF (ReportLab's invariant mode, as the 督促状 are built): the same input, the same bytes."""
    buffer = io.BytesIO()
    c = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    c.setAuthor(pdf.author(municipality))
    c.setFont(pdf.register_font(), 12)
    c.drawString(50, 780, f"{subject}　{format_wareki(on)}　{pdf.mayor_title(municipality)}")
    c.drawString(50, 60, f"照合: {url}（第{url.number}号）")
    c.showPage()
    c.save()
    return buffer.getvalue()


def reads_the_database(url: VerificationUrl) -> bytes:
    IssuedDocument.objects.count()  # the worker's guard refuses any statement
    raise AssertionError("not reached")


def raises(url: VerificationUrl) -> bytes:
    raise RuntimeError("printer on fire")


def test_a_pdf_built_by_the_worker_is_the_one_built_in_process_and_verifies(in_a):
    kept: list[tuple[int, bytes]] = []
    with transaction.atomic(), documents.deferred(fork=True) as block:
        reservations = [documents.reserve("testapp.note_certificate", f"メモ記録証明書 {i}",
                                          functools.partial(note_pdf, in_a, f"件名 {i}", D(2026, 4, 1)), fee=0,
                                          subject_ref=f"note:{i}", purpose="テスト") for i in range(3)]
        assert [r.number for r in reservations] == [1, 2, 3] and all(r.block is block for r in reservations)
        for r in reservations:
            assert r.complete(lambda document, data: kept.append((document.number, data))) is None
        assert not IssuedDocument.objects.exists()  # recorded when the block ends
    assert block.worker is None and block.worker_cpu > 0
    assert [number for number, _data in kept] == [1, 2, 3]
    anonymous = Client()
    for r, (_number, data) in zip(reservations, kept, strict=True):
        # byte for byte what this process builds for the same number and code
        assert data == note_pdf(in_a, r.title.replace("メモ記録証明書", "件名"), D(2026, 4, 1), r.url)
        document = IssuedDocument.objects.get(verification_code=r.code)
        assert document.content_hash == hashlib.sha256(data).hexdigest() == r.document.content_hash  # type: ignore
        assert documents.verify(r.code).matches([data])  # type: ignore[union-attr]
        assert AuditRecord.objects.filter(action="documents.issued", object_id=str(document.pk)).count() == 1
        page = anonymous.post(f"/verify/{r.code}/", {"pdf": _upload(data)}).content.decode()
        assert "一致します" in page


def _upload(data: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("d.pdf", data, "application/pdf")


@pytest.mark.parametrize("build", [raises, reads_the_database])
def test_a_failing_worker_raises_and_nothing_is_recorded(in_a, build):
    with pytest.raises(documents.DocumentWorkerFailed, match=r"printer on fire|does not use the database"):
        with transaction.atomic(), documents.deferred(fork=True):
            reservation = documents.reserve("testapp.note_certificate", "メモ記録証明書", build, fee=0)
            assert reservation.block is not None
            reservation.complete()
    assert not IssuedDocument.objects.exists() and not VerificationEntry.objects.exists()
    assert not DocumentCounter.objects.exists()
    assert not AuditRecord.objects.filter(action="documents.issued").exists()


def test_without_the_worker_a_reservation_is_issued_at_once(in_a):
    with transaction.atomic(), documents.deferred():  # the test settings: no fork
        reservation = documents.reserve("testapp.note_certificate", "メモ記録証明書",
                                        functools.partial(note_pdf, in_a, "件名", D(2026, 4, 1)), fee=0)
        assert reservation.block is None
        assert reservation.complete() is not None and IssuedDocument.objects.count() == 1
    with transaction.atomic(), documents.deferred(fork=True):  # a closure cannot be sent: built here
        reservation = documents.reserve("testapp.note_certificate", "メモ記録証明書",
                                        lambda url: note_pdf(in_a, "件名", D(2026, 4, 1), url), fee=0)
        assert reservation.block is None and reservation.complete() is not None
    reservation = documents.reserve("testapp.note_certificate", "メモ記録証明書",  # no block
                                    functools.partial(note_pdf, in_a, "件名", D(2026, 4, 1)), fee=0)
    assert reservation.complete() is not None and IssuedDocument.objects.count() == 3


def test_a_reservation_never_completed_fails_the_block(in_a):
    with pytest.raises(RuntimeError, match="never completed"):
        with transaction.atomic(), documents.deferred(fork=True):
            documents.reserve("testapp.note_certificate", "メモ記録証明書",
                              functools.partial(note_pdf, in_a, "件名", D(2026, 4, 1)), fee=0)
    assert not DocumentCounter.objects.exists()


def test_reminders_issued_in_the_block_keep_the_pdf_the_register_hashed(in_a):
    bill(1, 50_000)
    bill(2, 70_000, levy="resident_tax.ordinary")
    with transaction.atomic(), documents.deferred(fork=True):
        issued = collection.issue_reminders(D(2025, 7, 20))
        batch = ReminderBatch.objects.get()
        assert batch.pdf in (b"", memoryview(b"")) or bytes(batch.pdf) == b""  # not there yet
    batch.refresh_from_db()
    data = bytes(batch.pdf)
    document = IssuedDocument.objects.get(verification_code=batch.verification_code)
    assert document.content_hash == hashlib.sha256(data).hexdigest() and document.number == batch.document_number
    assert data == revenue_pdf.reminders_pdf(in_a, issued, {1: "", 2: ""},
                                             VerificationUrl(batch.verification_code, batch.document_number))
