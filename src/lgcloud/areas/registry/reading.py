"""Looking a person or a household up (照会), for the screens and the API alike.

The 照会 check (抑止, 支援措置) runs first, outside any transaction, so a refusal stays audited; then the
read and its READ audit record happen in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from lgcloud.areas.registry import engine, engine_asof, restrictions
from lgcloud.areas.registry.actions.common import get_household
from lgcloud.areas.registry.models import (
    Household,
    Person,
    PersonSnapshot,
    RegistryEvent,
    RestrictedAction,
    Restriction,
    Status,
    SupportMeasure,
)
from lgcloud.areas.registry.relationships import HEAD
from lgcloud.areas.registry.restrictions import Requester
from lgcloud.platform.accounts.roles import Cap, capabilities
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import NotFound, PermissionDenied, ValidationFailed
from lgcloud.platform.common.wareki import parse_japanese_date
from lgcloud.platform.db import fixed
from lgcloud.platform.tenancy.context import current_actor, require_municipality

DEFAULT_PURPOSE = "住民記録の照会"


def parse_date(value: Any, field: str = "as_of", label: str = "基準日") -> dt.date | None:
    """A date typed as 西暦 or 和暦 (令和8年4月1日, R8.4.1); empty is None."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return parse_japanese_date(text)
    except ValueError as e:
        raise ValidationFailed(f"{label}: {e}", field=field) from None


def requester(name: Any = "", kana: Any = "", birth_date: Any = "", person_no: Any = "") -> Requester | None:
    """Who asks at the counter (for the 支援措置 check); None when nothing was given."""
    name, kana = str(name or "").strip(), str(kana or "").strip()
    birth = parse_date(birth_date, "requester_birth_date", "請求者の生年月日")
    person_id = None
    if str(person_no or "").strip():
        number = str(person_no).strip()
        if not number.isdigit():
            raise ValidationFailed("請求者の宛名番号は数字で入力してください。", field="requester_person_no")
        found = Person.objects.filter(person_no=int(number)).first()
        if found is None:
            raise ValidationFailed(f"請求者の宛名番号 {number} の住民票はありません。", field="requester_person_no")
        person_id = found.pk
    if not (name or kana or birth or person_id):
        return None
    return Requester(person_id=person_id, name=name, kana=kana, birth_date=birth)


def versions_by_pk(by_person_no: Mapping[Any, Any] | None) -> dict[int, int] | None:
    """The optimistic-lock versions the clerk saw, keyed by 宛名番号 → keyed by the person's id."""
    if not by_person_no:
        return None
    try:
        wanted = {int(k): int(v) for k, v in by_person_no.items()}
    except (TypeError, ValueError):
        raise ValidationFailed("版（versions）は宛名番号と版の数字で指定してください。", field="versions") from None
    pks = dict(Person.objects.filter(person_no__in=wanted).values_list("person_no", "pk"))
    return {pks[n]: v for n, v in wanted.items() if n in pks}


def _household_numbers(pks: Iterable[int | None], known: Household | None = None) -> dict[int, int]:
    ids = {pk for pk in pks if pk}
    found = {known.pk: known.household_no} if known is not None else {}
    if ids - set(found):
        found.update(Household.objects.filter(pk__in=ids - set(found)).values_list("pk", "household_no"))
    return {pk: found[pk] for pk in ids if pk in found}


_WITH_HOUSEHOLD: dict[str, str] = {}
_FOR_CHECK = ("id", "person_no", "household_id")


def _person_for_check(person_no: int) -> Person | None:
    """`Person.objects.only("id", "person_no", "household_id").filter(person_no=…).first()` (what the 照会 check
    needs; the other items stay deferred) with fixed SQL: every 照会 starts here."""
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(_FOR_CHECK)} FROM {table} WHERE municipality_id = %s AND person_no = %s",
                    [require_municipality().pk, person_no])
        row = cur.fetchone()
    return Person.from_db(connection.alias, list(_FOR_CHECK), list(row)) if row else None


