"""国民年金 第1号被保険者: 資格取得・喪失 from age, 種別変更 by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from lgcloud.areas.pension import services
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.platform.common.errors import Conflict, ValidationFailed
from lgcloud.platform.tenancy.models import Municipality

D = dt.date
pytestmark = pytest.mark.django_db


def test_twenty_year_old_joins_and_changes_to_category2(in_a: Municipality) -> None:
    r = move_in(persons=[{"family_name": "年金", "given_name": "若菜", "family_name_kana": "ネンキン",
                          "given_name_kana": "ワカナ", "birth_date": "2006-06-11", "sex": "female",
                          "relationship": "世帯主"}],
                address={"address": "埼玉県北足立郡伊奈町小室4-4"}, effective_on="2025-04-01",
                notified_on="2025-04-01", previous_address="東京都新宿区西新宿2-8-1")
    no = r.persons[0].person_no
    assert [p.person_no for p in services.reaching_age(D(2026, 6, 1), D(2026, 6, 30), 20)] == [no]
    with pytest.raises(ValidationFailed):
        services.acquire(no, D(2026, 6, 9), "age_20")
    q = services.acquire(no, D(2026, 6, 10), "age_20")
    with pytest.raises(Conflict):
        services.acquire(no, D(2026, 6, 10), "age_20")
    services.lose(no, D(2027, 4, 1), "became_category2")
    q.refresh_from_db()
    assert q.qualification_end == D(2027, 4, 1) and q.end_reason == "became_category2"


def test_exemption_income_test_and_the_report_file(in_a: Municipality) -> None:
    from lgcloud.areas.pension.rules.exemption import IncomeTest

    r = move_in(persons=[{"family_name": "免除", "given_name": "申請", "family_name_kana": "メンジョ",
                          "given_name_kana": "シンセイ", "birth_date": "1990-01-01", "sex": "male",
                          "relationship": "世帯主"}],
                address={"address": "埼玉県北足立郡伊奈町小室9-9"}, effective_on="2025-04-01",
                notified_on="2025-04-01", previous_address="東京都新宿区西新宿2-8-1")
    no = r.persons[0].person_no
    services.acquire(no, D(2025, 4, 1), "move_in_from_abroad")
    full = services.apply_exemption(no, 2026, D(2026, 7, 1), [IncomeTest(income=1_020_000, dependents=1)])
    assert full.result == "full"  # (1 + 1) × 350,000 + 320,000 = 1,020,000
    half = services.apply_exemption(no, 2026, D(2026, 7, 2), [IncomeTest(income=1_500_000, dependents=1,
                                                                          dependent_deductions=380_000)])
    assert half.result == "half"  # ≤ 1,280,000 + 380,000, > 880,000 + 380,000
    none = services.apply_exemption(no, 2026, D(2026, 7, 3), [IncomeTest(income=5_000_000)])
    assert none.result == ""
    deferment = services.apply_exemption(no, 2026, D(2026, 7, 4), [IncomeTest(income=600_000)], deferment=True)
    assert deferment.result == "deferment"
    data = services.report_file(D(2025, 4, 1), D(2026, 7, 31)).decode("cp932").splitlines()
    assert data[0].startswith("届書種別,市区町村コード,宛名番号")
    assert data[1].startswith(f"資格取得届,{in_a.code},{no},メンジョ　シンセイ,19900101,海外からの転入,20250401")
    assert sum(1 for line in data if line.startswith("免除・納付猶予申請書")) == 4
    assert data[2].endswith(",全額免除")


def test_age_events_propose_joining_at_20_and_leaving_at_60(in_a: Municipality) -> None:
    import io

    from django.core.management import call_command

    from lgcloud.platform import worklists

    r = move_in(persons=[
        {"family_name": "到達", "given_name": "二十", "family_name_kana": "トウタツ", "given_name_kana": "ハタチ",
         "birth_date": "2006-12-10", "sex": "female", "relationship": "世帯主"},
        {"family_name": "到達", "given_name": "六十", "family_name_kana": "トウタツ", "given_name_kana": "ロクジュウ",
         "birth_date": "1966-12-02", "sex": "male", "relationship": "父"},
    ], address={"address": "埼玉県北足立郡伊奈町小室10-10"}, effective_on="2025-04-01", notified_on="2025-04-01",
        previous_address="東京都新宿区西新宿2-8-1")
    young, old = sorted(r.persons, key=lambda p: p.birth_date, reverse=True)
    services.acquire(old.person_no, D(2025, 4, 1), "left_category2")
    out = io.StringIO()
    call_command("pension", "age-events", "--municipality", in_a.code, "--month", "2026-12", stdout=out)
    assert "2 件" in out.getvalue()
    items = {i.queue: i for i in worklists.WorkItem.objects.filter(status="open")}
    assert items["pension.acquisition"].payload == {"person_no": young.person_no, "start": "2026-12-09",
                                                    "reason": "age_20"}
    assert items["pension.loss"].payload == {"person_no": old.person_no, "end": "2026-12-01", "reason": "age_60"}
