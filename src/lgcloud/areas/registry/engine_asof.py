"""The register as it stood on a day, read from the events (`fold`), and the check that the projection is the fold of
the events. Split from `engine` (the write side); every function reads within the current member's tenant context."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lgcloud.areas.registry.engine import HOUSEHOLD_ITEMS, PERSON_ITEMS, _events_of, absent, fold
from lgcloud.areas.registry.models import EventSubject, Household, Person, Status
from lgcloud.areas.registry.relationships import HEAD


def person_as_of(person: Person, on: dt.date) -> dict[str, Any] | None:
    state = fold("person", person.pk, on)
    if state is not None:
        state["person_no"] = person.person_no
    return state


def household_as_of(household: Household, on: dt.date) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The household's items and its resident members (in household order) as they stood on `on`."""
    items = fold("household", household.pk, on)
    candidates = Person.objects.filter(snapshots__household_id_at=household.pk).distinct()
    members = []
    for p in candidates:
        state = person_as_of(p, on)
        if state and state["household_id"] == household.pk and state["status"] == Status.RESIDENT:
            state["pk"] = p.pk
            members.append(state)
    members.sort(key=lambda s: (s["relationship"] != HEAD, s["household_order"], s["person_no"]))
    return items, members


def persons_changed_after(on: dt.date) -> Any:
    """Ids of the persons any event dated after `on` touches (a subquery): only they can differ on `on` from the
    projection."""
    return (EventSubject.objects.filter(event__effective_on__gt=on, person_id__isnull=False)
            .values("person_id").distinct())


def register_as_of(on: dt.date, fields: Iterable[str] | None = None) -> Iterable[dict[str, Any]]:
    """Every person resident on `on`, in 宛名番号 order, as they stood that day (`fields`: only these items).

    Set-based: the projection is the fold of all live events, so for every person no event dated after `on`
    touches it is also the state on `on` — one query for them; only the few persons with a later event (a
    異動 since, a retroactive correction, a cancellation) are folded up to `on` from their events."""
    items = list(fields) if fields is not None else list(PERSON_ITEMS)
    later = persons_changed_after(on)
    plain = (Person.objects.filter(status=Status.RESIDENT).exclude(pk__in=later)
             .order_by("person_no").values_list("pk", "person_no", *items))
    folded: list[dict[str, Any]] = []
    later_pks: list[int] = [row["person_id"] for row in later]
    for k in range(0, len(later_pks), 2000):
        chunk = later_pks[k:k + 2000]
        events = _events_of("person", chunk)
        numbers = dict(Person.objects.filter(pk__in=chunk).values_list("pk", "person_no"))
        for pk in chunk:
            state = fold("person", pk, on, events[pk])
            if state and state["status"] == Status.RESIDENT:
                folded.append({"pk": pk, "person_no": numbers[pk], **{k: state[k] for k in items}})
    folded.sort(key=lambda s: s["person_no"], reverse=True)
    for row in plain.iterator(chunk_size=5000):
        while folded and folded[-1]["person_no"] < row[1]:
            yield folded.pop()
        yield {"pk": row[0], "person_no": row[1], **dict(zip(items, row[2:], strict=True))}
    while folded:
        yield folded.pop()


# --- verification -------------------------------------------------------------------------------


@dataclass
class Difference:
    target: str
    number: int
    item: str
    projected: Any
    rebuilt: Any


def verify_projection() -> list[Difference]:
    """Rebuild every person and household from the events and list where the projection differs."""
    diffs: list[Difference] = []
    for target, model, items, number_field in (
        ("person", Person, PERSON_ITEMS, "person_no"),
        ("household", Household, HOUSEHOLD_ITEMS, "household_no"),
    ):
        for obj in model.objects.all().iterator(chunk_size=2000):
            state = fold(target, obj.pk) or absent(target)
            for k in items:
                if getattr(obj, k) != state[k]:
                    diffs.append(Difference(target, getattr(obj, number_field), k, getattr(obj, k), state[k]))
    return diffs
