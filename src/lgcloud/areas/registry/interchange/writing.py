"""The registry's side of an import, last part: writing a checked batch in the import's transaction.

Ids are allocated up front and rows sent in bulk (`lgcloud.platform.interchange.bulk`), not one ORM save
per row: the subjects and 履歴 snapshots are written as the register would have written them, event by
event, and the search columns with the register's own function (`search.search_columns`).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from itertools import chain
from types import SimpleNamespace
from typing import Any, cast

from django.utils import timezone

import lgcloud.areas.registry.interchange.history_sql as history_sql
from lgcloud.areas.registry import crypto, engine
from lgcloud.areas.registry.interchange.history import in_fold_order, stored
from lgcloud.areas.registry.interchange.staging import Batch
from lgcloud.areas.registry.models import (
    Certificate,
    Counter,
    EventSubject,
    Household,
    MoveLink,
    OffenderReview,
    Person,
    PersonSnapshot,
    PreparedRequest,
    RegistryEvent,
    Restriction,
    SearchHistory,
    SearchKey,
    Status,
    SupportMeasure,
)
from lgcloud.areas.registry.search import search_columns, search_keys
from lgcloud.platform.interchange import bulk
from lgcloud.platform.interchange.adapters import Progress
from lgcloud.platform.interchange.compact import pairs
from lgcloud.platform.tenancy.context import require_municipality

BATCH = 5000
PERSON_CHUNK = 50_000  # persons (and their search keys) written at a time


DELETE_PART = 10_000  # records deleted at a time by clear_register


def _delete_all(model: Any) -> None:
    """Every record of `model` in the current municipality, deleted `DELETE_PART` at a time: Django's delete
    collector looks up each related table with one parameter per record (one statement for all of them on
    PostgreSQL), and psycopg refuses a statement of more than 65,535 parameters. Protected or restricted references
    still raise as one `delete()` would, and the import's transaction still makes it all or nothing."""
    ids = list(model.objects.values_list("pk", flat=True).order_by("pk"))
    for start in range(0, len(ids), DELETE_PART):
        model.objects.filter(pk__in=ids[start:start + DELETE_PART]).delete()


def clear_register() -> None:
    """Every record of the register of the current municipality (an import with --replace)."""
    for model in (SearchKey, PersonSnapshot, EventSubject, Restriction, OffenderReview, MoveLink, SupportMeasure,
                  Certificate, PreparedRequest, SearchHistory):
        _delete_all(model)
    RegistryEvent.objects.update(corrects=None, cancels=None)
    _delete_all(RegistryEvent)
    Household.objects.update(head=None)
    Person.objects.update(household=None)
    _delete_all(Person)
    _delete_all(Household)
    _delete_all(Counter)


# One ciphertext per 個人番号 within one import (so the row and its history agree), keyed by the keyed hash —
# never by the number itself — and private to the import that runs (a context variable, not a shared dict).
_CIPHERS: ContextVar[dict[str, str] | None] = ContextVar("lgcloud_import_ciphers", default=None)


def _blank(f: Any) -> Any:
    return f.get_default() if f.has_default() else ""


