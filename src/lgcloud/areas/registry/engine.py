"""The event engine: append a 異動, fold events into the projection, read as of any date, verify.

Every registry service ends in `apply_event`, which in one transaction appends the event, refolds
the persons and households it touched (so retroactive corrections land where they belong), checks
the household invariants, writes one history snapshot per person, the audit record and the meter.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import takewhile
from typing import Any

from django.db import connection, models, transaction

from lgcloud.areas.registry import crypto, engine_reads, individual_number_uses, invariants
from lgcloud.areas.registry.models import (
    Counter,
    EventKind,
    EventSubject,
    Household,
    Person,
    PersonSnapshot,
    RegistryEvent,
    SearchKey,
    Status,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.areas.registry.search import search_columns, search_keys
from lgcloud.platform import events as domain_events
from lgcloud.platform import metering
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, ValidationFailed
from lgcloud.platform.db import fixed
from lgcloud.platform.tenancy.context import current_actor, current_municipality_id, require_municipality
from lgcloud.platform.tenancy.scoping import CrossTenantWrite

_DERIVED = {"id", "municipality", "person_no", "version", "history_no", "search_name", "search_kana", "search_names",
            "search_kanas", "search_addresses", "household_no"}


def _items(model: type[models.Model]) -> dict[str, models.Field]:
    out = {}
    for f in model._meta.concrete_fields:
        if f.name in _DERIVED:
            continue
        out[f.attname] = f
    return out


PERSON_ITEMS = _items(Person)
HOUSEHOLD_ITEMS = _items(Household)
_DATE_TYPES = (models.DateField,)


def to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _from_json(fields: dict[str, models.Field], name: str, value: Any) -> Any:
    f = fields[name]
    if value is not None and isinstance(f, _DATE_TYPES) and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def absent(target: str) -> dict[str, Any]:
    """The state of a record no live event has created (its only event was cancelled): not a resident."""
    if target == "person":
        return {**defaults(PERSON_ITEMS), "status": Status.REMOVED}
    return {**defaults(HOUSEHOLD_ITEMS), "status": "dissolved"}


def defaults(fields: dict[str, models.Field]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, f in fields.items():
        out[name] = f.get_default() if f.has_default() else (None if f.null else "")
    return out


@dataclass
class Change:
    target: str  # "person" | "household"
    obj: Person | Household
    values: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        for name in self.values:
            items = PERSON_ITEMS if self.target == "person" else HOUSEHOLD_ITEMS
            if name not in items:
                raise ValueError(f"unknown {self.target} item {name}")
        return {"target": self.target, "id": self.obj.pk, "set": {k: to_json(v) for k, v in self.values.items()}}


def next_number(name: str) -> int:
    municipality = require_municipality()
    counter = Counter.objects.select_for_update().filter(name=name).first()
    if counter is None:
        counter = Counter.objects.create(municipality=municipality, name=name, value=0)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def new_person(resident_type: str, sex: str) -> Person:
    return Person.objects.create(person_no=next_number("person"), resident_type=resident_type, sex=sex,
                                 status=Status.RESIDENT)


def new_household(address: str) -> Household:
    return Household.objects.create(household_no=next_number("household"), address=address)


# --- folding ------------------------------------------------------------------------------------


def _live_events(qs: models.QuerySet[RegistryEvent]) -> models.QuerySet[RegistryEvent]:
    # A cancellation's own changes (the dissolution of a household it empties) count; what it cancels does not.
    return qs.filter(cancellations__isnull=True).order_by("effective_on", "id")


def fold_changes(change_lists: Iterable[Iterable[Mapping[str, Any]]], *, key: str = "id",
                 only: tuple[str, Any] | None = None) -> dict[tuple[str, Any], dict[str, Any]]:
    """The register's one fold: each record's item values, as the events hold them, after the changes of
    live events taken in fold order (異動日, then the order they were recorded in). `key` names what
    identifies a record in a change: "id" in the register, "no" (宛名番号・世帯番号) in an interchange file;
    `only` (target, key) folds that one record."""
    states: dict[tuple[str, Any], dict[str, Any]] = {}
    for changes in change_lists:
        for ch in changes:
            if only is not None and (ch["target"] != only[0] or ch[key] != only[1]):
                continue
            states.setdefault((ch["target"], ch[key]), {}).update(ch["set"])
    return states


def fold(target: str, pk: int, until: dt.date | None = None,
         events: Iterable[RegistryEvent] | None = None) -> dict[str, Any] | None:
    """The item values of a person or household as of `until` (None: everything recorded), or None
    if nothing had happened to it by then."""
    fields = PERSON_ITEMS if target == "person" else HOUSEHOLD_ITEMS
    if events is None:
        link = {"subjects__person_id": pk} if target == "person" else {"subjects__household_id": pk}
        events = _live_events(RegistryEvent.objects.filter(**link).distinct())
    upto = takewhile(lambda ev: until is None or ev.effective_on <= until, events)
    raw = fold_changes((ev.changes for ev in upto), only=(target, pk)).get((target, pk))
    if raw is None:
        return None
    state = defaults(fields)
    for k, v in raw.items():
        state[k] = _from_json(fields, k, v)
    return state


def _events_of(target: str, pks: Iterable[int]) -> dict[int, list[RegistryEvent]]:
    """The live events of several persons (or households) with one query, each list in fold order."""
    return engine_reads.events_of(target, pks)


def _with_event(events: dict[int, list[RegistryEvent]], event: RegistryEvent) -> dict[int, list[RegistryEvent]]:
    """`_events_of` read before the new event's subjects were written: add the new event (a subject of every one of
    these records) at its place in fold order (異動日, then id)."""
    for evs in events.values():
        if all(ev.pk != event.pk for ev in evs):
            evs.append(event)
            evs.sort(key=lambda ev: (ev.effective_on, ev.pk))
    return events


_UPDATE_SQL: dict[tuple[str, str, int], tuple[str, list[models.Field]]] = {}


def _update_sql(model: type[models.Model], rows: int) -> tuple[str, list[models.Field]]:
    """One UPDATE of `rows` records of a scoped model, every column as `save()` writes it, built once per database
    vendor (and, on SQLite, per row count), with the scoped layer's municipality filter in the statement.

    PostgreSQL: the rows travel as one JSON array, turned into rows of the table's own type by
    `jsonb_populate_recordset` — two parameters and one text whatever the number of rows (a 転居 of a household of
    three sends 2 parameters, not ~150: psycopg neither splits nor adapts ~150 parameters, nor leaves the text out of
    its cache for having more than 50, and the server keeps one prepared statement, not one per row count).
    Each value is what `get_db_prep_save` gives, written as JSON; PostgreSQL converts it by the column's type (the
    same input function a bound text parameter goes through), so lengths and types are checked as before.
    SQLite: `UPDATE t SET c = v.c … FROM (SELECT %s AS id, %s AS c … UNION ALL SELECT …) v WHERE t.id = v.id AND
    t.municipality_id = %s`."""
    pg = connection.vendor == "postgresql"
    key = (connection.vendor, model._meta.label, 0 if pg else rows)
    entry = _UPDATE_SQL.get(key)  # read once: another thread may clear the cache meanwhile
    if entry is None:
        qn = connection.ops.quote_name
        pk = model._meta.pk
        fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
        table = qn(model._meta.db_table)
        sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields)
        where = (f" AS v WHERE {table}.{qn(pk.column)} = v.{qn(pk.column)}"
                 f" AND {table}.{qn('municipality_id')} = %s")
        if pg:
            sql = f"UPDATE {table} SET {sets} FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb){where}"
        else:
            cols = [pk, *fields]
            first = "SELECT " + ", ".join(f"%s AS {qn(f.column)}" for f in cols)
            more = " UNION ALL SELECT " + ", ".join("%s" for f in cols)
            sql = f"UPDATE {table} SET {sets} FROM ({first}{more * (rows - 1)}){where}"
        entry = (sql, fields)
        if len(_UPDATE_SQL) >= fixed.CACHE_LIMIT:  # one text per row count on SQLite: bounded
            _UPDATE_SQL.clear()
        _UPDATE_SQL[key] = entry
    return entry


# Fields whose stored value is the attribute itself (no `pre_save`/`get_db_prep_save` conversion that the column's
# own input function would not make from the JSON value): read directly. Any other field goes through Django.
_PLAIN = (models.CharField, models.TextField, models.BooleanField, models.IntegerField)
_JSON_FIELDS: dict[str, list[tuple[models.Field, str, bool]]] = {}


def _json_fields(model: type[models.Model], fields: list[models.Field]) -> list[tuple[models.Field, str, bool]]:
    out = _JSON_FIELDS.get(model._meta.label)
    if out is None:
        def plain(f: Any) -> bool:
            if type(f) is models.DateField:  # auto_now / auto_now_add set the value in pre_save
                return not (f.auto_now or f.auto_now_add)
            if isinstance(f, models.ForeignKey):  # the id itself, an integer
                return isinstance(f.target_field, models.IntegerField)
            return (isinstance(f, _PLAIN) and type(f).pre_save is models.Field.pre_save
                    and type(f).get_db_prep_save is models.Field.get_db_prep_save)
        out = _JSON_FIELDS[model._meta.label] = [(f, f.column, plain(f)) for f in fields]
    return out


def _stored(obj: models.Model, f: Any, plain: bool) -> Any:
    """The value `save()` would store for the field: the attribute itself where that is the same (a text column's
    value is text only if it is a str — Django would write str(value))."""
    if plain:
        value = getattr(obj, f.attname)
        if value is None or isinstance(value, str) or not isinstance(f, (models.CharField, models.TextField)):
            return value
    return f.get_db_prep_save(f.pre_save(obj, False), connection)


def save_all(objs: list[Person] | list[Household]) -> None:
    """Save several records of one scoped model (as `save()` would, each whole) with one UPDATE statement."""
    if not objs:
        return
    municipality_id = current_municipality_id()
    if municipality_id is None:
        require_municipality()
    model = type(objs[0])
    sql, fields = _update_sql(model, len(objs))
    pg = connection.vendor == "postgresql"
    json_fields = _json_fields(model, fields) if pg else []
    params: list[Any] = []
    rows: list[dict[str, Any]] = []
    for obj in objs:
        if type(obj) is not model or obj.pk is None:
            raise ValueError("save_all: saved records of one model only")
        if obj.municipality_id != municipality_id:
            raise CrossTenantWrite()
        if pg:
            row = {column: fixed.json_value(_stored(obj, f, plain)) for f, column, plain in json_fields}
            row[model._meta.pk.column] = obj.pk
            rows.append(row)
        else:
            params.append(obj.pk)
            params += [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    if pg:
        params = [json.dumps(rows, ensure_ascii=False, separators=(",", ":"))]
    params.append(municipality_id)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        if cur.rowcount != len(objs):
            raise RuntimeError(f"save_all: {cur.rowcount} of {len(objs)} {model.__name__} rows updated")


def _refold(obj: Person | Household, events: Iterable[RegistryEvent] | None = None) -> None:
    target = "person" if isinstance(obj, Person) else "household"
    state = fold(target, obj.pk, events=events)
    state = state or absent(target)
    for k, v in state.items():
        setattr(obj, k, v)


def snapshot_data(person: Person) -> dict[str, Any]:
    data = {k: to_json(getattr(person, k)) for k in PERSON_ITEMS}
    data["person_no"] = person.person_no
    return data


def _update_search(persons: list[Person]) -> None:
    """Current search columns, and a search key for every name and address the persons have had."""
    existing: dict[int, set[tuple[str, str]]] = {p.pk: set() for p in persons}
    for person_id, kind, value in engine_reads.search_keys_of([p.pk for p in persons]):
        existing[person_id].add((kind, value))
    new = []
    for person in persons:
        keys = search_keys(person)
        new += [SearchKey(person=person, kind=k, value=v) for k, v in sorted(keys - existing[person.pk])]
        for column, text in search_columns(person, keys | existing[person.pk]).items():
            setattr(person, column, text)
    fixed.insert_many(new)


# --- applying an event ------------------------------------------------------------------------


@dataclass
class EventResult:
    event: RegistryEvent
    persons: list[Person] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)


def _check_versions(persons: list[Person], versions: dict[int, int] | None) -> None:
    for p in persons:
        if versions and p.pk in versions and versions[p.pk] != p.version:
            raise Conflict(
                f"宛名番号 {p.person_no} の住民票は、画面を開いた後に他の職員が更新しました（版 {versions[p.pk]} → "
                f"{p.version}）。最新の内容を確認してから、もう一度入力してください。"
            )


def _check_household(h: Household, members: list[tuple[int, str]]) -> None:
    """`members`: the household's residents after the event, as (id, 続柄)."""
    if h.status == "dissolved":
        if members:
            raise ValidationFailed(f"世帯 {h.household_no} には世帯員が残っているため、世帯を消除できません。", field="household")
        return
    heads = [pk for pk, relationship in members if relationship == HEAD]
    if len(heads) != 1:
        raise ValidationFailed(
            f"世帯 {h.household_no} の世帯主が{'いません' if not heads else f'{len(heads)}人います'}。"
            "世帯主はちょうど1人にしてください。",
            field="relationship",
        )
    if h.head_id != heads[0]:
        raise ValidationFailed(f"世帯 {h.household_no} の世帯主の記録が世帯員の続柄と一致しません。", field="household")


