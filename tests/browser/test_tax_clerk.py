"""In Chromium: a 伊奈町 tax clerk finds a taxpayer, corrects their income (更正), sees the recalculated assessment
with its breakdown, and issues a 所得・課税証明書 (a verifiable PDF)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import INA_CODE, log_in

pytestmark = pytest.mark.browser
FY = 2026


def _taxpayer() -> None:
    from lgcloud.areas.taxation import assessment, incomes
    from lgcloud.platform.tenancy.context import Actor, municipality_scope
    from lgcloud.platform.tenancy.models import Municipality
    from tests.test_taxation_assessment import CSV, make_family

    ina = Municipality.objects.get(code=INA_CODE)
    with municipality_scope(ina, Actor("seed", "system", "system")):
        make_family()
        incomes.import_csv(FY, "kyuyo.csv", CSV.encode())
        assessment.assess_all(FY)


def test_tax_clerk_corrects_income_and_issues_a_certificate(page: Page, demo: Any,
                                                          axe_check: Callable[[Page], None]) -> None:
    _taxpayer()
    log_in(page, f"{INA_CODE}-tax")
    page.goto(f"/tax/?fy={FY}")
    page.get_by_label("宛名番号または氏名").fill("山田　太郎")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name="山田　太郎").click()
    expect(page.locator("#tx-total")).to_have_text("256,500円")
    axe_check(page)
    page.get_by_label("社会保険料", exact=True).fill("1340601")
    page.get_by_label("更正の理由").fill("社会保険料の申告漏れ")
    page.get_by_role("button", name="所得を訂正して更正する").click()
    expect(page.get_by_text("更正しました（第2版、年税額 236,500円）")).to_be_visible()
    expect(page.locator("#tx-total")).to_have_text("236,500円")
    expect(page.get_by_text("更正（社会保険料の申告漏れ）", exact=False).first).to_be_visible()
    page.get_by_label("請求者の氏名").fill("山田　太郎")
    page.get_by_label("使用目的").fill("保育園の申込み")
    with page.expect_download() as download:
        page.get_by_role("button", name="証明書を交付する（PDF）").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as f:
        data = f.read()
    from tests.pdftext import pdf_text

    text = pdf_text(data)
    assert data.startswith(b"%PDF") and "所得・課税証明書" in text and "236,500円" in text
