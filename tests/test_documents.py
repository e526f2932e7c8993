"""The documents platform: a document issued by any app verifies on /verify/; old certificates keep verifying."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import subprocess

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lgcloud.areas.registry import certificates
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.models import Certificate
from lgcloud.platform import metering
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.documents import issue_document, pdf, verify
from lgcloud.platform.documents.codes import format_code
from lgcloud.platform.documents.models import DocumentCounter, IssuedDocument, VerificationEntry
from tests.testapp.documents import issue_note_certificate
from tests.testapp.models import Note

copy_certificates = importlib.import_module(
    "lgcloud.areas.registry.migrations.0014_certificate_document_per_municipality").copy_per_municipality


def upload(client: Client, url: str, data: bytes) -> str:
    return client.post(url, {"pdf": SimpleUploadedFile("d.pdf", data, "application/pdf")}).content.decode()


def test_a_document_of_a_test_only_app_verifies_and_a_tampered_upload_does_not(in_a):
    note = Note.objects.create(subject="窓口メモ", body="本文は照合ページに出ない")
    document, data = issue_note_certificate(note)
    assert data.startswith(b"%PDF") and document.number == 1 and document.app_label == "testapp"
    assert document.kind == "testapp.note_certificate" and document.page_count == 1 and document.fee == 200
    assert document.subject_ref == f"note:{note.pk}" and document.issuer == "test"
    assert AuditRecord.objects.filter(action="documents.issued", object_id=str(document.pk)).count() == 1
    this_month = metering.month_of(None)
    assert metering.usage([in_a.pk], "certificates_issued", [this_month])[in_a.pk] == {this_month: 1}
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert format_code(document.verification_code) in text and "伊奈町長" in text and "第1号" in text

    url = f"/verify/{document.verification_code}/"
    anonymous = Client()
    page = anonymous.get(url).content.decode()
    assert "メモ記録証明書" in page and "埼玉県伊奈町" in page and "1ページ" in page
    assert "窓口メモ" not in page and "本文は照合ページに出ない" not in page
    assert "一致します" in upload(anonymous, url, data)
    assert "一致しません" in upload(anonymous, url, data.replace(b"%%EOF", b"%%EOF\n%", 1))
    # The typed code, in any usual form, finds it; the registry's numbering is a series of its own.
    assert verify(format_code(document.verification_code).lower()).title == "メモ記録証明書"
    assert issue_note_certificate(note)[0].number == 2


def test_kind_names_an_installed_app(in_a):
    def build(url: str) -> bytes:
        raise AssertionError("not reached")

    with pytest.raises(ValidationFailed, match="業務のラベル"):
        issue_document("note_certificate", "メモ", build, fee=0)
    with pytest.raises(ValidationFailed, match="組み込まれていません"):
        issue_document("nowhere.income_certificate", "所得証明書", build, fee=0)
    assert not IssuedDocument.objects.exists() and not VerificationEntry.objects.exists()


def test_a_failing_build_leaves_nothing(in_a):
    def build(url: str) -> bytes:
        raise RuntimeError("printer on fire")

    with pytest.raises(RuntimeError):
        issue_document("testapp.note_certificate", "メモ記録証明書", build, fee=0)
    assert not IssuedDocument.objects.exists() and not VerificationEntry.objects.exists()
    assert not AuditRecord.objects.filter(action="documents.issued").exists()


def test_the_data_migration_keeps_an_old_certificate_verifiable(in_a):
    person = move_in(
        persons=[{"family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
                  "birth_date": "1985-04-02", "sex": "male", "relationship": "世帯主"}],
        address={"address": "埼玉県北足立郡伊奈町小室1-1"}, effective_on="2020-04-01", notified_on="2020-04-05",
        previous_address="東京都新宿区西新宿2-8-1").persons[0]
    cert, data = certificates.issue_certificate(kind="residence_certificate", person_nos=[person.person_no],
                                                layout="single", requester={"name": "山田　太郎", "relationship": "本人"},
                                                purpose="確認")
    # As a certificate issued before the register existed: no IssuedDocument, no public entry, no series.
    old = cert.document
    Certificate.objects.filter(pk=cert.pk).update(document=None)
    old.delete()
    VerificationEntry.objects.all().delete()
    DocumentCounter.objects.all().delete()
    url = f"/verify/{cert.verification_code}/"
    assert Client().get(url).status_code == 404

    copy_certificates(django_apps, None)
    copy_certificates(django_apps, None)  # a second run finds nothing to do

    cert.refresh_from_db()
    document = cert.document
    assert (document.verification_code, document.content_hash, document.number, document.kind) == (
        cert.verification_code, cert.content_sha256, cert.issue_no, "registry.residence_certificate")
    page = Client().get(url).content.decode()
    assert "住民票の写し" in page and "埼玉県伊奈町" in page and "山田" not in page
    assert "一致します" in upload(Client(), url, data)
    assert "一致しません" in upload(Client(), url, data + b"\n")
    # The series goes on after the migrated numbers.
    again, _ = certificates.issue_certificate(kind="residence_certificate", person_nos=[person.person_no],
                                              layout="single", requester={"name": "山田　太郎", "relationship": "本人"},
                                              purpose="確認")
    assert again.issue_no == cert.issue_no + 1 == again.document.number


def test_page_count_of_a_rendered_document(in_a):
    blocks = [pdf.lay_block([pdf.Cell(f"項目{i}", "値" * 40, wide=True) for i in range(12)]) for _ in range(9)]
    footer = pdf.Footer("上記のとおり証明する。", dt.date(2026, 4, 1), pdf.mayor_title(in_a), 0)
    data, pages = pdf.render("頁数の確認", pdf.paginate([], blocks), footer, author=pdf.author(in_a))
    assert pages > 2 and pdf.count_pages(data) == pages