def _residents_after(households: list[Household], persons: list[Person]) -> dict[int, list[tuple[int, str]]]:
    """Each household's residents once the event applies: the untouched ones as stored, the touched ones as
    just refolded (not saved yet)."""
    out: dict[int, list[tuple[int, str]]] = {h.pk: [] for h in households}
    touched = [p.pk for p in persons]
    stored = engine_reads.residents_stored(list(out), touched)
    for household_id, pk, relationship in stored:
        out[household_id].append((pk, relationship))
    for p in persons:
        if p.status == Status.RESIDENT and p.household_id in out:
            out[p.household_id].append((p.pk, p.relationship))
    return out


# No savepoint of its own: every service that calls it is atomic itself, and an error here fails the service.
@transaction.atomic(savepoint=False)
def apply_event(
    kind: str,
    *,
    effective_on: dt.date,
    notified_on: dt.date | None,
    changes: list[Change],
    reason: str = "",
    corrects: RegistryEvent | None = None,
    cancels: RegistryEvent | None = None,
    versions: dict[int, int] | None = None,
    purpose: str = "",
    extra_persons: Iterable[Person] = (),
    locked: list[Person] | None = None,
) -> EventResult:
    """Append one event and bring the projection, history, search keys, audit and meters up to date.

    `locked`: the persons the changes name, already read with SELECT … FOR UPDATE (in pk order) in this
    transaction by the caller (`residents_of(…, lock=True)`): not read again."""
    municipality = require_municipality()
    actor = current_actor()
    person_ids = {c.obj.pk for c in changes if c.target == "person"} | {p.pk for p in extra_persons}
    household_ids = {c.obj.pk for c in changes if c.target == "household"}
    if locked is not None and {p.pk for p in locked} == person_ids and cancels is None:
        persons = sorted(locked, key=lambda p: p.pk)
    else:
        persons = list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk"))
    _check_versions(persons, versions)
    for p in persons:
        if p.household_id:
            household_ids.add(p.household_id)
    for c in changes:
        if c.target == "person" and "household_id" in c.values and c.values["household_id"]:
            household_ids.add(c.values["household_id"])
    event = RegistryEvent(
        kind=kind, effective_on=effective_on, notified_on=notified_on, clerk=actor.username, role=actor.role,
        channel=actor.channel, reason=reason[:300], changes=[c.as_json() for c in changes],
        corrects=corrects, cancels=cancels,
    )
    fixed.insert(event)
    if cancels is not None:
        person_ids |= set(cancels.subjects.exclude(person=None).values_list("person_id", flat=True))
        household_ids |= set(cancels.subjects.exclude(household=None).values_list("household_id", flat=True))
        persons = list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk"))
    # The persons' earlier events, and this one added in fold order (its subjects are written below, with the
    # households', in one statement).
    person_events = _with_event(_events_of("person", [p.pk for p in persons]), event)
    for p in persons:
        _refold(p, person_events[p.pk])
        if p.household_id:
            household_ids.add(p.household_id)
    households = (fixed.select(Household, "{t}.id IN {in}", [sorted(household_ids)], order_by="{t}.id", for_update=True)
                  if household_ids else [])
    fixed.insert_many([*(EventSubject(event=event, person=p) for p in persons),
                       *(EventSubject(event=event, household=h) for h in households)])
    household_events = _with_event(_events_of("household", [h.pk for h in households]), event)
    for h in households:
        _refold(h, household_events[h.pk])
    residents = _residents_after(households, persons)
    # A household left without residents is dissolved by the same event.
    emptied = [h for h in households if h.status != "dissolved" and not residents[h.pk]]
    if emptied:
        event.changes = [*event.changes,
                         *(Change("household", h, {"status": "dissolved", "head_id": None}).as_json() for h in emptied)]
        event.save(update_fields=["changes"])
        for h in emptied:
            _refold(h)
    for h in households:
        _check_household(h, residents[h.pk])
    violations = invariants.check_event(event, persons, person_events, {h.pk for h in households},
                                        {h.pk: h.household_no for h in households})
    if violations:
        v = violations[0]
        who = f"宛名番号 {v.person_no}: " if v.person_no else ""
        raise ValidationFailed(f"{who}{v.message}", field="effective_on")
    _update_search(persons)
    for p in persons:
        p.version += 1
        p.history_no += 1
    save_all(persons)
    fixed.insert_many([
        PersonSnapshot(person=p, history_no=p.history_no, event=event, effective_on=effective_on,
                       household_id_at=p.household_id, data=snapshot_data(p)) for p in persons])
    for h in households:
        h.version += 1
    save_all(households)
    audit.record(
        f"registry.{kind}", obj=event, purpose=purpose or EventKind(kind).label,
        detail={"persons": sorted(p.person_no for p in persons), "effective_on": effective_on.isoformat()},
    )
    metering.record("registry_events", municipality=municipality)
    domain_events.publish(f"registry.{kind}", event_payload(event, persons, households), source="registry")
    return EventResult(event, persons, households)