def _person_with_household(pk: int) -> Person:
    """`Person.objects.select_related("household").get(pk=pk)` with its text built once (every 照会 reads it)."""
    if connection.vendor not in _WITH_HOUSEHOLD:
        qn = connection.ops.quote_name
        p, h = qn(Person._meta.db_table), qn(Household._meta.db_table)
        _WITH_HOUSEHOLD[connection.vendor] = (
            f"SELECT {fixed.columns(Person, p)}, {fixed.columns(Household, h)} FROM {p} LEFT OUTER JOIN {h} "
            f"ON {h}.id = {p}.household_id AND {h}.municipality_id = {p}.municipality_id "
            f"WHERE {p}.municipality_id = %s AND {p}.id = %s")
    with connection.cursor() as cur:
        cur.execute(_WITH_HOUSEHOLD[connection.vendor], [require_municipality().pk, pk])
        row = cur.fetchone()
    if row is None:
        raise Person.DoesNotExist
    n = fixed.width(Person)
    person = fixed.build(Person, row[:n])
    person.household = fixed.build(Household, row[n:]) if person.household_id is not None else None
    return person


@dataclass
class PersonFile:
    person: Person
    state: dict[str, Any] | None
    as_of: dt.date | None
    alerts: list[str]
    snapshots: list[PersonSnapshot]
    cancelled: set[int]
    households: dict[int, int]
    head_name: str
    restrictions: list[Restriction] = field(default_factory=list)
    measures: list[SupportMeasure] = field(default_factory=list)


def current_state(person: Person) -> dict[str, Any]:
    state = {k: getattr(person, k) for k in engine.PERSON_ITEMS}
    state["person_no"] = person.person_no
    return state


def _head_name(state: Mapping[str, Any], on: dt.date | None) -> str:
    from lgcloud.areas.registry.display import name_text

    if state.get("relationship") == HEAD:
        return name_text(state)
    household = Household.objects.filter(pk=state.get("household_id") or 0).first()
    if household is None:
        return ""
    if on is None:
        head = household.head
        return name_text(current_state(head)) if head else ""
    _items, members = engine_asof.household_as_of(household, on)
    return next((name_text(m) for m in members if m["relationship"] == HEAD), "")


def open_person(person_no: int, *, as_of: dt.date | None = None, requester: Requester | None = None,
                acknowledge_alerts: bool = False, purpose: str = "", history: bool = True) -> PersonFile:
    """The person's items (current or as of a date), 抑止 and 支援措置, after the 照会 check.

    With `history` (the screens) also the 履歴, the head's name and the blocks; the API's item read
    goes without them."""
    # What the 照会 check needs; the person's items are read in the transaction below.
    person = _person_for_check(person_no)
    if person is None:
        raise NotFound(f"宛名番号 {person_no} の住民票はありません。")
    measures = restrictions.active_support_measures([person])
    alerts = restrictions.check(RestrictedAction.INQUIRY, [person], requester=requester,
                                acknowledge_alerts=acknowledge_alerts, measures=measures)
    snapshots: list[PersonSnapshot] = []
    cancelled: set[int | None] = set()
    head, blocks = "", []
    with transaction.atomic():
        person = _person_with_household(person.pk)
        state = current_state(person) if as_of is None else engine_asof.person_as_of(person, as_of)
        if history:
            snapshots = list(PersonSnapshot.objects.filter(person=person).select_related("event")
                             .order_by("history_no"))
            cancelled = set(RegistryEvent.objects.filter(cancels_id__in=[s.event_id for s in snapshots])
                            .values_list("cancels_id", flat=True))
            head = _head_name(state, as_of) if state else ""
            blocks = list(Restriction.objects.filter(removed=False).filter(
                Q(person=person) | Q(household_id=person.household_id or 0)).order_by("starts_on", "pk"))
        households = _household_numbers([person.household_id, *(s.household_id_at for s in snapshots),
                                         state.get("household_id") if state else None], known=person.household)
        audit.record("registry.person_viewed", obj=person, purpose=(purpose or DEFAULT_PURPOSE)[:200],
                     detail={"person_no": person.person_no, "as_of": as_of.isoformat() if as_of else None,
                             "alerts": len(alerts)})
    return PersonFile(person, state, as_of, alerts, snapshots, {c for c in cancelled if c}, households, head,
                      blocks, measures)


@dataclass
class HouseholdFile:
    household: Household
    items: dict[str, Any] | None
    members: list[dict[str, Any]]
    as_of: dt.date | None
    alerts: list[str]
    restrictions: list[Restriction] = field(default_factory=list)


