"""Certificates print every character of a name (issue 15, item 9): names and addresses in IPAmj明朝 (embedded),
𠮷 printed and extracted as 𠮷, and a name with a character the font lacks refused before anything is issued."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.models import Certificate, Person
from lgcloud.platform.common import glyphs
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.documents.models import VerificationEntry
from tests.test_certificates import issue, text_pages

pytestmark = pytest.mark.skipif(not glyphs.IPAMJ.is_file(), reason="fonts-ipamj-mincho is not installed")


def _resident(family: str, given: str, address: str = "埼玉県北足立郡伊奈町小室1-1"):
    return move_in(persons=[{"family_name": family, "given_name": given, "family_name_kana": "ヨシダ",
                             "given_name_kana": "タカコ", "birth_date": "1985-04-02", "sex": "female",
                             "relationship": "世帯主"}],
                   address={"address": address}, effective_on="2020-04-01", notified_on="2020-04-05",
                   previous_address="東京都").persons[0]


def _issue(person):
    return issue(person_nos=[person.person_no], layout="single",
                 requester={"name": f"{person.family_name}　{person.given_name}", "relationship": "本人",
                            "birth_date": "1985-04-02"})


def test_yoshida_prints_tsuchiyoshi_and_embeds_ipamj(in_a):
    person = _resident("𠮷田", "髙子", address="埼玉県北足立郡伊奈町小室\U00020BB71-1")
    cert, pdf = _issue(person)
    (page,) = text_pages(pdf)
    assert "𠮷田髙子" in page and "小室𠮷1-1" in page
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        mj = [line for line in fonts.splitlines() if "IPAmjMincho" in line]
        assert mj and " yes yes yes " in mj[0]  # embedded, subset, with a ToUnicode map
    assert cert.page_count == 1


def test_ivs_selector_is_dropped_knowingly_when_printing(in_a):
    _cert, pdf = _issue(_resident("葛\U000E0100西", "花子"))
    assert "葛西花子" in text_pages(pdf)[0]


@pytest.mark.parametrize("given, shown", [("花😀", "「😀」（U+1F600）"), ("花\ue000", "外字（私用領域の文字）「〓」（U+E000）")])
def test_a_character_missing_from_the_font_refuses_and_records_nothing(in_a, given, shown):
    person = _resident("吉田", "花子")
    Person.objects.filter(pk=person.pk).update(given_name=given)  # as stored before the checks (an old import)
    person.refresh_from_db()
    with pytest.raises(ValidationFailed, match=re.escape(shown)) as e:
        _issue(person)
    assert "氏名" in e.value.message and "発行していません" in e.value.message
    assert Certificate.objects.count() == 0 and VerificationEntry.objects.count() == 0


def test_screens_show_a_placeholder_and_a_warning_for_a_stored_private_use_character(in_a, staff_of):
    from tests.conftest import logged_in

    person = _resident("吉田", "花子")
    Person.objects.filter(pk=person.pk).update(given_name="花\ue000")  # as stored before the checks
    page = logged_in(staff_of["counter_clerk"]).get(f"/registry/persons/{person.person_no}/")
    html = page.content.decode()
    assert page.status_code == 200 and "\ue000" not in html
    assert "花〓" in html and "外字（私用領域の文字 U+E000）" in html and 'role="alert"' in html
