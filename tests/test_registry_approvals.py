from __future__ import annotations

import pytest

from lgcloud.areas.registry import approvals
from lgcloud.areas.registry.models import Person, RegistryEvent
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import Conflict, PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.context import Actor, municipality_scope

CONTRACTOR = Actor("113018-contractor", "counter_contractor", "web")
CLERK = Actor("113018-clerk", "counter_clerk", "web")


def test_contractor_prepares_clerk_approves(muni_a):
    payload = {"persons": [{"family_name": "伊藤", "given_name": "蓮", "birth_date": "1999-09-09", "sex": "male",
                            "relationship": "世帯主"}],
               "address": {"address": "伊奈町小室5"}, "effective_on": "2024-04-01", "notified_on": "2024-04-02",
               "previous_address": "川越市"}
    with municipality_scope(muni_a, CONTRACTOR):
        req = approvals.prepare("move_in", payload)
        assert RegistryEvent.objects.count() == 0 and Person.objects.count() == 0
        with pytest.raises(PermissionDenied):
            approvals.approve(req.pk)
        with pytest.raises(PermissionDenied):
            approvals.reject(req.pk, "x")
    with municipality_scope(muni_a, CLERK):
        result = approvals.approve(req.pk)
        assert result.persons[0].family_name == "伊藤"
        ev = RegistryEvent.objects.get()
        assert ev.clerk == "113018-clerk" and "受付: 113018-contractor" in ev.reason
        with pytest.raises(Conflict):
            approvals.approve(req.pk)
    actions = list(AuditRecord.objects.filter(chain=muni_a.code).values_list("action", "actor"))
    assert ("registry.prepared", "113018-contractor") in actions
    assert ("registry.approved", "113018-clerk") in actions


def test_invalid_prepared_entry_fails_at_approval_and_stays_pending(muni_a):
    with municipality_scope(muni_a, CONTRACTOR):
        req = approvals.prepare("move_in", {"persons": [], "address": {"address": "x"}, "effective_on": "2024-04-01",
                                            "notified_on": "2024-04-01", "previous_address": "y"})
    with municipality_scope(muni_a, CLERK):
        with pytest.raises(ValidationFailed, match="転入する人"):
            approvals.approve(req.pk)
        assert [r.pk for r in approvals.pending()] == [req.pk]
        approvals.reject(req.pk, "記入漏れ")
        assert approvals.pending() == []