def _residents(household: Household) -> list[Person]:
    return list(Person.objects.filter(household=household, status=Status.RESIDENT)
                .order_by("household_order", "person_no"))


def open_household(household_no: int, *, as_of: dt.date | None = None, requester: Requester | None = None,
                   acknowledge_alerts: bool = False, purpose: str = "") -> HouseholdFile:
    """The household's items and its members in order (current or as of a date), after the 照会 check on them."""
    household = get_household(household_no)
    if as_of is None:
        checked = _residents(household)
    else:
        # Only those who were members on that day: a person who lived here before or after (perhaps under a
        # 支援措置 now) is none of this reader's business, and their alert must not say they were here.
        _items, members_then = engine_asof.household_as_of(household, as_of)
        checked = list(Person.objects.filter(person_no__in=[m["person_no"] for m in members_then]))
    alerts = restrictions.check(RestrictedAction.INQUIRY, checked, requester=requester,
                                acknowledge_alerts=acknowledge_alerts) if checked else []
    with transaction.atomic():
        household = Household.objects.get(pk=household.pk)
        if as_of is None:
            items: dict[str, Any] | None = {k: getattr(household, k) for k in engine.HOUSEHOLD_ITEMS}
            members = []
            for p in _residents(household):
                state = current_state(p)
                state["pk"], state["version"] = p.pk, p.version
                members.append(state)
            members.sort(key=lambda s: (s["relationship"] != HEAD, s["household_order"], s["person_no"]))
        else:
            items, members = engine_asof.household_as_of(household, as_of)
        blocks = list(Restriction.objects.filter(removed=False, household=household).order_by("starts_on", "pk"))
        audit.record("registry.household_viewed", obj=household, purpose=(purpose or DEFAULT_PURPOSE)[:200],
                     detail={"household_no": household.household_no, "as_of": as_of.isoformat() if as_of else None,
                             "persons": [m["person_no"] for m in members], "alerts": len(alerts)})
    return HouseholdFile(household, items, members, as_of, alerts, blocks)


# --- access: the capability, the 照会 check and the read audit in one call ----------------------------------


def _require_any(capability: str | Sequence[str]) -> None:
    caps = (capability,) if isinstance(capability, str) else tuple(capability)
    actor = current_actor()
    if actor.channel in ("cli", "system"):
        return
    held = capabilities(actor.role)
    if not any(c in held for c in caps):
        raise PermissionDenied("この操作を行う権限がありません。")


def _requester(given: Requester | Mapping[str, Any] | None) -> Requester | None:
    """Who asks, given as a Requester or as the raw fields (name, kana, birth_date, person_no): read after the check,
    like a 基準日 given as text (西暦 or 和暦)."""
    return requester(**given) if isinstance(given, Mapping) else given


def access_person(person_no: int, *, capability: str | Sequence[str] = Cap.REGISTRY_VIEW, purpose: str = "",
                  as_of: dt.date | str | None = None, requester: Requester | Mapping[str, Any] | None = None,
                  acknowledge_alerts: bool = False, history: bool = True) -> PersonFile:
    """A person for a reader holding `capability` (or one of them): the capability, the 照会 check (抑止・支援措置)
    and the READ audit record together, as Zulip's access_* helpers load and check. Screens and API call this."""
    _require_any(capability)
    return open_person(person_no, as_of=parse_date(as_of) if isinstance(as_of, str) else as_of, requester=_requester(requester), acknowledge_alerts=acknowledge_alerts,
                       purpose=purpose, history=history)


def access_household(household_no: int, *, capability: str | Sequence[str] = Cap.REGISTRY_VIEW, purpose: str = "",
                     as_of: dt.date | str | None = None, requester: Requester | Mapping[str, Any] | None = None,
                     acknowledge_alerts: bool = False) -> HouseholdFile:
    """A household and its members for a reader holding `capability`: checked, 照会-checked and audited in one call."""
    _require_any(capability)
    return open_household(household_no, as_of=parse_date(as_of) if isinstance(as_of, str) else as_of, requester=_requester(requester),
                          acknowledge_alerts=acknowledge_alerts, purpose=purpose)
