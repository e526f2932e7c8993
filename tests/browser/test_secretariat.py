"""The group secretariat (協議会事務局): first login sets up TOTP, then the group pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROW, SECRETARIAT, complete_totp_setup, log_in

pytestmark = pytest.mark.browser

GROUP = "埼玉県町村情報システム共同化推進協議会"


def test_secretariat_sets_up_two_factor_then_sees_18_members(
    page: Page, demo: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    log_in(page, SECRETARIAT)

    # Password alone is not enough for this role: every page leads to the setup until TOTP is done.
    expect(page).to_have_url(url_re("/two-factor/setup/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("二要素認証の設定")
    expect(page.get_by_role("img", name="認証アプリ登録用のQRコード")).to_be_visible()
    axe_check(page)
    page.goto("/group/members/")
    expect(page).to_have_url(url_re("/two-factor/setup/"))

    complete_totp_setup(page)

    expect(page).to_have_url(url_re("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(GROUP)
    expect(page.locator(".site-user__who")).to_contain_text("（協議会事務局）")

    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="構成団体").click()
    expect(page).to_have_url(url_re("/group/members/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("構成団体")
    table = page.get_by_role("table", name="構成団体の一覧")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(18)
    expect(rows.first).to_contain_text("113018")
    expect(rows.first.get_by_role("rowheader")).to_have_text("埼玉県伊奈町")
    expect(table.get_by_role("rowheader", name="埼玉県宮代町")).to_be_visible()
    expect(table.locator("tbody")).not_to_contain_text("後発団体")
    axe_check(page)
    page.set_viewport_size(NARROW)
    axe_check(page)
    page.set_viewport_size({"width": 1280, "height": 720})

    page.get_by_role("link", name="後発団体を加入させる").click()
    expect(page).to_have_url(url_re("/group/members/join/"))
    expect(page.get_by_label("全国地方公共団体コード（6桁）")).to_be_visible()
    axe_check(page)

    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="パラメータ差分").click()
    expect(page).to_have_url(url_re("/group/deviations/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("パラメータ差分（カスタマイズ比較一覧表）")
    axe_check(page)


def test_wrong_totp_code_is_refused(
    page: Page, demo: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    log_in(page, SECRETARIAT)
    expect(page).to_have_url(url_re("/two-factor/setup/"))
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text().strip())
    accepted = {totp.at(time.time() + drift) for drift in (-60, -30, 0, 30, 60)}  # the server allows ±1 step
    wrong = next(c for c in (f"{n:06d}" for n in range(0, 1_000_000, 111_111)) if c not in accepted)
    page.get_by_label("確認コード").fill(wrong)
    page.get_by_role("button", name="設定を完了する").click()

    expect(page).to_have_url(url_re("/two-factor/setup/"))
    expect(page.get_by_role("alert")).to_contain_text("確認コードが正しくありません")
    axe_check(page)
    page.goto("/group/members/")
    expect(page).to_have_url(url_re("/two-factor/setup/"))
