"""Certificate issuance: 住民票の写し・除票の写し・記載事項証明書, the PDF, 抑止・支援措置, and public verification."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from lgcloud.areas.registry import certificates, restrictions
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import move_out
from lgcloud.areas.registry.models import Certificate, Person
from lgcloud.areas.registry.restrictions import RestrictionAlert, RestrictionRefused
from lgcloud.platform import metering
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import NotFound, ValidationFailed
from lgcloud.platform.common.wareki import fiscal_year_of, format_wareki
from lgcloud.platform.documents import pdf as document_pdf
from lgcloud.platform.documents.models import VerificationEntry
from lgcloud.platform.params import services as params

PDFTOTEXT = shutil.which("pdftotext")
NUMBER = "123456789018"
LONG_EXTRA = "グランドメゾン伊奈羽貫第二ステーションフロントレジデンス" * 3 + "1203号室"
SELF = {"name": "山田　太郎", "relationship": "本人", "birth_date": "1985-04-02"}


def _person(family: str, given: str, kana: tuple[str, str], birth: str, sex: str, rel: str, **extra) -> dict:
    return {"family_name": family, "given_name": given, "family_name_kana": kana[0], "given_name_kana": kana[1],
            "birth_date": birth, "sex": sex, "relationship": rel, **extra}


@pytest.fixture
def family(in_a):
    """A household of five: 世帯主 with 個人番号 and certified kana, 妻, three children (one birth year unknown)."""
    r = move_in(
        persons=[
            _person("山田", "太郎", ("ヤマダ", "タロウ"), "1985-04-02", "male", "世帯主", kana_certified=True,
                    individual_number=NUMBER, registered_domicile="埼玉県北足立郡伊奈町小室1", domicile_head="山田　太郎"),
            _person("山田", "花子", ("ヤマダ", "ハナコ"), "1987-09-15", "female", "妻"),
            _person("山田", "一郎", ("ヤマダ", "イチロウ"), "2010-01-20", "male", "子"),
            _person("山田", "二郎", ("ヤマダ", "ジロウ"), "2012-06-01", "male", "子"),
            _person("山田", "三子", ("ヤマダ", "ミツコ"), "2014-01-01", "female", "子", birth_date_precision="year"),
        ],
        address={"address": "埼玉県北足立郡伊奈町小室1-1", "address_extra": "伊奈ハイツ202"},
        effective_on="2020-04-01", notified_on="2020-04-05", previous_address="東京都新宿区西新宿2-8-1",
    )
    return sorted(r.persons, key=lambda p: p.person_no)


def text_pages(pdf: bytes) -> list[str]:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run([PDFTOTEXT, "-layout", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    # Without whitespace: pdftotext widens the ideographic space between family and given names.
    return [re.sub(r"\s+", "", p) for p in out.split("\f") if p.strip()]


def issue(**kwargs):
    kwargs.setdefault("kind", "residence_certificate")
    kwargs.setdefault("requester", SELF)
    kwargs.setdefault("purpose", "勤務先への提出")
    return certificates.issue_certificate(**kwargs)


def test_household_certificate_of_five_is_two_pages_with_the_statement_on_the_last(family):
    head = family[0]
    cert, pdf = issue(household_no=head.household.household_no, layout="household")
    assert pdf.startswith(b"%PDF") and cert.page_count == 2
    assert b"/FontFile2" in pdf and b"IPAexMincho" in pdf  # the TrueType font is embedded
    assert bytes(cert.pdf) == pdf and cert.persons == [p.person_no for p in family]
    assert len(cert.verification_code) == 16 and cert.content_sha256 == certificates.hashlib.sha256(pdf).hexdigest()
    first, last = text_pages(pdf)
    assert "住民票の写し（世帯全員）" in first
    for name in ("山田太郎", "山田花子", "山田一郎", "山田二郎"):
        assert name in first
    assert "山田三子" not in first and "山田三子" in last and "平成26年月日不詳" in last
    assert "昭和60年4月2日" in first and "令和2年4月1日" in first  # 和暦: birth, 住民となった年月日
    assert "伊奈ハイツ202" in first and "転入前住所" in first and "東京都新宿区西新宿2-8-1" in first
    assert "前住所" not in first.replace("転入前住所", "")
    assert "ヤマダタロウ" in first and "********" in first  # certified kana, masked uncertified ones
    statement = "この写しは、世帯全員の住民票の原本と相違ないことを証明する。"
    assert statement not in first and statement in last
    assert "1/2" in first and "2/2" in last
    assert "伊奈町長" in last and format_wareki(timezone.localdate()) in last
    assert f"第{cert.issue_no}号" in last and "300円" in last
    assert certificates.format_code(cert.verification_code) in last and cert.verification_code not in first
    # 個人番号 and 住民票コード are left off by default; 本籍 is printed.
    assert NUMBER not in first and "個人番号" not in first and "住民票コード" not in first
    assert "埼玉県北足立郡伊奈町小室1" in first and "筆頭者" in first
    rec = AuditRecord.objects.get(action="registry.certificate_issued")
    assert rec.purpose == "勤務先への提出" and not rec.individual_number_shown
    this_month, muni_id = metering.month_of(None), family[0].municipality_id
    assert metering.usage([muni_id], "certificates_issued", [this_month])[muni_id] == {this_month: 1}
    index = VerificationEntry.objects.get(code=cert.verification_code)  # the public index, now the documents'
    assert (index.content_hash, index.page_count, index.kind) == (cert.content_sha256, 2,
                                                                  "registry.residence_certificate")


def test_single_person_certificate_and_chosen_members(family):
    head, wife, *_ = family
    cert, pdf = issue(person_nos=[wife.person_no], layout="single", requester={"name": "山田　花子",
                                                                             "relationship": "self"})
    assert cert.page_count == 1 and cert.layout == "single"
    (page,) = text_pages(pdf)
    assert "山田花子" in page and "山田太郎" in page  # 世帯主 is printed by default
    assert "この写しは、住民票の原本と相違ないことを証明する。" in page and "1/1" in page
    cert, pdf = issue(household_no=head.household.household_no, members=[head.person_no, wife.person_no],
                      layout="household", options={"household_head": False})
    (page,) = text_pages(pdf)
    assert "世帯の一部" in page and "山田一郎" not in page and "続柄" not in page
    _cert, pdf = issue(person_nos=[p.person_no for p in reversed(family)], layout="household")
    first, _last = text_pages(pdf)
    assert "世帯全員" in first and first.index("山田太郎") < first.index("山田花子")  # household order
    with pytest.raises(ValidationFailed, match="数字"):
        issue(person_nos=["一"], layout="single")
    assert Certificate.objects.count() == 3 and cert.issue_no == 2


def test_individual_number_only_when_asked_and_then_audited(family):
    head = family[0]
    cert, pdf = issue(person_nos=[head.person_no], layout="single",
                      options={"individual_number": True, "resident_code": True})
    (page,) = text_pages(pdf)
    assert NUMBER in page and "個人番号" in page and "住民票コード" in page
    assert cert.options["individual_number"] is True
    assert AuditRecord.objects.get(action="registry.certificate_issued").individual_number_shown
    with pytest.raises(ValidationFailed, match="第三者"):
        issue(person_nos=[head.person_no], layout="single", options={"individual_number": True},
              requester={"name": "債権者株式会社", "relationship": "third_party"})
    with pytest.raises(ValidationFailed, match="記載事項"):
        issue(person_nos=[head.person_no], layout="single", options={"blood_type": True})


def test_fee_follows_the_parameter_and_the_municipality_override(family, muni_a):
    head = family[0]
    fy = fiscal_year_of(timezone.localdate())
    assert issue(person_nos=[head.person_no], layout="single")[0].fee == params.value(certificates.FEE_PARAMETER, fy)
    params.set_override(muni_a, certificates.FEE_PARAMETER, fy, "200", reason="手数料条例の改正")
    cert, pdf = issue(person_nos=[head.person_no], layout="single")
    assert cert.fee == 200
    assert "200円" in text_pages(pdf)[0]


def test_removed_record_certificate_only_for_removed_records(family):
    head, wife, ichiro, *_ = family
    with pytest.raises(ValidationFailed, match="除票ではありません"):
        issue(kind="removed_record_certificate", person_nos=[ichiro.person_no], layout="single")
    move_out(person_nos=[ichiro.person_no], destination="埼玉県比企郡川島町平沼1", effective_on="2024-05-01",
                      notified_on="2024-04-28")
    with pytest.raises(ValidationFailed, match="除票の写しを選択"):
        issue(person_nos=[ichiro.person_no], layout="single")
    with pytest.raises(ValidationFailed, match="除票ではありません"):
        issue(person_nos=[ichiro.person_no, wife.person_no], layout="household", kind="removed_record_certificate")
    # By household: the 除票 of that household only.
    cert, _pdf = issue(kind="removed_record_certificate", household_no=head.household.household_no)
    assert cert.persons == [ichiro.person_no]
    cert, pdf = issue(kind="removed_record_certificate", person_nos=[ichiro.person_no], layout="single",
                      requester={"name": "山田　太郎", "relationship": "same_household", "person_no": head.person_no})
    (page,) = text_pages(pdf)
    assert "除票の写し" in page and "この写しは、除票の原本と相違ないことを証明する。" in page
    assert "消除事由" in page and "転出" in page and "令和6年5月1日" in page and "埼玉県比企郡川島町平沼1" in page
    assert "山田太郎" in page  # the 世帯主 at the time of removal
    assert cert.kind == "removed_record_certificate"


def test_entry_certificate_and_foreign_resident_items(in_a):
    r = move_in(
        persons=[{"alphabet_name": "NGUYEN VAN AN", "family_name_kana": "グエン", "given_name_kana": "ヴァン　アン",
                  "birth_date": "1995-08-10", "sex": "male", "relationship": "世帯主", "resident_type": "foreign",
                  "nationality": "ベトナム", "foreign_category": "mid_long_term", "residence_status": "技術・人文知識・国際業務",
                  "period_of_stay": "5年", "stay_expires_on": "2029-03-31", "residence_card_number": "AB12345678CD"}],
        address={"address": "埼玉県北足立郡伊奈町羽貫5", "address_extra": LONG_EXTRA}, effective_on="2024-04-01", notified_on="2024-04-02",
        previous_address="ベトナム", from_abroad=True)
    person = r.persons[0]
    _cert, pdf = issue(kind="entry_certificate", person_nos=[person.person_no], layout="single",
                       requester={"name": "NGUYEN VAN AN", "relationship": "本人"},
                       options={"residence_card_number": False})
    (page,) = text_pages(pdf)
    assert "住民票記載事項証明書" in page and "上記の事項は、住民票の記載事項と相違ないことを証明する。" in page
    assert "NGUYENVANAN" in page and "1995年8月10日" in page  # 西暦 for a foreign resident's birth date
    assert "ベトナム" in page and "技術・人文知識・国際業務" in page and "令和11年3月31日" in page
    assert "AB12345678CD" not in page and "中長期在留者" in page
    assert LONG_EXTRA in page.replace("方書", "")  # wrapped inside its cell (beside its label), not cut off


def test_preview_is_marked_and_not_stored_and_redownload_is_the_same_document(family):
    head = family[0]
    pdf = certificates.preview_certificate(kind="residence_certificate", person_nos=[head.person_no], layout="single",
                                           requester=SELF, purpose="窓口での確認")
    (page,) = text_pages(pdf)
    assert "見本" in page and "照合番号" in page
    assert Certificate.objects.count() == 0 and VerificationEntry.objects.count() == 0
    assert AuditRecord.objects.filter(action="registry.certificate_previewed").count() == 1
    cert, original = issue(person_nos=[head.person_no], layout="single")
    assert "見本" not in text_pages(original)[0]
    again, again_pdf = certificates.certificate_pdf(cert.issue_no, purpose="紛失による再出力")
    assert again.pk == cert.pk and again_pdf == original
    assert AuditRecord.objects.filter(action="registry.certificate_redownloaded").count() == 1
    with pytest.raises(NotFound):
        certificates.certificate_pdf(cert.issue_no + 100, purpose="x")


def test_validation(family):
    head = family[0]
    with pytest.raises(ValidationFailed, match="使用目的"):
        issue(person_nos=[head.person_no], layout="single", purpose=" ")
    with pytest.raises(ValidationFailed, match="どちらか一方"):
        issue(person_nos=[head.person_no], household_no=head.household.household_no)
    with pytest.raises(ValidationFailed, match="請求者と対象者の関係"):
        issue(person_nos=[head.person_no], layout="single", requester={"name": "誰か", "relationship": "友人"})
    with pytest.raises(ValidationFailed, match="この世帯の住民ではありません"):
        issue(household_no=head.household.household_no, members=[999999])
    other = move_in(persons=[_person("鈴木", "一", ("スズキ", "ハジメ"), "1970-01-01", "male", "世帯主")],
                             address={"address": "埼玉県北足立郡伊奈町小針新宿1"}, effective_on="2021-01-01",
                             notified_on="2021-01-01", previous_address="東京都").persons[0]
    with pytest.raises(ValidationFailed, match="同じ世帯"):
        issue(person_nos=[head.person_no, other.person_no], layout="household")
    with pytest.raises(ValidationFailed, match="対象者に含まれていません"):
        issue(person_nos=[head.person_no], layout="single",
              requester={"relationship": "本人", "person_no": other.person_no})
    assert Certificate.objects.count() == 0


def test_support_measure_refuses_the_offender_and_alerts_otherwise(family):
    head, wife, *_ = family
    restrictions.register_support_measure(applicant_person_no=wife.person_no, starts_on=timezone.localdate(),
                                          offender_name="佐藤　健太", offender_birth_date=dt.date(1980, 2, 2))
    offender = {"name": "佐藤 健太", "birth_date": "1980-02-02", "relationship": "third_party"}
    with pytest.raises(RestrictionRefused, match="加害者"):
        issue(person_nos=[wife.person_no], layout="single", requester=offender, acknowledge_alerts=True)
    # An agent acting for the offender is refused as well.
    with pytest.raises(RestrictionRefused):
        issue(household_no=head.household.household_no, acknowledge_alerts=True,
              requester={"name": "代理　人", "relationship": "agent", "principal": offender})
    assert AuditRecord.objects.filter(action="registry.refused.issue").count() == 2
    assert Certificate.objects.count() == 0 and VerificationEntry.objects.count() == 0
    with pytest.raises(RestrictionAlert):
        issue(person_nos=[wife.person_no], layout="single", requester={"name": "山田　花子", "relationship": "本人"})
    assert Certificate.objects.count() == 0
    cert, _pdf = issue(person_nos=[wife.person_no], layout="single", acknowledge_alerts=True,
                       requester={"name": "山田　花子", "relationship": "本人"})
    assert cert.pk is not None


def test_refuse_block_stops_issuance(family):
    head = family[0]
    restrictions.set_restriction(action="issue", mode="refuse", starts_on=dt.date(2024, 1, 1), reason="調査中",
                                 person_no=head.person_no)
    with pytest.raises(RestrictionRefused, match="抑止"):
        issue(household_no=head.household.household_no)
    assert Certificate.objects.count() == 0
    assert AuditRecord.objects.filter(action="registry.refused.issue").exists()


def test_public_verification_page(family, muni_a):
    head = family[0]
    cert, pdf = issue(household_no=head.household.household_no)
    url = f"/verify/{cert.verification_code}/"
    anonymous = Client()
    page = anonymous.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and muni_a.name in text and "住民票の写し" in text and "2ページ" in text
    for p in Person.objects.all():
        assert p.family_name + p.given_name not in text.replace("　", "") and p.given_name not in text
    assert "山田" not in text and "伊奈町小室" not in text
    # The printed, grouped code typed in leads to the same page.
    typed = anonymous.get("/verify/", {"code": certificates.format_code(cert.verification_code).lower()})
    assert typed.status_code == 302 and typed["Location"] == url

    ok = anonymous.post(url, {"pdf": SimpleUploadedFile("c.pdf", pdf, "application/pdf")})
    assert ok.status_code == 200 and "一致します" in ok.content.decode()
    tampered = pdf.replace(b"%%EOF", b"%%EOF ", 1)
    bad = anonymous.post(url, {"pdf": SimpleUploadedFile("c.pdf", tampered, "application/pdf")})
    assert bad.status_code == 200 and "一致しません" in bad.content.decode()
    assert anonymous.post(url, {}).status_code == 400

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url, {"pdf": SimpleUploadedFile("c.pdf", pdf, "application/pdf")}).status_code == 403
    too_big = anonymous.post(url, {"pdf": SimpleUploadedFile("c.pdf", b"0" * (11 * 1024 * 1024), "application/pdf")})
    assert too_big.status_code == 413

    unknown = anonymous.get("/verify/AAAAAAAAAAAAAAAA/")
    assert unknown.status_code == 404 and "この番号の証明書は発行されていません" in unknown.content.decode()
    assert anonymous.get("/verify/not-a-code/").status_code == 404
    assert "script-src 'self'" in page["Content-Security-Policy"]


def test_as_of_reads_the_record_as_it_stood(family):
    head = family[0]
    move_within(household_no=head.household.household_no, address={"address": "埼玉県北足立郡伊奈町内宿台3-3"},
                         effective_on="2024-10-01", notified_on="2024-10-03")
    _cert, before = issue(household_no=head.household.household_no, as_of="2024-01-01")
    _cert, now = issue(household_no=head.household.household_no)
    assert "伊奈町小室1-1" in text_pages(before)[0] and "伊奈町内宿台3-3" in text_pages(now)[0]
    assert "山田太郎" in text_pages(before)[0]  # 世帯主 as of that date
    with pytest.raises(ValidationFailed, match="未来"):
        issue(household_no=head.household.household_no, as_of=timezone.localdate() + dt.timedelta(days=1))


@override_settings(LGCLOUD_PUBLIC_URL="https://lgcloud.example.jp/")
def test_the_printed_link_uses_the_public_url(family):
    cert, pdf = issue(person_nos=[family[0].person_no], layout="single")
    assert f"https://lgcloud.example.jp/verify/{cert.verification_code}/" in text_pages(pdf)[0]
    assert certificates.verification_url("X") == "https://lgcloud.example.jp/verify/X/"


def test_missing_font_is_named_in_japanese(monkeypatch, settings, tmp_path):
    settings.LGCLOUD_CERTIFICATE_FONT = str(tmp_path / "none.ttf")
    monkeypatch.setattr(document_pdf, "FONT_DIRS", (tmp_path / "a", tmp_path / "b", tmp_path / "c"))
    with pytest.raises(certificates.CertificateFontMissing, match="fonts-ipaexfont-mincho"):
        certificates.find_font()


def test_another_municipality_cannot_read_the_certificate(family, muni_b, as_municipality):
    cert, _pdf = issue(person_nos=[family[0].person_no], layout="single")
    with as_municipality(muni_b):
        assert not Certificate.objects.exists()
        with pytest.raises(NotFound):
            certificates.certificate_pdf(cert.issue_no, purpose="確認")


def test_removed_entry_certificate(family):
    """除票記載事項証明書: only for a 除票, with the 除票's 認証文 and the removal items."""
    _head, _wife, ichiro, *_ = family
    with pytest.raises(ValidationFailed, match="除票記載事項証明書は交付できません"):
        issue(kind="removed_entry_certificate", person_nos=[ichiro.person_no], layout="single")
    move_out(person_nos=[ichiro.person_no], destination="埼玉県比企郡川島町平沼1", effective_on="2024-05-01",
                      notified_on="2024-04-28")
    cert, pdf = issue(kind="removed_entry_certificate", person_nos=[ichiro.person_no], layout="single")
    (page,) = text_pages(pdf)
    assert "除票記載事項証明書" in page and "上記の事項は、除票の記載事項と相違ないことを証明する。" in page
    assert "消除事由" in page and "令和6年5月1日" in page
    assert cert.kind == "removed_entry_certificate"
    assert VerificationEntry.objects.get(code=cert.verification_code).title == "除票記載事項証明書"


