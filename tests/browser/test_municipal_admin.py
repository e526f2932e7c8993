"""A municipality's administrator (団体管理者): parameter settings and the access log, on desk and phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import INA_CODE, NARROW, complete_totp_setup, log_in

pytestmark = pytest.mark.browser

INCOME_RATE = "国保税 医療分 所得割率"


@pytest.fixture
def admin_page(page: Page, demo: Any, url_re: Callable[[str], Any]) -> Page:
    log_in(page, f"{INA_CODE}-admin")
    complete_totp_setup(page)
    expect(page).to_have_url(url_re("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("埼玉県伊奈町")
    return page


def test_out_of_range_rate_is_refused_beside_its_field(
    admin_page: Page, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    page = admin_page
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="パラメータ設定").click()
    expect(page).to_have_url(url_re("/municipality/parameters/"))
    axe_check(page)

    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=INCOME_RATE))
    value = row.get_by_label(f"{INCOME_RATE}の設定値")
    value.fill("25")
    row.get_by_role("button", name="設定").click()

    message = f"{INCOME_RATE}は 0% 以上 20% 以下で入力してください（入力値: 25）。"
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=INCOME_RATE))
    expect(row.get_by_role("alert")).to_have_text(message)
    expect(row.get_by_label(f"{INCOME_RATE}の設定値")).to_have_accessible_description(message)
    expect(row).to_contain_text("標準値")  # nothing was stored
    axe_check(page)
    page.set_viewport_size(NARROW)
    axe_check(page)


def test_access_log_lists_the_logins_and_verifies(
    admin_page: Page, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    page = admin_page
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="アクセスログ").click()
    expect(page).to_have_url(url_re("/municipality/audit/"))
    table = page.get_by_role("table", name="直近100件")
    expect(table).to_contain_text("login.password_ok")
    expect(table).to_contain_text("login.totp_enrolled")
    axe_check(page)

    page.get_by_role("link", name="改ざん検証を実行する").click()
    expect(page.get_by_role("status")).to_contain_text("チェーンは完全です。")
    page.set_viewport_size(NARROW)
    axe_check(page)