def event_payload(event: RegistryEvent, persons: list[Person], households: list[Household]) -> dict[str, Any]:
    """What other areas hear of a committed 異動 (domain event `registry.<kind>`): who, which households,
    the dates and the names of the items it set — not the values (they read those through registry.public)."""
    numbers = {h.pk: h.household_no for h in households}
    missing = {p.household_id for p in persons if p.household_id and p.household_id not in numbers}
    if missing:
        numbers.update(Household.objects.filter(pk__in=missing).values_list("pk", "household_no"))
    payload: dict[str, Any] = {
        "event_id": event.pk,
        "kind": event.kind,
        "effective_on": to_json(event.effective_on),
        "notified_on": to_json(event.notified_on),
        "persons": [{"person_no": p.person_no, "birth_date": to_json(p.birth_date),
                     "household_no": numbers.get(p.household_id) if p.household_id else None,
                     "status": p.status} for p in persons],
        "households": [h.household_no for h in households],
        "changed": sorted({name for ch in event.changes for name in ch["set"]}),
    }
    if event.cancels_id:
        payload["cancels"] = event.cancels_id
    if event.corrects_id:
        payload["corrects"] = event.corrects_id
    return payload


# --- reading as of a date ----------------------------------------------------------------------


def reveal_individual_number(person: Person, purpose: str) -> str:
    """Decrypt the 個人番号 for a lawful purpose from the catalogue (番号法 第9条); audited as such in the same
    transaction. Free text is refused: `individual_number_uses.resolve`."""
    use = individual_number_uses.resolve(purpose)
    if not person.individual_number_enc:
        raise ValidationFailed("この住民票には個人番号が記載されていません。", field="individual_number")
    municipality = require_municipality()
    with transaction.atomic():
        number = crypto.decrypt(municipality.code, person.individual_number_enc)
        audit.record("registry.individual_number_shown", obj=person, purpose=use.label,
                     individual_number_shown=True, detail={"use": use.code, "basis": use.basis})
    return number
