"""A later member (後発団体) joins while the server runs, and its new administrator logs in at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import complete_totp_setup, log_in

pytestmark = pytest.mark.browser

GROUP = "埼玉県町村情報システム共同化推進協議会"
MOROYAMA = "113263"  # 埼玉県毛呂山町 (src/lgcloud/platform/tenancy/data/municipality_codes.csv); not in the demo group


def _fill_join_form(page: Page, code: str, joined_on: dt.date) -> None:
    page.goto("/group/members/join/")
    page.get_by_label("全国地方公共団体コード（6桁）").fill(code)
    page.get_by_label("加入日").fill(joined_on.isoformat())  # <input type="date"> takes ISO dates
    page.get_by_role("button", name="加入させる").click()
    page.wait_for_load_state()


def test_later_member_joins_and_its_admin_logs_in(
    secretariat_page: Page,
    new_page: Callable[[], Page],
    axe_check: Callable[[Page], None],
    url_re: Callable[[str], Any],
) -> None:
    page = secretariat_page
    _fill_join_form(page, MOROYAMA, timezone.localdate())

    status = page.get_by_role("status")
    expect(status).to_contain_text(f"埼玉県毛呂山町（{MOROYAMA}）が{GROUP}に加入しました。")
    username = page.locator("#new-admin-username").inner_text().strip()
    password = page.locator("#new-admin-password").inner_text().strip()
    assert username == f"{MOROYAMA}-admin"
    assert len(password) >= 12, password
    axe_check(page)

    page.get_by_role("link", name="構成団体の一覧へ").click()
    rows = page.get_by_role("table", name="構成団体の一覧").locator("tbody tr")
    expect(rows).to_have_count(19)
    new_row = rows.filter(has_text=MOROYAMA)
    expect(new_row.get_by_role("rowheader")).to_have_text("埼玉県毛呂山町")
    expect(new_row).to_contain_text("後発団体")

    # The new administrator, at another desk (own cookies), with the same running server.
    admin = new_page()
    log_in(admin, username, password)
    expect(admin).to_have_url(url_re("/two-factor/setup/"))
    complete_totp_setup(admin)
    expect(admin).to_have_url(url_re("/"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("埼玉県毛呂山町")
    expect(admin.locator(".site-user__who")).to_contain_text("（団体管理者）")
    axe_check(admin)


def test_wrong_check_digit_is_refused_and_creates_nothing(
    secretariat_page: Page, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    from lgcloud.platform.accounts.models import Staff
    from lgcloud.platform.tenancy.models import Membership, Municipality

    before = (Municipality.objects.count(), Membership.objects.count(), Staff.objects.count())
    page = secretariat_page
    _fill_join_form(page, "113264", timezone.localdate())

    expect(page).to_have_url(url_re("/group/members/join/"))
    message = "全国地方公共団体コード「113264」の検査数字が正しくありません（末尾は 3 になるはずです）。"
    expect(page.get_by_role("alert")).to_have_text(message)
    code_input = page.get_by_label("全国地方公共団体コード（6桁）")
    expect(code_input).to_have_value("113264")
    # The message is tied to the field, so a screen reader reads it with the field.
    expect(code_input).to_have_attribute("aria-invalid", "true")
    expect(code_input).to_have_accessible_description(message)
    expect(page.get_by_role("status")).to_have_count(0)
    expect(page.locator("#new-admin-username")).to_have_count(0)
    axe_check(page)

    after = (Municipality.objects.count(), Membership.objects.count(), Staff.objects.count())
    assert after == before
    assert not Staff.objects.filter(username="113264-admin").exists()
    page.goto("/group/members/")
    expect(page.get_by_role("table", name="構成団体の一覧").locator("tbody tr")).to_have_count(18)
