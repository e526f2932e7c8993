"""抑止 and 支援措置: refusals are audited and committed, alerts need acknowledging, temporary lifts re-lock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from lgcloud.areas.registry import restrictions
from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.models import Person, RegistryEvent
from lgcloud.areas.registry.restrictions import Requester, RestrictionAlert, RestrictionRefused
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.context import Actor, municipality_scope


@pytest.fixture
def household(in_a):
    r = move_in(
        persons=[
            {"family_name": "佐藤", "given_name": "美咲", "family_name_kana": "サトウ", "given_name_kana": "ミサキ",
             "birth_date": "1990-03-03", "sex": "female", "relationship": "世帯主"},
            {"family_name": "佐藤", "given_name": "陽菜", "family_name_kana": "サトウ", "given_name_kana": "ヒナ",
             "birth_date": "2018-07-07", "sex": "female", "relationship": "子"},
        ],
        address={"address": "埼玉県北足立郡伊奈町小室9-9"}, effective_on="2024-04-01", notified_on="2024-04-02",
        previous_address="東京都")
    return sorted(r.persons, key=lambda p: p.person_no)


def test_refuse_block_stops_a_change_and_the_refusal_is_audited(household):
    mother, _child = household
    restrictions.set_restriction(action="change", mode="refuse", starts_on=dt.date(2024, 1, 1), reason="調査中",
                                 person_no=mother.person_no)
    with pytest.raises(RestrictionRefused, match="抑止"):
        move_within(household_no=mother.household.household_no, address={"address": "新住所"},
                             effective_on="2024-05-01", notified_on="2024-05-01")
    assert AuditRecord.objects.filter(action="registry.refused.change").count() == 1
    assert RegistryEvent.objects.count() == 1


def test_alert_needs_acknowledging_and_temporary_lift_relocks(household):
    mother, _ = household
    r = restrictions.set_restriction(action="change", mode="alert", starts_on=dt.date(2024, 1, 1),
                                     reason="要確認", household_no=mother.household.household_no)
    with pytest.raises(RestrictionAlert):
        move_within(household_no=mother.household.household_no, address={"address": "新住所"},
                             effective_on="2024-05-01", notified_on="2024-05-01")
    move_within(household_no=mother.household.household_no, address={"address": "新住所"},
                         effective_on="2024-05-01", notified_on="2024-05-01", acknowledge_alerts=True)
    restrictions.lift_temporarily(r.pk)
    r.refresh_from_db()
    assert r.lifted_until - timezone.now() <= dt.timedelta(minutes=30)
    move_within(household_no=mother.household.household_no, address={"address": "新住所2"},
                         effective_on="2024-05-02", notified_on="2024-05-02")  # lifted: no alert
    r.lifted_until = timezone.now() - dt.timedelta(seconds=1)
    r.save()
    with pytest.raises(RestrictionAlert):
        move_within(household_no=mother.household.household_no, address={"address": "新住所3"},
                             effective_on="2024-05-03", notified_on="2024-05-03")


def test_support_measure_refuses_the_protected_from_person(household):
    mother, child = household
    m = restrictions.register_support_measure(applicant_person_no=mother.person_no, accompanying=[child.person_no],
                                               starts_on=dt.date(2024, 4, 10), offender_name="佐藤 健太",
                                               offender_birth_date=dt.date(1988, 1, 1))
    assert m.ends_on == dt.date(2025, 4, 9)
    offender = Requester(name="佐藤　健太", birth_date=dt.date(1988, 1, 1))
    for persons in ([mother], [child]):
        with pytest.raises(RestrictionRefused, match="加害者"):
            restrictions.check("issue", persons, requester=offender, acknowledge_alerts=True)
    assert AuditRecord.objects.filter(action="registry.refused.issue").count() == 2
    with pytest.raises(RestrictionAlert, match="支援措置"):
        restrictions.check("issue", [mother], requester=Requester(name="佐藤 美咲", birth_date=dt.date(1990, 3, 3)))
    assert restrictions.check("issue", [mother], requester=Requester(name="佐藤 美咲"), acknowledge_alerts=True)


def test_support_measure_extension_window_and_alerts(household):
    mother, _ = household
    m = restrictions.register_support_measure(applicant_person_no=mother.person_no, starts_on=dt.date(2024, 4, 10),
                                               offender_name="某", provisional=True)
    assert m.status == "provisional"
    restrictions.confirm_support_measure(m.pk)
    with pytest.raises(ValidationFailed, match="30日前から"):
        restrictions.extend_support_measure(m.pk, today=dt.date(2025, 3, 1))
    assert [a for _, a in restrictions.support_alerts(dt.date(2025, 3, 20))]
    assert restrictions.support_alerts(dt.date(2025, 1, 1)) == []
    restrictions.extend_support_measure(m.pk, today=dt.date(2025, 3, 20))
    m.refresh_from_db()
    assert m.ends_on == dt.date(2026, 4, 9) and m.extensions == 1


def test_set_and_lift_are_separate_permissions(household, muni_a):
    mother, _ = household
    with municipality_scope(muni_a, Actor("clerk", "counter_clerk", "web")), pytest.raises(PermissionDenied):
        restrictions.set_restriction(action="issue", mode="refuse", starts_on=dt.date(2024, 1, 1), reason="x",
                                     person_no=mother.person_no)


def test_registry_verify_command(household, muni_a):
    call_command("registry", "verify", "--municipality", muni_a.code)
    Person.objects.filter(pk=household[0].pk).update(given_name="改")
    with pytest.raises(CommandError, match="1件の差異"):
        call_command("registry", "verify", "--municipality", muni_a.code)


def test_cancellation_runs_the_change_check(household):
    """Issue 15, item 8: 取消し is a change like any other; a refusing 抑止 stops it (audited)."""
    from lgcloud.areas.registry.actions.cancel import cancel_event

    mother, _child = household
    event = RegistryEvent.objects.get()
    restrictions.set_restriction(action="change", mode="refuse", starts_on=dt.date(2024, 1, 1), reason="調査中",
                                 person_no=mother.person_no)
    with pytest.raises(RestrictionRefused):
        cancel_event(event_id=event.pk, reason="誤り")
    assert RegistryEvent.objects.count() == 1
    assert AuditRecord.objects.filter(action="registry.refused.change").count() == 1
