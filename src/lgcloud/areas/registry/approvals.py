"""窓口業務の民間委託: a counter contractor prepares any 異動 or certificate request; it takes effect only
when a municipal clerk approves it. Both steps are audited."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry.actions.address import move_within
from lgcloud.areas.registry.actions.household import composition_change, head_change, household_merge, household_split
from lgcloud.areas.registry.actions.move_in import birth, move_in
from lgcloud.areas.registry.actions.removal import death, move_out
from lgcloud.areas.registry.models import PreparedRequest
from lgcloud.areas.registry.restrictions import require
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed
from lgcloud.platform.tenancy.context import current_actor


def _operations() -> dict[str, tuple[str, Callable[..., Any]]]:
    from lgcloud.areas.registry import certificates, transfer

    return {
        "move_in": ("転入", move_in),
        "move_in_from_certificate": ("転入（転出証明書情報）", transfer.move_in_from_certificate),
        "move_within": ("転居", move_within),
        "move_out": ("転出", move_out),
        "household_split": ("世帯分離", household_split),
        "household_merge": ("世帯合併", household_merge),
        "head_change": ("世帯主変更", head_change),
        "composition_change": ("世帯構成変更", composition_change),
        "death": ("死亡", death),
        "birth": ("出生", birth),
        "issue_certificate": ("証明書の交付", certificates.issue_certificate),
    }


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


def _pending(pk: int) -> PreparedRequest:
    req = PreparedRequest.objects.select_for_update().filter(pk=pk).first()
    if req is None:
        raise NotFound("指定した受付はありません。")
    if req.status != "pending":
        raise Conflict(f"この受付は既に{'承認' if req.status == 'approved' else '却下'}されています。")
    return req


def approve(pk: int, *, acknowledge_alerts: bool = False) -> Any:
    """A clerk approves: the prepared operation runs now, as the clerk, with the same validation."""
    require(Cap.REGISTRY_APPROVE)
    with transaction.atomic():
        req = _pending(pk)
        if req.prepared_by == current_actor().username:
            raise ValidationFailed("入力した本人は承認できません。", field="approver")
        _label, fn = _operations()[req.operation]
        kwargs = dict(req.payload)
        if "reason" in inspect.signature(inspect.unwrap(fn)).parameters:
            kwargs["reason"] = f"{kwargs.get('reason', '')}（受付: {req.prepared_by}）".strip()
        try:
            result = fn(**kwargs, acknowledge_alerts=acknowledge_alerts)
        except TypeError as e:
            raise ValidationFailed(f"受付の入力内容が業務の項目と一致しません（{e}）。", field="payload") from None
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