def _internal(values: Mapping[str, Any], person_pk: dict[int, int], household_pk: dict[int, int], code: str,
              target: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs(values):
        if k == "household_no":
            out["household_id"] = household_pk[v] if v else None
        elif k == "head_person_no":
            out["head_id"] = person_pk[v] if v else None
        elif k == "individual_number":
            if v:
                number = str(v).zfill(12)
                digest = crypto.search_hash(code, number)
                ciphers = _CIPHERS.get()
                if ciphers is None:
                    enc = crypto.encrypt(code, number)
                else:
                    if digest not in ciphers:
                        ciphers[digest] = crypto.encrypt(code, number)
                    enc = ciphers[digest]
                out.update(individual_number_enc=enc,
                           individual_number_hash=digest,
                           individual_number_last4=number[-4:])
            else:
                out.update(individual_number_enc="", individual_number_hash="", individual_number_last4="")
        else:
            out[k] = v
    return out


def _rows(model: type[Any], dicts: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = list(dicts[0]) if dicts else []
    if len(columns) == 1:
        return columns, [(d[columns[0]],) for d in dicts]
    get = operator.itemgetter(*columns)
    return columns, [get(d) for d in dicts]


def _bulk(model: type[Any], dicts: list[dict[str, Any]]) -> None:
    if dicts:
        columns, rows = _rows(model, dicts)
        bulk.insert(model, columns, rows)


def _bulk_stream(model: type[Any], dicts: Iterator[dict[str, Any]]) -> None:
    """Like `_bulk`, the rows made while they are sent (the columns are the first row's): no list of every row."""
    first = next(dicts, None)
    if first is None:
        return
    columns = list(first)
    get = operator.itemgetter(*columns)
    if len(columns) == 1:
        bulk.insert(model, columns, ((d[columns[0]],) for d in chain([first], dicts)))
    else:
        bulk.insert(model, columns, (get(d) for d in chain([first], dicts)))


def write_batch(b: Batch, progress: Progress | None = None) -> dict[str, int]:
    token = _CIPHERS.set({})
    try:
        return _write_batch(b, progress)
    finally:
        _CIPHERS.reset(token)


def _write_batch(b: Batch, progress: Progress | None = None) -> dict[str, int]:
    municipality = require_municipality()
    code = municipality.code
    mid = municipality.pk
    hfields = {f.attname: f for f in Household._meta.concrete_fields}
    pfields = {f.attname: f for f in Person._meta.concrete_fields}
    # Ids first, so households can name their head before the persons are written (the foreign keys are
    # checked at commit).
    first = bulk.allocate_ids(Household, len(b.households))
    household_pk = {hno: first + i for i, hno in enumerate(sorted(b.households))}
    first = bulk.allocate_ids(Person, len(b.persons))
    person_pk = {no: first + i for i, no in enumerate(sorted(b.persons))}

    def household_rows() -> Iterator[dict[str, Any]]:
        for hno in sorted(b.households):
            h = b.households[hno]
            row = {f: _blank(hfields[f]) for f in hfields if f not in ("id", "municipality_id", "head_id")}
            row.update({k: v for k, v in pairs(h) if k in hfields and v is not None})
            head = h.get("head_person_no") if h.get("status") == "active" else None
            row.update(id=household_pk[hno], municipality_id=mid, household_no=hno,
                       head_id=person_pk[head] if head else None, version=0)
            yield row

    _bulk_stream(Household, household_rows())
    if progress:
        progress("世帯の登録", 1, 5)
    history = _history_counts(b.events)
    empty = {f: (None if pfields[f].null else _blank(pfields[f])) for f in pfields if f != "municipality_id"}
    numbers = sorted(b.persons)

    def person_rows(chunk: list[int], keys: list[tuple[int, int, str, str]]) -> Iterator[dict[str, Any]]:
        for no in chunk:
            p = b.persons[no]
            m = b.memberships.get(no, {})
            row = dict(empty)
            row.update({k: v for k, v in pairs(p) if k in pfields and k not in ("id", "municipality_id") and v is not None})
            row.update(_internal({"individual_number": p.get("individual_number")}, {}, {}, code, "person"))
            row.update(id=person_pk[no], municipality_id=mid,
                       household_id=household_pk[m["household_no"]] if m else None,
                       relationship=m.get("relationship", ""), household_order=m.get("household_order", 1),
                       history_no=history.get(no, 0), version=history.get(no, 0))
            person = cast(Person, SimpleNamespace(**row))  # what search reads: the row's attributes, no model __init__
            own = search_keys(person)
            row.update(search_columns(person, own))
            pk = cast(int, row["id"])
            keys.extend((mid, pk, k, v) for k, v in sorted(own))
            yield row

    # In chunks, each chunk's search keys right after its persons: neither every person row nor every search key
    # is held at once (the rows go to the database in the same order as in one piece).
    keys: list[tuple[int, int, str, str]] = []
    for start in range(0, len(numbers), PERSON_CHUNK):
        _bulk_stream(Person, person_rows(numbers[start:start + PERSON_CHUNK], keys))
        bulk.insert(SearchKey, ("municipality_id", "person_id", "kind", "value"), keys)
        keys.clear()
    if progress:
        progress("住民の登録", 2, 5)
    ordered = sorted(b.events, key=lambda e: e["event_no"])
    set_based = history_sql.eligible(b)  # the common shapes: 履歴 and subjects set-based in PostgreSQL
    converted: dict[int, dict[str, Any]] = {}  # id(change) → its values as the register stores them

    def as_stored(ch: dict[str, Any]) -> dict[str, Any]:
        """One change's values as stored (internal ids, blanks as empty values, dates ISO), converted once: the
        event row and every 履歴 snapshot folded from it share it (the conversion is item by item, so folding
        converted changes gives the converted fold)."""
        got = converted.get(id(ch))
        if got is None:
            got = stored(ch["target"], _internal(ch["set"], person_pk, household_pk, code, ch["target"]))
            if not set_based:  # kept for the Python writer's snapshots only
                converted[id(ch)] = got
        return got

    first = bulk.allocate_ids(RegistryEvent, len(ordered))
    event_pk = {e["event_no"]: first + i for i, e in enumerate(ordered)}
    event_rows = ({
        "id": event_pk[e["event_no"]], "municipality_id": mid, "kind": e["kind"],
        "effective_on": e["effective_on"], "notified_on": e.get("notified_on"), "processed_at": e["processed_at"],
        "clerk": e["clerk"], "role": e.get("role") or "", "channel": e.get("channel") or "",
        "reason": e.get("reason") or "",
        "changes": [{"target": ch["target"], "id": (person_pk if ch["target"] == "person" else household_pk)[ch["no"]],
                     "set": as_stored(ch)} for ch in e["changes"]],
        "corrects_id": event_pk[e["corrects"]] if e.get("corrects") else None,
        "cancels_id": event_pk[e["cancels"]] if e.get("cancels") else None,
        "approved_request_id": None,
    } for e in ordered)
    _bulk_stream(RegistryEvent, event_rows)
    if progress:
        progress("異動履歴の登録", 3, 5)
    if set_based:
        nos = numbers
        history_sql.write(mid, first, first + len(ordered) - 1, nos, person_pk[nos[0]] if nos else 0, timezone.now())
    else:
        _write_history(b, ordered, event_pk, person_pk, household_pk, as_stored)
    if progress:
        progress("履歴と検索キーの作成", 4, 5)
    for r in b.restrictions:
        Restriction.objects.create(
            person_id=person_pk.get(r["person_no"]) if r.get("person_no") else None,
            household_id=household_pk.get(r["household_no"]) if r.get("household_no") else None,
            action=r["action"], mode=r["mode"], starts_on=r["starts_on"], ends_on=r.get("ends_on"),
            reason=r["reason"], set_by=r["set_by"], removed=bool(r["removed"]), removed_by=r.get("removed_by") or "")
    for s in b.support:
        SupportMeasure.objects.create(
            applicant_id=person_pk[s["applicant_person_no"]],
            accompanying=[int(x) for x in (s.get("accompanying") or "").split(";") if x.strip()],
            status=s["status"], starts_on=s["starts_on"], ends_on=s["ends_on"], extensions=s["extensions"],
            offender_person_id=person_pk.get(s["offender_person_no"]) if s.get("offender_person_no") else None,
            offender_name=s.get("offender_name") or "", offender_kana=s.get("offender_kana") or "",
            offender_birth_date=s.get("offender_birth_date"), offender_address=s.get("offender_address") or "",
            offender_other_names=s.get("offender_other_names") or "",
            addresses=s.get("addresses") or "", note=s.get("note") or "", set_by=s["set_by"])
    Counter.objects.create(municipality=municipality, name="person", value=max(b.persons, default=0))
    Counter.objects.create(municipality=municipality, name="household", value=max(b.households, default=0))
    if progress:
        progress("完了", 5, 5)
    return {"persons": sum(1 for p in b.persons.values() if p["status"] == Status.RESIDENT),
            "removed": sum(1 for p in b.persons.values() if p["status"] == Status.REMOVED),
            "households": len(b.households), "events": len(b.events), "restrictions": len(b.restrictions),
            "support_measures": len(b.support)}


def _write_history(b: Batch, ordered: list[dict[str, Any]], event_pk: dict[int, int], person_pk: dict[int, int],
                   household_pk: dict[int, int], as_stored: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Subjects and 履歴 snapshots as the register would have written them, event by event."""
    municipality = require_municipality()
    mid = municipality.pk
    by_no = {e["event_no"]: e for e in ordered}
    cancelled: set[int] = set()
    person_events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    history_no: dict[int, int] = defaultdict(int)
    subjects: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    base = {k: engine.to_json(v) for k, v in engine.defaults(engine.PERSON_ITEMS).items()}
    now = timezone.now()
    for e in ordered:
        touched_persons = {ch["no"] for ch in e["changes"] if ch["target"] == "person"}
        touched_households = {ch["no"] for ch in e["changes"] if ch["target"] == "household"}
        if e.get("cancels"):
            cancelled.add(e["cancels"])
            target = by_no[e["cancels"]]
            touched_persons |= {ch["no"] for ch in target["changes"] if ch["target"] == "person"}
            touched_households |= {ch["no"] for ch in target["changes"] if ch["target"] == "household"}
        states: dict[int, dict[str, Any]] = {}
        datas: dict[int, dict[str, Any]] = {}
        for no in touched_persons:
            person_events[no].append(e)
            # The register's fold (`engine.fold_changes`) of this person's live events, of the file's values
            # and of the stored ones side by side.
            state: dict[str, Any] = {}
            data = dict(base)
            for ev in in_fold_order(person_events[no]):
                if ev["event_no"] in cancelled:
                    continue
                for ch in ev["changes"]:
                    if ch["target"] == "person" and ch["no"] == no:
                        state.update(ch["set"])
                        data.update(as_stored(ch))
            states[no] = state
            datas[no] = data
            if state.get("household_no"):
                touched_households.add(state["household_no"])
        pk = event_pk[e["event_no"]]
        for no in sorted(touched_persons):
            subjects.append({"municipality_id": mid, "event_id": pk, "person_id": person_pk[no], "household_id": None})
        for hno in sorted(touched_households):
            subjects.append({"municipality_id": mid, "event_id": pk, "person_id": None, "household_id": household_pk[hno]})
        for no in sorted(touched_persons):
            history_no[no] += 1
            data = datas[no]
            data["person_no"] = no
            snapshots.append({"municipality_id": mid, "person_id": person_pk[no], "history_no": history_no[no],
                              "event_id": pk, "effective_on": e["effective_on"],
                              "household_id_at": household_pk.get(states[no].get("household_no") or 0),
                              "data": data, "recorded_at": now})
        if len(snapshots) >= BATCH * 4:
            _bulk(EventSubject, subjects)
            _bulk(PersonSnapshot, snapshots)
            subjects, snapshots = [], []
    _bulk(EventSubject, subjects)
    _bulk(PersonSnapshot, snapshots)


def _history_counts(events: list[dict[str, Any]]) -> dict[int, int]:
    """How many 履歴 each person will have: one per event that touches them (a cancellation touches the
    persons of the event it cancels)."""
    by_no = {e["event_no"]: e for e in events}
    counts: dict[int, int] = defaultdict(int)
    for e in events:
        touched = {ch["no"] for ch in e["changes"] if ch["target"] == "person"}
        if e.get("cancels"):
            touched |= {ch["no"] for ch in by_no[e["cancels"]]["changes"] if ch["target"] == "person"}
        for no in touched:
            counts[no] += 1
    return counts
