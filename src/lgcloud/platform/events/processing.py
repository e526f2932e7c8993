"""Delivering the outbox to the subscribers: per municipality, per subscriber, in id order.

Each delivery is one transaction: lock the subscriber's cursor, call the handler, advance the cursor.
A crash between the two leaves neither (the event is delivered again: at least once, and a handler's
database writes happen exactly once). A handler that raises rolls back its own work; the failure is
recorded on its cursor (attempts, error, next retry with backoff) and only that subscriber in that
municipality waits — the 異動 that published the event committed long before, and every other
subscriber goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from lgcloud.platform.events.catalog import Subscriber
from lgcloud.platform.events.catalog import get as get_subscriber
from lgcloud.platform.events.catalog import subscribers as all_subscribers
from lgcloud.platform.events.models import DomainEvent, SubscriberCursor
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Municipality

log = logging.getLogger(__name__)

BATCH = 200
BACKOFF_FIRST = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=1)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … up to an hour between attempts."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


@dataclass
class Progress:
    """One pass over one municipality."""

    municipality: Municipality
    delivered: int = 0
    failed: list[str] = field(default_factory=list)  # subscribers that failed (or are waiting to retry)
    behind: dict[str, int] = field(default_factory=dict)  # subscriber → events still to deliver

    def line(self) -> str:
        text = f"{self.municipality.code} {self.municipality}: 配信 {self.delivered} 件"
        if self.failed:
            text += f"、失敗・再試行待ち {'、'.join(self.failed)}"
        if any(self.behind.values()):
            text += "、未配信 " + "、".join(f"{k} {v} 件" for k, v in self.behind.items() if v)
        return text


def _actor(sub: Subscriber) -> Actor:
    return Actor(username=f"events:{sub.name}", role="system", channel="system")


def cursor_for(name: str) -> SubscriberCursor:
    """The subscriber's cursor in the municipality in context (created at 0: it starts with the whole outbox)."""
    found = SubscriberCursor.objects.filter(subscriber=name).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return SubscriberCursor.objects.create(subscriber=name)
    except IntegrityError:  # another worker created it just now
        return SubscriberCursor.objects.get(subscriber=name)


def _deliver(sub: Subscriber, cursor_pk: int, event: DomainEvent, now: dt.datetime) -> bool:
    """One event to one subscriber. True if delivered (or already delivered by another worker)."""
    try:
        with transaction.atomic():
            cursor = SubscriberCursor.objects.select_for_update().get(pk=cursor_pk)
            if cursor.position >= event.pk:
                return True
            sub.fn(event)
            cursor.position = event.pk
            cursor.attempts, cursor.failed_event_id, cursor.last_error = 0, None, ""
            cursor.failed_at = cursor.next_retry_at = None
            cursor.save()
        return True
    except Exception as e:  # the handler's own work is rolled back; record the failure on its cursor
        with transaction.atomic():
            cursor = SubscriberCursor.objects.select_for_update().get(pk=cursor_pk)
            cursor.attempts = cursor.attempts + 1 if cursor.failed_event_id == event.pk else 1
            cursor.failed_event_id = event.pk
            cursor.last_error = "".join(traceback.format_exception_only(type(e), e)).strip()[:2000]
            cursor.failed_at = now
            cursor.next_retry_at = now + backoff(cursor.attempts)
            cursor.save()
        log.warning("subscriber %s failed on event %s (attempt %s): %s", sub.name, event.pk, cursor.attempts, e)
        return False


def _run(sub: Subscriber, high: int, now: dt.datetime, retry_now: bool, progress: Progress) -> None:
    cursor = cursor_for(sub.name)
    if cursor.next_retry_at and cursor.next_retry_at > now and not retry_now:
        progress.failed.append(sub.name)
        progress.behind[sub.name] = _count_behind(sub, cursor.position, high)
        return
    position = cursor.position
    while position < high:
        batch = list(DomainEvent.objects.filter(sub.kind_filter(), pk__gt=position, pk__lte=high)
                     .order_by("pk")[:BATCH])
        for event in batch:
            if not _deliver(sub, cursor.pk, event, now):
                progress.failed.append(sub.name)
                progress.behind[sub.name] = _count_behind(sub, event.pk - 1, high)
                return
            progress.delivered += 1
            position = event.pk
        if len(batch) < BATCH:
            break
    # Nothing of this subscriber's kinds is left up to `high`: skip the cursor past the others' events.
    SubscriberCursor.objects.filter(pk=cursor.pk, position__lt=high).update(position=high, updated_at=now)
    progress.behind[sub.name] = 0


def _count_behind(sub: Subscriber, position: int, high: int) -> int:
    return DomainEvent.objects.filter(sub.kind_filter(), pk__gt=position, pk__lte=high).count()


def process_municipality(municipality: Municipality, *, subscribers: Iterable[str] | None = None,
                         retry_now: bool = False, now: dt.datetime | None = None) -> Progress:
    """Deliver what each subscriber has not yet received of this municipality's outbox."""
    progress = Progress(municipality)
    now = now or timezone.now()
    selected = [get_subscriber(n) for n in subscribers] if subscribers is not None else all_subscribers().values()
    with municipality_scope(municipality):
        # Every id up to `high` is committed or will never be (see outbox): the cursors may pass it.
        high = DomainEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    if not high:
        return progress
    for sub in selected:
        with municipality_scope(municipality, _actor(sub)):
            _run(sub, high, now, retry_now, progress)
    return progress


def process_pending(*, municipality: Municipality | None = None, subscribers: Iterable[str] | None = None,
                    retry_now: bool = False, now: dt.datetime | None = None) -> list[Progress]:
    """One pass over every municipality (or one): what `lgcloud events process` and the worker run."""
    municipalities = [municipality] if municipality is not None else list(Municipality.objects.order_by("code"))
    names = list(subscribers) if subscribers is not None else None
    return [process_municipality(m, subscribers=names, retry_now=retry_now, now=now) for m in municipalities]


def replay(name: str, from_id: int, *, municipality: Municipality | None = None) -> int:
    """Set the subscriber's cursor so that it receives again every event from `from_id` on (and clear its
    failure). Returns the number of cursors reset."""
    get_subscriber(name)
    municipalities = [municipality] if municipality is not None else list(Municipality.objects.order_by("code"))
    count = 0
    for m in municipalities:
        with municipality_scope(m), transaction.atomic():
            cursor = cursor_for(name)
            SubscriberCursor.objects.filter(pk=cursor.pk).update(
                position=max(from_id - 1, 0), attempts=0, failed_event_id=None, last_error="", failed_at=None,
                next_retry_at=None, updated_at=timezone.now())
            count += 1
    return count
