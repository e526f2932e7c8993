"""In Chromium: the 伊奈町 collection clerk posts a counter payment on a taxpayer's account (名寄せ) and issues the
督促状 for the instalment still unpaid 20 days after its 納期限, downloading the PDF; axe-clean pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import INA_CODE, log_in

pytestmark = pytest.mark.browser
PERSON = 9_001


def _bills() -> str:
    from lgcloud.areas.revenue.models import Bill
    from lgcloud.platform import levies
    from lgcloud.platform.tenancy.context import Actor, municipality_scope
    from lgcloud.platform.tenancy.models import Municipality

    ina = Municipality.objects.get(code=INA_CODE)
    with municipality_scope(ina, Actor("seed", "system", "system")):
        levies.submit_bills(levies.BillSet(
            levy="property_tax", fiscal_year=2025, person_no=PERSON, reason="当初賦課", effective_on=dt.date(2025, 4, 1),
            lines=(levies.BillLine(1, dt.date(2025, 6, 30), 40_000), levies.BillLine(2, dt.date(2025, 7, 31), 30_000))))
        return Bill.objects.get(person_no=PERSON, installment=1).payment_ref


def test_collection_clerk_posts_a_payment_and_issues_a_reminder(page: Page, demo: Any,
                                                                axe_check: Callable[[Page], None]) -> None:
    first_ref = _bills()
    log_in(page, f"{INA_CODE}-collection")
    page.goto(f"/revenue/accounts/{PERSON}/")
    expect(page.get_by_role("heading", name=f"収納状況（名寄せ）　宛名番号 {PERSON}", exact=False)).to_be_visible()
    expect(page.locator("#rv-outstanding")).to_have_text("70,000円")
    axe_check(page)
    page.get_by_label("金額（円）", exact=True).fill("40000")
    page.get_by_label("納付日（空欄は今日）").fill("令和7年6月20日")
    page.get_by_label("納付番号（納付書の期別に充てるとき）").fill(first_ref)
    page.get_by_role("button", name="収納を登録する").click()
    expect(page.get_by_text("を消し込みました", exact=False)).to_be_visible()
    expect(page.locator("#rv-outstanding")).to_have_text("30,000円")
    # the second instalment (納期限 令和7年7月31日) is still unpaid 20 days later: its 督促状
    page.goto("/revenue/reminders/")
    page.get_by_label("発付日（空欄は今日）").fill("2025-08-20")
    page.get_by_role("button", name="督促状を発付する").click()
    expect(page.get_by_text("督促状 1件を発付しました", exact=False)).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").first.click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF") and download.value.suggested_filename.startswith("tokusoku_20250820")
