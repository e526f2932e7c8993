"""In Chromium: after a 転入, the 伊奈町 insurance clerk confirms the proposed 国保 加入 in the 処理待ち一覧 and sees
the household's recalculated 国保税 with its breakdown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import INA_CODE, log_in

pytestmark = pytest.mark.browser


def _move_in_and_assess() -> int:
    from lgcloud.areas.insurance import assessment, services
    from lgcloud.areas.registry.actions.move_in import move_in
    from lgcloud.platform import events
    from lgcloud.platform.tenancy.context import Actor, municipality_scope
    from lgcloud.platform.tenancy.models import Municipality

    ina = Municipality.objects.get(code=INA_CODE)
    with municipality_scope(ina, Actor("seed", "system", "system")):
        assessment.assess_all(2026)
        r = move_in(persons=[{"family_name": "保険", "given_name": "転子", "family_name_kana": "ホケン",
                              "given_name_kana": "テンコ", "birth_date": "1978-07-07", "sex": "female",
                              "relationship": "世帯主"}],
                    address={"address": "埼玉県北足立郡伊奈町小室7-7"}, effective_on="2026-06-01",
                    notified_on="2026-06-01", previous_address="東京都新宿区西新宿2-8-1")
        person_no = r.persons[0].person_no
        services.record_income(person_no, 2025, aggregate_income=2_430_000, salary_revenue=3_600_000)
        assert dt.date(2026, 6, 1) < dt.date.today()
    events.process_pending(municipality=ina)
    return r.households[0].household_no


def test_insurance_clerk_confirms_an_enrolment_and_sees_the_recalculated_tax(page: Page, demo: Any) -> None:
    household_no = _move_in_and_assess()
    log_in(page, f"{INA_CODE}-insurance")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="処理待ち一覧").click()
    page.get_by_role("link", name="国保加入の確認（転入）").click()
    expect(page.get_by_text("令和8年6月1日から国保に加入させる", exact=False)).to_be_visible()
    page.get_by_label("処理メモ（却下するときは理由を必ず入力）").fill("社会保険の資格喪失証明書を確認")
    page.get_by_role("button", name="提案どおり処理する（承認）").click()
    expect(page.get_by_text("国保税を再計算しました", exact=False)).to_be_visible()
    page.goto(f"/insurance/households/{household_no}/")
    expect(page.get_by_role("heading", name="令和8年度 国保税", exact=False)).to_be_visible()
    # June–March (10 months) of 医療・支援・介護・子ども子育て支援
    expect(page.get_by_role("table", name="内訳")).to_contain_text("医療分")
    expect(page.get_by_role("table", name="内訳")).to_contain_text("子ども・子育て支援納付金分")
