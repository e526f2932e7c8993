"""Queues and their handlers: `@handler(queue, label=…)` in an app's `worklist_handlers.py` (or any module the
app loads, e.g. its `subscribers.py`). The handler runs when a clerk accepts an item, inside the decision's
transaction, in the municipality's context with the clerk as the actor; it receives the WorkItem and may return
a short text that is kept as the outcome. Raising (ValidationFailed…) refuses the decision: nothing is written.
A queue without a handler records the decision only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any

Handler = Callable[[Any], Any]


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    fn: Handler | None


_queues: dict[str, Queue] = {}


def handler(queue: str, *, label: str = "") -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _queues[queue] = Queue(queue, label or queue, fn)
        return fn

    return register


def register_queue(queue: str, *, label: str) -> None:
    """A queue whose accepted items need no handler (the decision is the whole work)."""
    if queue not in _queues:
        _queues[queue] = Queue(queue, label, None)


def queue(name: str) -> Queue | None:
    return _queues.get(name)


def label(name: str) -> str:
    found = _queues.get(name)
    return found.label if found else name


def queues() -> dict[str, Queue]:
    return dict(sorted(_queues.items()))


def discover() -> None:
    from django.apps import apps

    for config in apps.get_app_configs():
        module = f"{config.name}.worklist_handlers"
        if find_spec(module) is not None:
            import_module(module)
