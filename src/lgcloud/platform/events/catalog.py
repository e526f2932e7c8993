"""The subscribers: functions an app declares in its `subscribers.py` with `@subscriber(name, kinds=…)`.

    from lgcloud.platform.events import subscriber

    @subscriber("insurance.enrolment", kinds={"registry.birth", "registry.move_in"})
    def on_registry(event: DomainEvent) -> None: ...

The handler runs in the municipality's context (as the system actor `events:<name>`), inside one
transaction with the advance of its cursor: whatever it writes to the database happens exactly once.
It is called at least once per event, so anything it does outside the database must be idempotent.
A kind ending in `.*` matches every kind with that prefix (`registry.*`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.db.models import Q

Handler = Callable[[Any], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    kinds: frozenset[str]
    fn: Handler

    def matches(self, kind: str) -> bool:
        return any(kind == k or (k.endswith(".*") and kind.startswith(k[:-1])) for k in self.kinds)

    def kind_filter(self) -> Q:
        q = Q(pk__in=[])
        for k in self.kinds:
            q |= Q(kind__startswith=k[:-1]) if k.endswith(".*") else Q(kind=k)
        return q


_subscribers: dict[str, Subscriber] = {}


def subscriber(name: str, *, kinds: Iterable[str]) -> Callable[[Handler], Handler]:
    """Register `fn` as the subscriber `name` ("app.purpose") to events of `kinds`."""
    kinds = frozenset(kinds)
    if "." not in name or len(name) > 100:
        raise ValueError(f"subscriber name {name!r} must read 'app.purpose' (at most 100 characters)")
    if not kinds:
        raise ValueError(f"subscriber {name!r} subscribes to no kind")

    def register(fn: Handler) -> Handler:
        existing = _subscribers.get(name)
        if existing is not None and (existing.fn.__module__, existing.fn.__qualname__) != (
            fn.__module__, fn.__qualname__
        ):
            raise ValueError(f"two subscribers are named {name!r}: {existing.fn.__qualname__} and {fn.__qualname__}")
        _subscribers[name] = Subscriber(name, kinds, fn)
        return fn

    return register


def discover() -> None:
    """Import every installed app's `subscribers` module (AppConfig.ready of the events app)."""
    from django.apps import apps

    for config in apps.get_app_configs():
        module = f"{config.name}.subscribers"
        if find_spec(module) is not None:
            import_module(module)


def subscribers() -> dict[str, Subscriber]:
    return dict(sorted(_subscribers.items()))


def get(name: str) -> Subscriber:
    found = _subscribers.get(name)
    if found is None:
        known = "、".join(_subscribers) or "なし"
        from lgcloud.platform.common.errors import ValidationFailed

        raise ValidationFailed(f"購読者「{name}」は登録されていません。登録されている購読者: {known}", field="subscriber")
    return found


def unregister(name: str) -> None:
    """Tests only: forget a subscriber registered for one test."""
    _subscribers.pop(name, None)
