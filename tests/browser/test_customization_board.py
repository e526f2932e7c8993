"""カスタマイズ要望: the secretariat compares two members' requests side by side and makes one standard."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import INA_CODE, NARROW, complete_totp_setup, log_in

pytestmark = pytest.mark.browser

OGOSE_CODE = "113271"  # 埼玉県越生町
TOPIC = "住民票の写しの独自様式"
CAPTION = "カスタマイズ要望の比較（業務・件名ごと、構成団体別）"


@pytest.fixture
def two_requests(demo: Any) -> dict[str, Any]:
    """伊奈町 and 越生町 each file the same topic, through the service, as their administrators."""
    from lgcloud.group.customization import services
    from lgcloud.platform.accounts.models import Staff
    from lgcloud.platform.tenancy.context import Actor, municipality_scope

    filed = {}
    for code, cost, reason in ((INA_CODE, "1200000", "service_level"), (OGOSE_CODE, "1150000", "own_policy")):
        admin = Staff.objects.get(username=f"{code}-admin")
        with municipality_scope(admin.municipality, Actor(admin.username, admin.role, "web", admin.pk)):
            filed[code] = services.file_request(admin, {
                "business_area": "registry", "topic": TOPIC, "reason": reason, "estimated_cost": cost,
                "cases_per_year": "5000", "description": "住民票の写しに町章と独自の注意文言を印字したい。",
            })
    return filed


def _stat(page: Page, key: str) -> Any:
    return page.locator(f"#count-{key}")


def test_secretariat_compares_two_members_and_makes_one_standard(
    secretariat_page: Page, two_requests: dict[str, Any], axe_check: Callable[[Page], None],
    url_re: Callable[[str], Any],
) -> None:
    page = secretariat_page
    ina, ogose = two_requests[INA_CODE], two_requests[OGOSE_CODE]

    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="カスタマイズ要望").click()
    expect(page).to_have_url(url_re("/customization/comparison/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("カスタマイズ要望 比較一覧表")
    table = page.get_by_role("table", name=CAPTION)
    headers = table.locator("thead th")
    expect(headers).to_have_text(["件名", "要望団体数", "見積額合計", "伊奈町", "越生町"])

    # Side by side: one row for the topic, one cell per member.
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=TOPIC))
    expect(row).to_have_count(1)
    cells = row.get_by_role("cell")
    expect(cells.nth(0)).to_have_text("2")
    expect(cells.nth(1)).to_have_text("2,350,000円")
    expect(cells.nth(2)).to_contain_text("1,200,000円")
    expect(cells.nth(2)).to_contain_text("住民サービス水準の保持")
    expect(cells.nth(3)).to_contain_text("1,150,000円")
    expect(cells.nth(3)).to_contain_text("独自施策")
    expect(cells.nth(2)).to_contain_text("検討中")
    expect(cells.nth(3)).to_contain_text("検討中")
    axe_check(page)

    page.get_by_role("link", name="決定状況の集計へ").click()
    expect(page).to_have_url(url_re("/customization/statistics/"))
    expect(_stat(page, "requested")).to_have_text("2")
    expect(_stat(page, "made_standard")).to_have_text("0")
    expect(_stat(page, "open")).to_have_text("2")
    expect(page.get_by_role("link", name="パラメータ差分（カスタマイズ比較一覧表）を見る")).to_have_attribute(
        "href", "/group/deviations/"
    )
    page.get_by_role("link", name="比較一覧表へ").click()
    expect(page).to_have_url(url_re("/customization/comparison/"))

    # Decide 伊奈町's request: 標準機能化.
    cell = page.locator(f"#req-{ina.pk}")
    cell.locator("summary").click()
    form = cell.get_by_role("group", name=f"伊奈町「{TOPIC}」の決定")
    expect(form).to_be_visible()
    expect(form).to_contain_text("単独で負担します")  # what 実施 would mean, said before choosing
    axe_check(page)  # with the decision form open
    form.get_by_role("combobox", name="決定").select_option(label="標準機能化")
    form.get_by_label("決定理由").fill("備考欄の活用で全団体の標準とする。")
    form.get_by_role("button", name="決定を登録").click()

    expect(page).to_have_url(url_re("/customization/comparison/"))
    expect(page.get_by_role("status")).to_contain_text(f"伊奈町「{TOPIC}」を「標準機能化」と決定しました。")
    cell = page.locator(f"#req-{ina.pk}")
    expect(cell).to_contain_text("標準機能化")
    expect(cell.locator("summary")).to_have_count(0)  # decided: no second decision
    expect(page.locator(f"#req-{ogose.pk} summary")).to_have_count(1)  # 越生町's is still open
    axe_check(page)

    page.get_by_role("link", name="決定状況の集計へ").click()
    expect(_stat(page, "requested")).to_have_text("2")
    expect(_stat(page, "made_standard")).to_have_text("1")
    expect(_stat(page, "open")).to_have_text("1")
    expect(_stat(page, "customized")).to_have_text("0")
    expect(page.locator("#suppression")).to_contain_text("決定済み 1件")
    axe_check(page)

    # On a phone the comparison scrolls sideways in a region reachable by keyboard.
    page.set_viewport_size(NARROW)
    axe_check(page)
    page.goto("/customization/comparison/")
    region = page.get_by_role("region", name=CAPTION)
    region.focus()
    expect(region).to_be_focused()
    axe_check(page)


def test_administrator_files_a_request_after_a_refused_cost(
    page: Page, demo: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    log_in(page, f"{INA_CODE}-admin")
    complete_totp_setup(page)
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="カスタマイズ要望").click()
    expect(page).to_have_url(url_re("/customization/requests/"))
    axe_check(page)
    page.get_by_role("link", name="要望を提出する").click()
    expect(page).to_have_url(url_re("/customization/requests/new/"))
    axe_check(page)

    page.get_by_label("業務").select_option(label="税務")
    page.get_by_label("件名").fill("税務の独自減免帳票")
    page.get_by_label("要望内容").fill("町独自の減免の決定通知書を出力したい。")
    page.get_by_label("理由").select_option(label="独自施策")
    page.get_by_label("見積額（円）").fill("-100")
    page.get_by_label("年間件数").fill("120")
    page.get_by_role("button", name="提出する").click()

    cost = page.get_by_label("見積額（円）")
    expect(cost).to_have_attribute("aria-invalid", "true")
    expect(cost).to_have_accessible_description("見積額（円）は0以上で入力してください（入力値: -100）。")
    expect(page.get_by_role("alert")).to_contain_text("1件の項目に誤りがあります")
    expect(page.get_by_label("件名")).to_have_value("税務の独自減免帳票")  # the rest is kept
    axe_check(page)

    cost.fill("1,800,000")
    page.get_by_role("button", name="提出する").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/customization/requests/[0-9]+/\?filed=1$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("カスタマイズ要望「税務の独自減免帳票」")
    expect(page.get_by_role("status")).to_contain_text("要望を提出しました")
    expect(page.locator(".cz-facts")).to_contain_text("1,800,000円")
    axe_check(page)
    page.get_by_label("意見").fill("他団体の状況も教えてください。")
    page.get_by_role("button", name="意見を投稿").click()
    expect(page.locator(".cz-comments")).to_contain_text("他団体の状況も教えてください。")
    axe_check(page)
    page.set_viewport_size(NARROW)
    axe_check(page)
