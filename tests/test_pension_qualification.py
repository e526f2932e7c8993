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