def test_history_on_request_with_the_address_before_the_move(family):
    """With 異動の履歴: 異動前住所 and each 異動 with its date and what changed; off by default."""
    head = family[0]
    move_within(household_no=head.household.household_no, address={"address": "埼玉県北足立郡伊奈町内宿台5"},
                         effective_on="2023-06-10", notified_on="2023-06-12")
    _cert, pdf = issue(person_nos=[head.person_no], layout="single")
    (page,) = text_pages(pdf)
    # 転入前住所 stays where they came from; 異動前住所 is the address before the 転居.
    assert "転入前住所東京都新宿区西新宿2-8-1" in page and "異動前住所埼玉県北足立郡伊奈町小室1-1伊奈ハイツ202" in page
    assert "履歴" not in page
    _cert, pdf = issue(person_nos=[head.person_no], layout="single", options={"history": True})
    text = "".join(text_pages(pdf))
    assert "異動前住所埼玉県北足立郡伊奈町小室1-1伊奈ハイツ202" in text
    assert "令和2年4月1日転入（届出令和2年4月5日）" in text
    assert "令和5年6月10日転居（届出令和5年6月12日）" in text and "「埼玉県北足立郡伊奈町内宿台5」" in text
    # As of a date before the move: neither the move nor an address before it.
    _cert, pdf = issue(person_nos=[head.person_no], layout="single", options={"history": True}, as_of="2022-01-01")
    text = "".join(text_pages(pdf))
    assert "転居" not in text and "異動前住所" not in text
