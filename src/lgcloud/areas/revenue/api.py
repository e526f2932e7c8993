"""収納・滞納の API (mounted at /api/v1/revenue): a taxpayer's account (名寄せ, as of a date), posting a payment,
the arrears list and 収納率 — the same services, capabilities and audit as the screens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from lgcloud.areas.revenue import collection, figures, payments, reading
from lgcloud.areas.revenue.models import Bill, PaymentChannel
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import NotFound, PermissionDenied, ValidationFailed

router = Router(tags=["収納・滞納"])


class ErrorOut(Schema):
    detail: str
    field: str | None = None


ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class LineOut(Schema):
    levy: str
    levy_label: str
    fiscal_year: int
    installment: int
    due_on: dt.date
    payment_ref: str
    charged: int
    paid: int
    reduced: int
    outstanding: int
    late_fee_charged: int
    late_fee_outstanding: int
    late_fee_accruing: int


class AccountOut(Schema):
    person_no: int
    as_of: dt.date | None
    outstanding: int
    late_fee_outstanding: int
    late_fee_accruing: int
    lines: list[LineOut]


class PaymentIn(Schema):
    amount: int
    paid_on: dt.date
    reference: str = ""
    channel: str = PaymentChannel.COUNTER


class PaymentOut(Schema):
    id: int
    status: str
    reason: str
    person_no: int | None
    amount: int
    paid_on: dt.date


class ArrearsOut(Schema):
    person_no: int
    installments: int
    principal: int
    late_fee_estimate: int
    oldest_due: dt.date
    reminded: int
    plan_status: str | None


class RateOut(Schema):
    levy: str
    levy_label: str
    part: str
    charged: int
    received: int
    rate_percent: str | None


def _need(request: HttpRequest, cap: str) -> None:
    if not request.auth.has_cap(cap):  # type: ignore[attr-defined]
        raise PermissionDenied("この操作を行う権限がありません。")


def _account(person_no: int, as_of: dt.date | None) -> dict[str, Any]:
    acct = reading.account(person_no, as_of, purpose="収納の照会（API）")
    return {"person_no": person_no, "as_of": as_of, "outstanding": acct.outstanding,
            "late_fee_outstanding": acct.late_fee_outstanding, "late_fee_accruing": acct.late_fee_accruing,
            "lines": [{"levy": ln.bill.levy, "levy_label": ln.levy_label, "fiscal_year": ln.bill.fiscal_year,
                       "installment": ln.bill.installment, "due_on": ln.bill.due_on,
                       "payment_ref": ln.bill.payment_ref, "charged": ln.charged, "paid": ln.paid,
                       "reduced": ln.reduced, "outstanding": ln.outstanding, "late_fee_charged": ln.late_fee_charged,
                       "late_fee_outstanding": ln.late_fee_outstanding,
                       "late_fee_accruing": ln.late_fee_accruing} for ln in acct.lines]}


@router.get("/accounts/{person_no}", response={200: AccountOut, **ERRORS}, summary="納税者の収納状況（名寄せ）")
def account(request: HttpRequest, person_no: int, as_of: dt.date | None = None) -> dict[str, Any]:
    _need(request, Cap.REVENUE_VIEW)
    return _account(person_no, as_of)


@router.post("/accounts/{person_no}/payments", response={201: PaymentOut, **ERRORS}, summary="収納の登録")
def post_payment(request: HttpRequest, person_no: int, body: PaymentIn) -> Status:
    _need(request, Cap.REVENUE_CHANGE)
    if body.channel not in PaymentChannel.values or body.channel == PaymentChannel.APPROPRIATION:
        raise ValidationFailed(f"収納経路「{body.channel}」は指定できません。", field="channel")
    if not Bill.objects.filter(person_no=person_no).exists():
        raise NotFound(f"宛名番号 {person_no} の収納の記録はありません。")
    if body.reference:
        bill = Bill.objects.filter(payment_ref=body.reference).first()
        if bill is not None and bill.person_no != person_no:
            raise ValidationFailed("納付番号の納税者と宛名番号が一致しません。", field="reference")
    p = payments.post_payment(payments.Incoming(
        body.paid_on, body.amount, body.channel, reference=body.reference,
        person_no=None if body.reference else person_no, identified=not body.reference,
        dedupe_key=f"api:{person_no}:{timezone.now().isoformat()}"))
    return Status(201, {"id": p.pk, "status": p.status, "reason": p.reason, "person_no": p.person_no, "amount": p.amount,
                         "paid_on": p.paid_on})


@router.get("/arrears", response={200: list[ArrearsOut], **ERRORS}, summary="滞納一覧（未納額の多い順）")
def arrears(request: HttpRequest, on: dt.date | None = None, limit: int = 100) -> list[dict[str, Any]]:
    _need(request, Cap.REVENUE_VIEW)
    rows = collection.arrears(on or timezone.localdate(), limit=max(1, min(limit, 500)))
    return [{"person_no": r.person_no, "installments": r.installments, "principal": r.principal,
             "late_fee_estimate": r.late_fee_estimate, "oldest_due": r.oldest_due, "reminded": r.reminded,
             "plan_status": r.plan.status if r.plan else None} for r in rows]


@router.get("/rates", response={200: list[RateOut], **ERRORS}, summary="収納率（現年分・滞納繰越分）")
def rates(request: HttpRequest, fiscal_year: int, on: dt.date) -> list[dict[str, Any]]:
    _need(request, Cap.REVENUE_VIEW)
    if not 2000 <= fiscal_year <= 2100:
        raise ValidationFailed("年度は西暦4桁で指定してください。", field="fiscal_year")
    return [{"levy": r.levy, "levy_label": r.label, "part": r.part, "charged": r.charged, "received": r.received,
             "rate_percent": str(r.rate) if r.rate is not None else None}
            for r in figures.collection_rates(fiscal_year, on)]
