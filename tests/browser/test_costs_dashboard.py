"""The secretariat's cost dashboard: charts as server-side SVG with the 44.6% reduction, and the
what-if of a later member joining, shown beside today's shares."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROW, SECRETARIAT, complete_totp_setup, log_in

pytestmark = pytest.mark.browser

MOROYAMA = "113263"  # 毛呂山町: not a member of the demo group


@pytest.fixture
def demo_costs(demo: Any) -> Any:
    """The demo group with its illustrative costs (five years at a 44.6% reduction)."""
    from lgcloud.group.costs.demo_data import costs

    costs(demo)
    return demo


def test_secretariat_sees_the_dashboard_and_a_what_if(
    page: Page, demo_costs: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    log_in(page, SECRETARIAT)
    complete_totp_setup(page)
    expect(page).to_have_url(url_re("/"))

    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="費用・負担").click()
    expect(page).to_have_url(url_re("/costs/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("費用の見える化")
    expect(page.locator("#reduction-ratio")).to_have_text("44.6%")
    expect(page.locator("#goal-verdict")).to_contain_text("目標（30%削減）を達成しています")
    expect(page.locator("#illustrative-note")).to_contain_text("例示データ")

    # Four charts, each an image with a name, drawn as SVG on the server.
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(4)
    for name in ("削減率", "構成団体別の年間費用", "住民1人あたりの年間費用", "グループの年度別費用"):
        expect(page.get_by_role("img", name=name)).to_have_count(1)
    members_chart = page.locator("#chart-members")
    expect(members_chart.locator("rect.bar.series-0")).to_have_count(18)  # before: one bar per member
    expect(members_chart.locator("rect.bar.series-1")).to_have_count(18)  # after
    expect(page.locator("#chart-per_resident .point.series-1")).to_have_count(18)
    expect(page.locator("#chart-yearly rect.bar")).to_have_count(5)  # FY2014–2018

    # The same figures in tables.
    members_table = page.get_by_role("table", name="構成団体別の年間費用")
    expect(members_table.locator("tbody tr")).to_have_count(18)
    expect(members_table.locator("tfoot")).to_contain_text("44.6%")
    expect(page.get_by_role("link", name=re.compile(r"^CSV\s*（構成団体別の年間費用"))).to_have_count(1)
    expect(page.get_by_role("link", name=re.compile(r"^Excel\s*（構成団体別の年間費用"))).to_have_count(1)
    axe_check(page)

    # Another period: FY2014 alone.
    page.get_by_label("開始年度").select_option("2014")
    page.get_by_label("終了年度").select_option("2014")
    page.get_by_role("button", name="集計").click()
    expect(page).to_have_url(url_re("/costs/"))
    expect(page.locator("#chart-yearly rect.bar")).to_have_count(1)

    # What-if: 毛呂山町 joins with 33,000 residents.
    page.get_by_role("navigation", name="費用・負担のメニュー").get_by_role("link", name="加入・脱退の試算").click()
    expect(page).to_have_url(url_re("/costs/what-if/"))
    page.get_by_label("年度").select_option("2026")
    page.get_by_label("加入を想定する団体の全国地方公共団体コード（6桁）").fill(MOROYAMA)
    page.get_by_label("加入を想定する団体の人口（人）").fill("33000")
    page.get_by_role("button", name="試算する").click()
    expect(page).to_have_url(url_re("/costs/what-if/"))

    table = page.get_by_role("table", name="令和8年度の負担額の比較（現在と変更後）")
    expect(table.locator("tbody tr")).to_have_count(19)
    headers = table.locator("thead th").all_inner_texts()
    assert headers[3:5] == ["現在の負担額（円）", "変更後の負担額（円）"]
    newcomer = table.locator("tbody tr", has_text=MOROYAMA)
    expect(newcomer).to_contain_text("毛呂山町")
    expect(newcomer).to_contain_text("加入を想定")
    # Every current member pays less; the total stays the same.
    rows = table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.children, c => c.textContent.trim()))")
    for cells in rows:
        if cells[0] == MOROYAMA:
            continue
        now, then = (int(c.replace(",", "")) for c in cells[3:5])
        assert then < now, cells
    foot = table.locator("tfoot tr").first.locator("td").all_inner_texts()
    assert foot[2] == foot[3], foot  # 合計: now = with the newcomer
    axe_check(page)

    # Bad input: a check-digit error is explained, in Japanese, next to the field.
    page.get_by_label("加入を想定する団体の全国地方公共団体コード（6桁）").fill("113264")
    page.get_by_role("button", name="試算する").click()
    expect(page.get_by_role("alert").first).to_contain_text("検査数字が正しくありません")
    axe_check(page)

    # On a phone the wide tables scroll; the page stays accessible.
    page.goto("/costs/")
    page.set_viewport_size({"width": NARROW["width"], "height": NARROW["height"]})
    expect(page.locator("svg.chart")).to_have_count(4)
    axe_check(page)


SECRETARIAT_PAGES = [
    "/costs/shares/?fy=2026",
    f"/costs/what-if/?fiscal_year=2026&join={MOROYAMA}&population=33000&leave=113271",
    "/costs/formula/",
    "/costs/records/?fy=2014",
    "/costs/import/",
    "/costs/fiscal-support/?municipality=113018&fiscal_year=2026&plan=1000000&consultant=abc",
]


def test_every_cost_page_is_accessible_and_reflows(
    new_page: Callable[[], Page], demo_costs: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    secretariat = new_page()
    log_in(secretariat, SECRETARIAT)
    complete_totp_setup(secretariat)
    for url in SECRETARIAT_PAGES:
        secretariat.goto(url)
        expect(secretariat.get_by_role("heading", level=1)).to_be_visible()
        axe_check(secretariat)
    secretariat.set_viewport_size({"width": NARROW["width"], "height": NARROW["height"]})
    for url in SECRETARIAT_PAGES:
        secretariat.goto(url)
        axe_check(secretariat)

    # The municipal administrator: own costs and the fiscal support page, not the group's pages.
    admin = new_page()
    log_in(admin, "113018-admin")
    complete_totp_setup(admin)
    admin.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="費用", exact=True).click()
    expect(admin).to_have_url(url_re("/costs/mine/"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("自団体の費用（伊奈町）")
    admin.get_by_label("金額（円）").fill("-5")
    admin.get_by_role("button", name="登録する").click()
    expect(admin.get_by_role("alert").first).to_contain_text("マイナスは入力できません")
    axe_check(admin)
    admin.get_by_label("金額（円）").fill("250000")
    admin.get_by_role("button", name="登録する").click()
    expect(admin.get_by_role("status")).to_contain_text("費用を登録しました")
    axe_check(admin)
    admin.goto("/costs/fiscal-support/?fiscal_year=2026&plan=1000000")
    expect(admin.locator("#special-allocation-total")).to_contain_text("500,000円")
    axe_check(admin)
    response = admin.goto("/costs/")
    assert response is not None and response.status == 403
    expect(admin.get_by_role("alert")).to_contain_text("この画面を利用する権限がありません")
