"""At the counter of 伊奈町, in Chromium: a family of three moves in through the form, is found by kana,
a 住民票の写し of the household is issued and downloaded, and the public page verifies it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CLERK, NARROW, log_in

pytestmark = pytest.mark.browser

FAMILY = [
    # 氏, 名, 氏（フリガナ）, 名（フリガナ）, 生年月日, 性別, 続柄
    ("伊奈", "太郎", "いな", "たろう", "昭和60年4月2日", "男", "世帯主"),
    ("伊奈", "花子", "イナ", "ハナコ", "1987-09-15", "女", "妻"),
    ("伊奈", "一郎", "ｲﾅ", "ｲﾁﾛｳ", "H22.1.20", "男", "子"),
]


def label(text: str) -> re.Pattern[str]:
    """A field's label, with or without the 必須 mark."""
    return re.compile(rf"^{re.escape(text)}\s*(必須)?$")


def fill_person(page: Page, n: int, person: tuple[str, ...]) -> None:
    family, given, family_kana, given_kana, birth, sex, relationship = person
    row = page.get_by_role("group", name=f"{n}人目")
    row.get_by_label(label("氏")).fill(family)
    row.get_by_label(label("名")).fill(given)
    row.get_by_label(label("氏（フリガナ）")).fill(family_kana)
    row.get_by_label(label("名（フリガナ）")).fill(given_kana)
    row.get_by_label(label("生年月日")).fill(birth)
    row.get_by_label(label("性別")).select_option(label=sex)
    row.get_by_label(label("続柄")).fill(relationship)


def test_clerk_records_a_family_finds_it_and_issues_a_verified_certificate(
    page: Page, demo: Any, axe_check: Callable[[Page], None], tmp_path: Path
) -> None:
    log_in(page, CLERK)
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="異動届").click()
    page.get_by_role("link", name="転入", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("転入")
    axe_check(page)

    fill_person(page, 1, FAMILY[0])
    for n in (2, 3):
        page.get_by_role("button", name="転入する人を追加").click()
        expect(page.get_by_role("group", name=f"{n}人目")).to_be_visible()
        fill_person(page, n, FAMILY[n - 1])
    # what was typed before adding a person is still there
    expect(page.get_by_role("group", name="1人目").get_by_label(label("名"))).to_have_value("太郎")
    page.get_by_label(label("転入前住所")).fill("東京都新宿区西新宿2-8-1")
    page.get_by_label(label("住所")).fill("埼玉県北足立郡伊奈町小室1-1")
    page.get_by_label(label("方書")).fill("伊奈ハイツ202")
    page.get_by_label(label("異動日")).fill("令和8年4月1日")
    page.get_by_label(label("届出日")).fill("R8.4.3")
    axe_check(page)
    page.get_by_role("button", name="記録する").click()

    expect(page).to_have_url(re.compile(r"/registry/households/\d+/$"))
    expect(page.get_by_role("status").first).to_contain_text("転入を記録しました")
    members = page.get_by_role("table", name="世帯員（世帯内の順）")
    expect(members.get_by_role("row")).to_have_count(4)
    expect(members).to_contain_text("昭和60年4月2日")

    # Search by kana as people type it: half-width katakana, then hiragana.
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="住民検索").click()
    for kana in ("ｲﾅ ﾊﾅｺ", "いな はなこ"):
        field = page.get_by_label(label("フリガナ"))
        field.fill(kana)
        field.press("Enter")
        expect(page.locator("#result-count")).to_have_text("1件")
        expect(page.get_by_role("table", name=re.compile("検索結果"))).to_contain_text("伊奈　花子")
    expect(page).to_have_url(re.compile(r"/registry/search/\?"))  # htmx kept the URL in step
    expect(page.get_by_role("region", name="最近の検索（あなたの検索履歴）").or_(
        page.locator("#history-h").locator(".."))).to_contain_text("ｲﾅ ﾊﾅｺ")
    axe_check(page)

    page.get_by_role("link", name=re.compile(r"伊奈\s*花子の住民票を開く")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("伊奈　花子")
    expect(page.get_by_role("table", name="住所")).to_contain_text("伊奈ハイツ202")
    expect(page.get_by_role("table", name="履歴（新しい順）")).to_contain_text("転入")
    axe_check(page)
    page.set_viewport_size(NARROW)
    axe_check(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name=re.compile("世帯を表示")).click()
    page.get_by_role("link", name="住民票の写しを交付").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("証明書の交付")
    expect(page.get_by_text("1通 300円")).to_be_visible()
    expect(page.get_by_label("世帯連記式")).to_be_checked()
    axe_check(page)
    page.get_by_label(label("請求者と対象者の関係")).select_option(label="本人")
    page.get_by_label(label("請求者の氏名")).fill("伊奈 太郎")
    page.get_by_label(label("請求者の生年月日")).fill("S60.4.2")
    page.get_by_label(label("使用目的")).fill("運転免許証の申請")
    page.get_by_role("button", name="プレビュー", exact=True).click()
    expect(page.get_by_title("証明書のプレビュー（見本）")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="交付する").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("住民票の写し")
    code = page.locator("#verification-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code), code
    axe_check(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="PDFをダウンロード").click()
    saved = tmp_path / "certificate.pdf"
    info.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.goto(f"/verify/{code.replace('-', '')}/")
    expect(page.get_by_role("status")).to_contain_text("埼玉県伊奈町が発行したものです")
