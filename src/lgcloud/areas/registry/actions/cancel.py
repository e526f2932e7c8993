"""異動の取消し."""

from __future__ import annotations

from django.db import transaction

from lgcloud.areas.registry.engine import EventResult, apply_event
from lgcloud.areas.registry.models import EventKind, Person, RegistryEvent, RestrictedAction
from lgcloud.areas.registry.restrictions import check
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed


def cancel_event(*, event_id: int, reason: str, acknowledge_alerts: bool = False) -> EventResult:
    """異動の取消し: the cancellation is itself an event, and changes the persons it touched: the 異動 抑止 and
    支援措置 check runs first, as for any other 異動."""
    persons = list(Person.objects.filter(event_links__event_id=int(event_id or 0)).distinct())
    if persons:
        check(RestrictedAction.CHANGE, persons, acknowledge_alerts=acknowledge_alerts)
    return _cancel_event(event_id=event_id, reason=reason)


@transaction.atomic
def _cancel_event(*, event_id: int, reason: str) -> EventResult:
    """Only the latest live event of each person it touched can be cancelled, so nothing recorded later stands
    on it."""
    if not reason.strip():
        raise ValidationFailed("取消しの理由を入力してください。", field="reason")
    event = RegistryEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound("取り消す異動がありません。")
    if event.kind == EventKind.CANCELLATION:
        raise ValidationFailed("取消しの異動は取り消せません。", field="event_id")
    if event.cancellations.exists():
        raise Conflict("この異動は既に取り消されています。")
    persons = list(Person.objects.filter(event_links__event=event).distinct())
    for p in persons:
        later = (RegistryEvent.objects.filter(subjects__person=p, cancellations__isnull=True)
                 .exclude(kind=EventKind.CANCELLATION).exclude(pk=event.pk)
                 .filter(processed_at__gt=event.processed_at).exists())
        if later:
            raise ValidationFailed(
                f"宛名番号 {p.person_no} にはこの異動より後の異動があるため取り消せません。後の異動から取り消してください。",
                field="event_id")
    return apply_event(EventKind.CANCELLATION, effective_on=event.effective_on, notified_on=None, changes=[],
                       reason=reason, cancels=event, extra_persons=persons)
