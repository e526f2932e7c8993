"""収納・滞納 rules to the yen: 延滞金, 還付加算金, the order of 充当, 軽自動車税（種別割）.

The 延滞金 formula as municipalities publish it (e.g. the pages titled 「延滞金について」 of each city,
following 地方税法第326条・附則第3条の2・第20条の4の2):

    延滞金 = 税額(1,000円未満切捨て) × 年2.4%(納期限の翌日から1か月以内) × 日数 ÷ 365
           + 税額(1,000円未満切捨て) × 年8.7%(1か月を経過した日以後)   × 日数 ÷ 365
    （各年の割合は暦年ごと: 令和4年〜令和7年 2.4% / 8.7%、令和8年 2.8% / 9.1%; 閏年も365日;
      税額2,000円未満は延滞金なし; 延滞金の100円未満切捨て; 1,000円未満は徴収しない）

No page could be consulted from this machine, so the two worked cases below are derived by hand from
that formula, with the arithmetic written out; they are what a municipality's page computes.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.calculators import late_fee_calculator, light_vehicle_calculator, refund_interest_calculator
from lgcloud.areas.revenue.rules.allocation import Debt, apply_payment
from lgcloud.areas.revenue.rules.late_fee import late_fee, one_month_end
from lgcloud.platform.common.errors import ValidationFailed

D = dt.date


def fee(tax: int, due: str, paid: str, **extra: object) -> dict:
    return dict(late_fee_calculator({"tax": tax, "due_date": due, "paid_on": paid, **extra}))


def test_worked_case_1_within_one_year():
    """税額 100,000円、納期限 令和7年4月30日、納付日 令和7年7月31日。
    1か月以内: 5月1日〜5月31日 31日  100,000 × 2.4% × 31 ÷ 365 = 74,400 ÷ 365 = 203.8… → 203円
    1か月経過後: 6月1日〜7月31日 61日 100,000 × 8.7% × 61 ÷ 365 = 530,700 ÷ 365 = 1,453.9… → 1,453円
    合計 1,656円 → 100円未満切捨て 1,600円"""
    r = fee(100_000, "2025-04-30", "2025-07-31")
    assert [(p["from"], p["to"], p["days"], p["rate_percent"], p["amount"]) for p in r["periods"]] == [
        ("2025-05-01", "2025-05-31", 31, "2.4", 203),
        ("2025-06-01", "2025-07-31", 61, "8.7", 1453),
    ]
    assert r["sum_of_periods"] == 1656 and r["late_fee"] == 1600 and r["days"] == 92


def test_worked_case_2_across_the_change_of_rates_at_new_year():
    """税額 523,456円（基礎 523,000円）、納期限 令和7年12月25日、納付日 令和8年3月10日。
    1か月を経過する日 = 令和8年1月25日（起算日12月26日に応当する1月26日の前日）。
    令和7年 12月26日〜12月31日  6日 523,000 × 2.4% × 6 ÷ 365 = 75,312 ÷ 365 = 206.3… → 206円
    令和8年 1月1日〜1月25日   25日 523,000 × 2.8% × 25 ÷ 365 = 366,100 ÷ 365 = 1,003.0… → 1,003円
    令和8年 1月26日〜3月10日  44日 523,000 × 9.1% × 44 ÷ 365 = 2,094,092 ÷ 365 = 5,737.2… → 5,737円
    合計 6,946円 → 6,900円"""
    r = fee(523_456, "2025-12-25", "2026-03-10")
    assert r["first_month_end"] == "2026-01-25"
    assert [(p["days"], p["base"], p["rate_percent"], p["amount"]) for p in r["periods"]] == [
        (6, 523_000, "2.4", 206), (25, 523_000, "2.8", 1003), (44, 523_000, "9.1", 5737)]
    assert r["late_fee"] == 6900


def test_a_tax_under_2000_yen_bears_none_and_2000_does():
    long = ("2025-04-30", "2026-04-30")
    assert fee(1_999, *long)["late_fee"] == 0
    assert all(p["base"] == 0 for p in fee(1_999, *long)["periods"])
    assert {p["base"] for p in fee(2_000, *long)["periods"]} == {2_000}
    # 2,000 × 8.7% for a year is 174 yen: computed, but under 1,000 yen it is not charged
    assert fee(2_000, *long)["late_fee"] == 0 and fee(2_000, *long)["sum_of_periods"] > 0
    assert {p["base"] for p in fee(2_999, *long)["periods"]} == {2_000}


def test_result_under_1000_is_not_charged_and_is_truncated_to_100():
    # 3.65% on 100,000 yen is exactly 10 yen a day (a rate given as a parameter override)
    flat = {"parameters": {"revenue.late_fee.first_month_rate": "3.65", "revenue.late_fee.rate": "3.65"}}
    assert fee(100_000, "2025-04-30", "2025-08-07", **flat)["sum_of_periods"] == 990  # 99 days
    assert fee(100_000, "2025-04-30", "2025-08-07", **flat)["late_fee"] == 0
    assert fee(100_000, "2025-04-30", "2025-08-08", **flat)["late_fee"] == 1000  # 100 days
    assert fee(100_000, "2025-04-30", "2025-08-16", **flat)["late_fee"] == 1000  # 108 days, 1,080 yen
    assert fee(100_000, "2025-04-30", "2025-08-18", **flat)["late_fee"] == 1100  # 110 days


def test_a_leap_year_counts_29_february_and_still_divides_by_365():
    flat = {"parameters": {"revenue.late_fee.first_month_rate": "3.65", "revenue.late_fee.rate": "3.65"}}
    r = fee(1_000_000, "2028-01-31", "2028-03-01", **flat)  # 100 yen a day
    assert r["first_month_end"] == "2028-02-29" and r["days"] == 30 and r["sum_of_periods"] == 3000
    # the 2026 rates stay in force until a later year is listed
    r = fee(1_000_000, "2028-01-31", "2028-02-29")
    assert r["periods"][0]["rate_percent"] == "2.8" and r["periods"][0]["amount"] == 1_000_000 * 28 * 29 // 365_000


def test_one_month_after_the_due_date():
    assert one_month_end(D(2025, 3, 14)) == D(2025, 4, 14)
    assert one_month_end(D(2025, 1, 30)) == D(2025, 2, 28)  # 起算日1月31日: 2月に応当日なし → 月末
    assert one_month_end(D(2025, 5, 31)) == D(2025, 6, 30)  # 起算日6月1日: 月の初めから → 月末
    assert one_month_end(D(2025, 12, 31)) == D(2026, 1, 31)


def test_partial_payment_lowers_the_base_from_the_next_day_and_paid_on_time_bears_none():
    rates = P.late_fee_rates(P.catalogue_lookup(), 2025, 2025)
    whole = late_fee(100_000, D(2025, 4, 30), D(2025, 7, 31), rates)
    part = late_fee(100_000, D(2025, 4, 30), D(2025, 7, 31), rates, ((D(2025, 6, 30), 60_500),))
    assert [p.base for p in part.periods] == [100_000, 100_000, 39_000]
    assert part.periods[1].end == D(2025, 6, 30) and part.periods[2].start == D(2025, 7, 1)
    assert part.unrounded < whole.unrounded
    assert late_fee(100_000, D(2025, 4, 30), D(2025, 4, 30), rates).amount == 0


def test_refund_interest_worked_case():
    """還付金 300,000円、納期限・納付日 令和7年6月30日、還付決定 令和8年6月30日。
    令和7年 7月1日〜12月31日 184日 300,000 × 0.9% × 184 ÷ 365 = 496,800 ÷ 365 = 1,361.0… → 1,361円
    令和8年 1月1日〜6月30日 181日 300,000 × 1.3% × 181 ÷ 365 = 705,900 ÷ 365 = 1,933.9… → 1,933円
    合計 3,294円 → 3,200円"""
    r = refund_interest_calculator({"refund": 300_000, "paid_on": "2025-06-30", "due_date": "2025-06-30",
                                    "decided_on": "2026-06-30"})
    assert [(p["days"], p["amount"]) for p in r["periods"]] == [(184, 1361), (181, 1933)]
    assert r["refund_interest"] == 3200
    early = refund_interest_calculator({"refund": 300_000, "paid_on": "2025-05-01", "due_date": "2025-06-30",
                                        "decided_on": "2026-06-30"})
    assert early["from"] == "2025-07-01"  # paid before the 納期限: from the day after the 納期限


def test_a_payment_settles_principal_oldest_first_then_late_fees():
    debts = [Debt("b", D(2025, 8, 31), 30_000, 1_200), Debt("a", D(2025, 6, 30), 20_000, 800)]
    r = apply_payment(49_000, debts)
    assert [(a.key, a.principal, a.late_fee) for a in r.allocations] == [("a", 20_000, 0), ("b", 29_000, 0)]
    r = apply_payment(53_000, debts)
    assert [(a.key, a.principal, a.late_fee) for a in r.allocations] == [("a", 20_000, 800), ("b", 30_000, 1_200)]
    assert r.over_payment == 1_000
    r = apply_payment(30_000, debts, designated="b")
    assert [(a.key, a.principal) for a in r.allocations] == [("b", 30_000)]


@pytest.mark.parametrize(("vehicle", "first", "fy", "kind", "amount"), [
    ("passenger_private", "2013-03", 2026, "重課", 12_900),  # 令和8年度: 平成25年3月以前が13年経過
    ("passenger_private", "2013-04", 2026, "旧税率", 7_200),
    ("passenger_private", "2015-04", 2026, "標準", 10_800),
    ("passenger_private", "2012-03", 2025, "重課", 12_900),
    ("passenger_private", "2012-04", 2025, "旧税率", 7_200),
    ("cargo_private", "2010-01", 2026, "重課", 6_000),
    ("cargo_commercial", "2020-06", 2026, "標準", 3_800),
    ("three_wheel", "2014-01", 2026, "旧税率", 3_100),
    ("moped_50", "1990-01", 2026, "標準", 2_000),
    ("motorcycle_250", "2001-01", 2026, "標準", 3_600),
])
def test_light_vehicle_tax_by_type_and_age(vehicle, first, fy, kind, amount):
    r = light_vehicle_calculator({"vehicle_type": vehicle, "first_registered": first, "fiscal_year": fy})
    assert (r["rate_kind"], r["amount"]) == (kind, amount)


def test_light_vehicle_heavy_exempt_for_electric():
    r = light_vehicle_calculator({"vehicle_type": "passenger_private", "first_registered": "2010-01",
                                  "fiscal_year": 2026, "heavy_exempt": True})
    assert r["amount"] == 7_200


@pytest.mark.parametrize(("data", "field"), [
    ({"due_date": "2025-04-30", "paid_on": "2025-07-31"}, "tax"),
    ({"tax": 1000, "paid_on": "2025-07-31"}, "due_date"),
    ({"tax": 1000, "due_date": "2025-04-30"}, "paid_on"),
    ({"tax": 1000, "due_date": "2025-04-30", "paid_on": "2025-07-31", "penalty": 1}, "penalty"),
    ({"tax": -1, "due_date": "2025-04-30", "paid_on": "2025-07-31"}, "tax"),
    ({"tax": "1000", "due_date": "2025-04-30", "paid_on": "2025-07-31"}, "tax"),
    ({"tax": 1000, "due_date": "2025/04/30", "paid_on": "2025-07-31"}, "due_date"),
    ({"tax": 1000, "due_date": "2025-04-30", "paid_on": "2025-07-32"}, "paid_on"),
    ({"tax": 1000, "due_date": "2010-04-30", "paid_on": "2025-07-31"}, "due_date"),
    ({"tax": 1000, "due_date": "2025-04-30", "paid_on": "2025-07-31", "parameters": {"x": 1}}, "parameters.x"),
    ({"tax": 1000, "due_date": "2025-04-30", "paid_on": "2025-07-31",
      "parameters": {"revenue.late_fee.rate": "abc"}}, "parameters.revenue.late_fee.rate"),
])
def test_late_fee_refuses_bad_input_naming_the_field(data, field):
    with pytest.raises(ValidationFailed) as e:
        late_fee_calculator(data)
    assert e.value.field == field


def test_calc_command_prints_the_late_fee_as_json(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO('{"tax": 100000, "due_date": "2025-04-30", "paid_on": "2025-07-31"}'))
    call_command("calc", "late-fee", stdout=out)
    assert json.loads(out.getvalue())["late_fee"] == 1600
    monkeypatch.setattr("sys.stdin", io.StringIO('{"tax": 100000, "due_date": "2025-04-30"}'))
    with pytest.raises(CommandError, match="項目: paid_on"):
        call_command("calc", "late-fee")
