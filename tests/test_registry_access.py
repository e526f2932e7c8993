"""access_person / access_household: the capability, the 照会 check and the read audit in one call of the reading
layer, used by the screens and the API alike."""

from __future__ import annotations

import pytest

from lgcloud.areas.registry import reading
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.platform.accounts.roles import Cap, Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import PermissionDenied
from lgcloud.platform.tenancy.context import Actor, municipality_scope

PERSON = {"family_name": "鈴木", "given_name": "一", "family_name_kana": "スズキ", "given_name_kana": "ハジメ",
          "birth_date": "1970-01-01", "sex": "male", "relationship": "世帯主"}


@pytest.fixture
def resident(muni_a):
    with municipality_scope(muni_a, Actor("seed", "system", "system")):
        r = move_in(persons=[PERSON], address={"address": "埼玉県北足立郡伊奈町小室1-1"}, effective_on="2024-04-01",
                    notified_on="2024-04-01", previous_address="東京都新宿区")
    return r.persons[0].person_no, r.households[0].household_no


def test_a_reader_with_the_capability_is_audited(muni_a, resident):
    person_no, household_no = resident
    with municipality_scope(muni_a, Actor("clerk", Role.COUNTER_CLERK, "web")):
        before = AuditRecord.objects.filter(action="registry.person_viewed").count()
        file = reading.access_person(person_no, capability=Cap.REGISTRY_VIEW, purpose="窓口での確認",
                                     as_of="令和6年5月1日")
        assert file.state is not None and file.as_of is not None and file.as_of.isoformat() == "2024-05-01"
        assert AuditRecord.objects.filter(action="registry.person_viewed").count() == before + 1
        hh = reading.access_household(household_no, capability=(Cap.REGISTRY_CHANGE, Cap.REGISTRY_PREPARE))
        assert [m["person_no"] for m in hh.members] == [person_no]
        assert AuditRecord.objects.filter(action="registry.household_viewed").exists()


def test_a_reader_without_the_capability_is_refused_before_any_read(muni_a, resident):
    person_no, household_no = resident
    with municipality_scope(muni_a, Actor("contractor", Role.COUNTER_CONTRACTOR, "web")):
        before = AuditRecord.objects.count()
        with pytest.raises(PermissionDenied):
            reading.access_person(person_no, capability=Cap.REGISTRY_CHANGE,
                                  requester={"person_no": "not a number"})  # read only after the check
        with pytest.raises(PermissionDenied):
            reading.access_household(household_no, capability=Cap.CERTIFICATE_ISSUE)
        assert AuditRecord.objects.count() == before
