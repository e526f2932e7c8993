"""Domain events: how one app hears of another's committed changes without importing its models.

    from lgcloud.platform import events

    events.publish("registry.birth", {...})          # in the writer's transaction (outbox)

    @events.subscriber("insurance.enrolment", kinds={"registry.birth"})   # in an app's subscribers.py
    def on_birth(event): ...

    events.process_pending()                          # `lgcloud events process` / `events worker`

See catalog (subscribers), outbox (publish) and processing (delivery, retries, replay).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lgcloud.platform.events.catalog import subscriber

if TYPE_CHECKING:
    from lgcloud.platform.events.models import DomainEvent
    from lgcloud.platform.events.processing import Progress

__all__ = ["process_pending", "publish", "replay", "subscriber"]


def publish(kind: str, payload: dict[str, Any], *, source: str = "") -> DomainEvent:
    from lgcloud.platform.events.outbox import publish as _publish

    return _publish(kind, payload, source=source)


def process_pending(**kwargs: Any) -> list[Progress]:
    from lgcloud.platform.events.processing import process_pending as _process

    return _process(**kwargs)


def replay(name: str, from_id: int, **kwargs: Any) -> int:
    from lgcloud.platform.events.processing import replay as _replay

    return _replay(name, from_id, **kwargs)
