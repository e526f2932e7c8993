"""The registry's side of an import: the event subjects and 履歴 snapshots of the common history shapes, set-based
in PostgreSQL (`INSERT … SELECT` from the event rows just written), instead of folding every person in Python.

The common shape: no event cancels another, each person is touched by at most two events (a 転入 or 出生, then
perhaps a 転出 or 死亡), once per event, in an order that is also the register's fold order (異動日, then 異動番号).
Then a person's k-th snapshot is the item defaults, then the first event's change, then (k = 2) the second's —
`jsonb ||` is `dict.update` — and the person's 宛名番号, as `writing._write_history` builds it from the same stored
changes (the event rows' `changes[].set` are those very values). Any other history, or SQLite: the Python writer.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from lgcloud.areas.registry import engine
from lgcloud.areas.registry.interchange.staging import Batch
from lgcloud.platform.interchange import bulk

MAX_EVENTS_PER_PERSON = 2


def eligible(b: Batch) -> bool:
    """Whether the batch's history has only the common shapes (see the module's docstring), on PostgreSQL."""
    if connection.vendor != "postgresql":
        return False
    seen: dict[int, tuple[int, dt.date]] = {}  # person → (events so far, the last one's 異動日)
    for e in sorted(b.events, key=lambda e: e["event_no"]):
        if e.get("cancels"):
            return False
        on = e["effective_on"]
        touched: set[int] = set()
        for ch in e["changes"]:
            if ch["target"] != "person":
                continue
            no = ch["no"]
            if no in touched:
                return False
            touched.add(no)
            count, last = seen.get(no, (0, on))
            if count >= MAX_EVENTS_PER_PERSON or on < last:
                return False
            seen[no] = (count + 1, on)
    return True


def write(municipality_id: int, first_event: int, last_event: int, person_nos: list[int], first_person: int,
          now: dt.datetime) -> None:
    """Subjects and snapshots of the events with ids first_event…last_event (this import's, just written); the
    persons' ids are first_person… in the order of `person_nos` (their 宛名番号, ascending) — the 宛名番号 is taken
    from that array by subscript, not by a join with registry_person (whose statistics do not know the rows the
    import has just written: the planner would loop over its index once per person)."""
    base = bulk._json({k: engine.to_json(v) for k, v in engine.defaults(engine.PERSON_ITEMS).items()})
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS imp_person_fold")
        # One row per (event, person) of a person change: the person's data after the event, and its 履歴番号.
        cur.execute("""
            CREATE TEMP TABLE imp_person_fold ON COMMIT DROP AS
            SELECT f.event_id, f.effective_on, f.person_id, f.history_no,
                   %s::jsonb || coalesce(f.prev, '{}'::jsonb) || f.set
                       || jsonb_build_object('person_no', (%s::bigint[])[f.person_id - %s + 1]) AS data
            FROM (SELECT e.id AS event_id, e.effective_on, (ch->>'id')::bigint AS person_id, ch->'set' AS set,
                         lag(ch->'set') OVER w AS prev, row_number() OVER w AS history_no
                  FROM registry_registryevent e CROSS JOIN LATERAL jsonb_array_elements(e.changes) ch
                  WHERE e.id BETWEEN %s AND %s AND e.municipality_id = %s AND ch->>'target' = 'person'
                  WINDOW w AS (PARTITION BY (ch->>'id')::bigint ORDER BY e.id)) f""",
                    [base, person_nos, first_person, first_event, last_event, municipality_id])
        cur.execute("ANALYZE imp_person_fold")
        # In the Python writer's order: event by event, its persons, then its households (its own changes' and
        # those its persons belong to after it), each by id (ids follow 宛名番号・世帯番号).
        cur.execute("""
            INSERT INTO registry_eventsubject (municipality_id, event_id, person_id, household_id)
            SELECT %s, event_id, person_id, household_id FROM (
                SELECT event_id, person_id, NULL::bigint AS household_id FROM imp_person_fold
                UNION ALL
                SELECT DISTINCT event_id, NULL::bigint, household_id FROM (
                    SELECT e.id AS event_id, (ch->>'id')::bigint AS household_id
                    FROM registry_registryevent e CROSS JOIN LATERAL jsonb_array_elements(e.changes) ch
                    WHERE e.id BETWEEN %s AND %s AND e.municipality_id = %s AND ch->>'target' = 'household'
                    UNION ALL
                    SELECT event_id, (data->>'household_id')::bigint FROM imp_person_fold
                    WHERE data->>'household_id' IS NOT NULL) h) s
            ORDER BY event_id, household_id IS NOT NULL, coalesce(person_id, household_id)""",
                    [municipality_id, first_event, last_event, municipality_id])
        cur.execute("""
            INSERT INTO registry_personsnapshot (municipality_id, person_id, history_no, event_id, effective_on,
                                                 household_id_at, data, recorded_at)
            SELECT %s, person_id, history_no, event_id, effective_on, (data->>'household_id')::bigint, data, %s
            FROM imp_person_fold ORDER BY event_id, person_id""", [municipality_id, now])
        cur.execute("DROP TABLE imp_person_fold")

