"""窓口業務の民間委託: a counter contractor prepares any 異動 or certificate request; it takes effect only
when a municipal clerk approves it. Both steps are audited."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import catalogue
from lgcloud.areas.registry.models import PreparedRequest
from lgcloud.areas.registry.restrictions import require
from lgcloud.platform.accounts.roles import Cap, capabilities
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import current_actor


def _operations() -> dict[str, tuple[str, Callable[..., Any]]]:
    """What a counter contractor may prepare: the 異動 the catalogue allows, and 証明書の交付."""
    from lgcloud.areas.registry import certificates

    return {**{slug: (op.label, op.service) for slug, op in catalogue.contractor_operations().items()},
            "issue_certificate": ("証明書の交付", certificates.issue_certificate)}


def operation_label(name: str) -> str:
    return _operations().get(name, (name, None))[0]


@transaction.atomic
def prepare(operation: str, payload: dict[str, Any]) -> PreparedRequest:
    require(Cap.REGISTRY_PREPARE)
    if operation not in _operations():
        raise ValidationFailed(f"業務「{operation}」は受付できません。", field="operation")
    if not isinstance(payload, dict):
        raise ValidationFailed("入力内容の形式が正しくありません。", field="payload")
    req = PreparedRequest.objects.create(operation=operation, payload=payload, prepared_by=current_actor().username)
    audit.record("registry.prepared", obj=req, detail={"operation": operation})
    return req


def pending() -> list[PreparedRequest]:
    return list(PreparedRequest.objects.filter(status="pending").order_by("prepared_at"))


HIDDEN = "（支援措置対象のため非表示）"
_LOCATION_KEYS = frozenset({"address", "address_extra", "address_code", "postal_code", "district", "destination",
                            "destination_code", "moved_to", "new_address", "previous_address"})


def _hide_locations(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: HIDDEN if k in _LOCATION_KEYS and v not in (None, "", {}) else _hide_locations(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_hide_locations(v) for v in value]
    return value


def pending_shown(purpose: str = "受付内容の確認") -> list[PreparedRequest]:
    """The pending requests as a reader sees them, audited as a read: a request about a person under a 支援措置
    shows no address to a reader without the lift permission (`protected` is set on it)."""
    from lgcloud.areas.registry.restrictions import active_support_measures, persons_of

    actor = current_actor()
    may_see = actor.channel in ("cli", "system") or Cap.RESTRICTION_LIFT in capabilities(actor.role)
    with transaction.atomic():
        found = pending()
        for req in found:
            payload = req.payload if isinstance(req.payload, dict) else {}
            try:
                persons = persons_of({**payload, "person_nos": [*(payload.get("person_nos") or []),
                                                               *(payload.get("members") or [])]})
            except (TypeError, ValueError, AttributeError):
                persons = []
            req.protected = bool(persons) and bool(active_support_measures(persons))  # type: ignore[attr-defined]
            if req.protected and not may_see:  # type: ignore[attr-defined]
                req.payload = _hide_locations(payload)
        if found:
            audit.record("registry.approvals_viewed", object_type="PreparedRequest",
                         object_id=",".join(str(r.pk) for r in found), purpose=purpose,
                         detail={"protected": [r.pk for r in found if getattr(r, "protected", False)]})
    return found


def _pending(pk: int) -> PreparedRequest:
    req = PreparedRequest.objects.select_for_update().filter(pk=pk).first()
    if req is None:
        raise NotFound("指定した受付はありません。")
    if req.status != "pending":
        raise Conflict(f"この受付は既に{'承認' if req.status == 'approved' else '却下'}されています。")
    return req


def approve(pk: int, *, acknowledge_alerts: bool = False) -> Any:
    """A clerk approves: the prepared operation runs now, as the clerk, with the same validation. A refusal
    rolls the approval back, and its audit record is written after the rollback."""
    from lgcloud.areas.registry.restrictions import refusals_recorded

    require(Cap.REGISTRY_APPROVE)
    with refusals_recorded(), transaction.atomic():
        req = _pending(pk)
        if req.prepared_by == current_actor().username:
            raise ValidationFailed("入力した本人は承認できません。", field="approver")
        _label, fn = _operations()[req.operation]
        kwargs = dict(req.payload) if isinstance(req.payload, dict) else {}
        signature = inspect.signature(inspect.unwrap(fn))
        if "reason" in signature.parameters:
            kwargs["reason"] = f"{kwargs.get('reason', '')}（受付: {req.prepared_by}）".strip()
        try:  # the payload must fit the operation's items; the call itself is not second-guessed
            signature.bind(**kwargs)
        except TypeError as e:
            raise ValidationFailed(f"受付の入力内容が業務の項目と一致しません（{e}）。", field="payload") from None
        result = fn(**kwargs, acknowledge_alerts=acknowledge_alerts)
        req.status, req.decided_by, req.decided_at = "approved", current_actor().username, timezone.now()
        event = getattr(result, "event", None)
        req.result = {"event_id": event.pk} if event is not None else {}
        req.save(update_fields=["status", "decided_by", "decided_at", "result"])
        audit.record("registry.approved", obj=req, detail={"operation": req.operation, **req.result})
    return result


@transaction.atomic
def reject(pk: int, reason: str) -> PreparedRequest:
    require(Cap.REGISTRY_APPROVE)
    if not reason.strip():
        raise ValidationFailed("却下の理由を入力してください。", field="reason")
    req = _pending(pk)
    req.status, req.decided_by, req.decided_at = "rejected", current_actor().username, timezone.now()
    req.result = {"reason": reason}
    req.save(update_fields=["status", "decided_by", "decided_at", "result"])
    audit.record("registry.rejected", obj=req, detail={"reason": reason[:200]})
    return req
