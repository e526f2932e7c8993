"""The deviation report (カスタマイズ比較一覧表) shows the demo's one deviating rate beside the standard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NARROW, SECRETARIAT, complete_totp_setup, log_in

pytestmark = pytest.mark.browser

INCOME_RATE = "国保税 医療分 所得割率"


@pytest.fixture
def full_demo(live_server: Any, transactional_db: Any) -> Any:
    """The full demo: the foundation plus every app's demo steps (伊奈町 sets 6.80% for FY2026)."""
    from lgcloud.platform.demo.loader import load

    return load()


def _table(page: Page) -> list[list[str]]:
    """The deviation table as text, header row first, one list per row (row header included)."""
    return page.locator("#deviation-table").evaluate(
        "t => Array.from(t.querySelectorAll('thead tr, tbody tr'),"
        " r => Array.from(r.children, c => c.textContent.trim()))"
    )


def test_ina_income_rate_deviates_from_standard_in_fy2026(
    page: Page, full_demo: Any, axe_check: Callable[[Page], None], url_re: Callable[[str], Any]
) -> None:
    log_in(page, SECRETARIAT)
    complete_totp_setup(page)
    expect(page).to_have_url(url_re("/"))

    page.goto("/group/deviations/?fy=2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("パラメータ差分（カスタマイズ比較一覧表）")
    table = page.get_by_role("table", name="令和8年度のパラメータ設定（標準値との比較）")
    expect(table).to_have_id("deviation-table")

    header, *rows = _table(page)
    assert header[:2] == ["パラメータ", "標準値"]
    assert len(header) == 2 + 18, header
    ina = header.index("伊奈町")
    by_label = {r[0]: r for r in rows}
    assert INCOME_RATE in by_label, f"no row for {INCOME_RATE}: {list(by_label)}"
    row = by_label[INCOME_RATE]
    assert row[1] == "7.3%"  # 標準値
    assert row[ina] == "6.8%", row
    assert [c for i, c in enumerate(row[2:], start=2) if i != ina] == [""] * 17  # the others follow the standard
    cell = table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=INCOME_RATE)).locator("> *")
    expect(cell.nth(ina)).to_have_class("deviates")  # highlighted
    expect(cell.nth(1)).not_to_have_class("deviates")
    axe_check(page)

    # On a phone the 20 columns scroll sideways; the scrolling region is reachable and scrolls by keyboard.
    page.set_viewport_size(NARROW)
    assert table.evaluate("t => t.parentElement.scrollWidth > t.parentElement.clientWidth"), (
        "the table should overflow at 320px"
    )
    axe_check(page)
    region = page.get_by_role("region", name="令和8年度のパラメータ設定（標準値との比較）")
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle())
    page.set_viewport_size({"width": 1280, "height": 720})

    # FY2025 has no override: the report says everyone follows the standard.
    page.get_by_label("年度", exact=True).select_option("2025")
    page.get_by_role("button", name="表示").click()
    expect(page).to_have_url(url_re("/group/deviations/"))
    expect(page.locator("#deviation-table")).to_have_count(0)
    expect(page.locator(".notice")).to_contain_text("すべての構成団体が標準値どおりです")
