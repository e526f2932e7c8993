"""Search keys, event subjects and 履歴 snapshots carry no database foreign key (an import writes them by the
hundred thousand): `registry verify` lists a row whose person, event or household is gone or another member's."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.models import EventSubject, PersonSnapshot, SearchKey
from lgcloud.areas.registry.references import verify_references


def _household() -> int:
    r = move_in(persons=[{"family_name": "山田", "given_name": "花子", "family_name_kana": "ヤマダ",
                          "given_name_kana": "ハナコ", "birth_date": "1980-01-02", "sex": "female",
                          "relationship": "世帯主"}],
                address={"address": "埼玉県北足立郡伊奈町小室1"}, effective_on="2024-04-01", notified_on="2024-04-02",
                previous_address="東京都千代田区1")
    return r.event.pk


def test_verify_lists_derived_rows_whose_reference_is_gone(muni_a, muni_b, as_municipality):
    with as_municipality(muni_b):
        other_event = _household()
    with as_municipality(muni_a):
        _household()
        assert verify_references() == []
        call_command("registry", "verify", "--municipality", muni_a.code)
        key = SearchKey.objects.order_by("pk").first()
        subject = EventSubject.objects.filter(household__isnull=False).order_by("pk").first()
        snapshot = PersonSnapshot.objects.order_by("pk").first()
        with connection.cursor() as cur:  # what only a raw-SQL edit could do: the database does not refuse it
            cur.execute("UPDATE registry_searchkey SET person_id = %s WHERE id = %s", [10**12, key.pk])
            cur.execute("UPDATE registry_eventsubject SET household_id = %s WHERE id = %s", [10**12, subject.pk])
            cur.execute("UPDATE registry_personsnapshot SET event_id = %s WHERE id = %s", [other_event, snapshot.pk])
        found = {(r.table, r.row_id, r.target, r.target_id) for r in verify_references()}
        assert found == {("検索キー", key.pk, "住民票", 10**12), ("異動の対象", subject.pk, "世帯", 10**12),
                         ("履歴", snapshot.pk, "異動", other_event)}  # another member's event counts as gone
        with pytest.raises(CommandError, match="3件の参照先のない行"):
            call_command("registry", "verify", "--municipality", muni_a.code)
