"""転居 and 住所設定: the household's address changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from lgcloud.areas.registry.actions.common import (
    address_items,
    address_values,
    check_dates,
    get_household,
    residents_of,
)
from lgcloud.areas.registry.engine import Change, EventResult, apply_event
from lgcloud.areas.registry.models import (
    EventKind,
    RestrictedAction,
)
from lgcloud.areas.registry.restrictions import guarded
from lgcloud.platform.common.errors import ValidationFailed


@guarded(RestrictedAction.CHANGE)
@transaction.atomic
def move_within(*, household_no: int, address: Mapping[str, Any], effective_on: Any, notified_on: Any,
                versions: dict[int, int] | None = None, reason: str = "",
                kind: str = EventKind.MOVE_WITHIN) -> EventResult:
    """転居: the whole household moves to another address in the municipality."""
    eff, notified = check_dates(kind, effective_on, notified_on)
    household = get_household(household_no)
    members = residents_of(household, lock=True)
    if not members:
        raise ValidationFailed("世帯に住民がいません。", field="household_no")
    addr = address_items(address)
    if (addr["address"], addr["address_extra"]) == (household.address, household.address_extra) and kind == EventKind.MOVE_WITHIN:
        raise ValidationFailed("新しい住所が現在の住所と同じです。", field="address")
    changes = [Change("household", household, addr)]
    for p in members:
        values: dict[str, Any] = {**address_values(addr, eff), "notified_on": notified}
        if kind == EventKind.MOVE_WITHIN:
            values["previous_address"] = f"{p.address}{p.address_extra}"[:200]
        changes.append(Change("person", p, values))
    return apply_event(kind, effective_on=eff, notified_on=notified, changes=changes, versions=versions, reason=reason,
                       locked=members)


def address_setting(**kwargs: Any) -> EventResult:
    """住所設定 (e.g. 住居表示の実施): the address changes without anyone moving."""
    return move_within(kind=EventKind.ADDRESS_SETTING, **kwargs)
