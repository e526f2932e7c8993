"""児童手当: 認定請求, 額改定, 消滅, and the payment run (全銀協 総合振込 file and payment list).

Each function is one transaction with its audit record; the register is read through registry.public.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from lgcloud.areas.registry import public
from lgcloud.areas.welfare import documents, zengin
from lgcloud.areas.welfare.models import (
    AllowanceClaim,
    AmountRevision,
    ChangeNotice,
    ClaimChild,
    ClaimStatus,
    NoticeKind,
    Payment,
    PaymentRun,
)
from lgcloud.areas.welfare.rules.child_allowance import (
    AllowanceParameters,
    Child,
    add_months,
    first_month,
    is_payment_month,
    march31_after,
    month_start,
    monthly_amounts,
    months_covered,
)
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import Conflict, NotFound, ValidationFailed
from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.params.standard import values_in_force
from lgcloud.platform.tenancy.context import current_actor


def allowance_parameters(month: dt.date) -> AllowanceParameters:
    fiscal_year = month.year if month.month >= 4 else month.year - 1
    return AllowanceParameters.from_values(values_in_force("child_allowance.", fiscal_year))


class YearParameters:
    """Allowance parameters by month, looked up once per fiscal year: for one batch (a payment run, the age-out)."""

    def __init__(self) -> None:
        self._by_year: dict[int, AllowanceParameters] = {}

    def __call__(self, month: dt.date) -> AllowanceParameters:
        fiscal_year = month.year if month.month >= 4 else month.year - 1
        found = self._by_year.get(fiscal_year)
        if found is None:
            found = self._by_year[fiscal_year] = allowance_parameters(month)
        return found


@dataclass(frozen=True)
class ChildInput:
    birth_date: dt.date
    person_no: int | None = None
    supported: bool = True


@dataclass(frozen=True)
class Account:
    bank_code: str
    branch_code: str
    account_number: str
    account_holder_kana: str
    account_type: str = "1"
    bank_name: str = ""
    branch_name: str = ""


def _check_account(a: Account) -> None:
    for name, value, width in (("bank_code", a.bank_code, 4), ("branch_code", a.branch_code, 3),
                               ("account_number", a.account_number, 7)):
        if not value.isdigit() or len(value) != width:
            raise ValidationFailed(f"{name} は{width}桁の数字で入力してください。", field=name)
    if a.account_type not in ("1", "2", "4"):
        raise ValidationFailed("預金種目は 1（普通）・2（当座）・4（貯蓄）のいずれかです。", field="account_type")
    zengin.halfwidth_kana(a.account_holder_kana)


@transaction.atomic
def claim(recipient_person_no: int, claimed_on: dt.date, children: Iterable[ChildInput], account: Account, *,
          event_on: dt.date | None = None) -> AllowanceClaim:
    """認定請求: entitlement from the month after the claim (15日特例 for a birth or move-in)."""
    recipient = public.person(recipient_person_no)
    if recipient is None:
        raise NotFound(f"宛名番号 {recipient_person_no} の住民は登録されていません。")
    kids = list(children)
    if not kids:
        raise ValidationFailed("対象の児童を1人以上入力してください。", field="children")
    _check_account(account)
    if AllowanceClaim.objects.filter(recipient_person_no=recipient_person_no, status=ClaimStatus.ACTIVE).exists():
        raise Conflict(f"{recipient.full_name}さんには支給中の認定があります（額改定で児童を追加してください）。")
    start = first_month(claimed_on, event_on, allowance_parameters(claimed_on))
    c = AllowanceClaim.objects.create(
        recipient_person_no=recipient_person_no, claimed_on=claimed_on, event_on=event_on, first_month=start,
        bank_code=account.bank_code, bank_name=account.bank_name, branch_code=account.branch_code,
        branch_name=account.branch_name, account_type=account.account_type, account_number=account.account_number,
        account_holder_kana=account.account_holder_kana, recorded_by=current_actor().username,
    )
    ClaimChild.objects.bulk_create([
        ClaimChild(claim=c, person_no=k.person_no, birth_date=k.birth_date, supported=k.supported, from_month=start)
        for k in kids
    ])
    audit.record("welfare.claim_recognised", obj=c, detail={"recipient": recipient_person_no,
                                                            "first_month": start.isoformat(), "children": len(kids)})
    return c


@dataclass(frozen=True)
class ClaimRequest:
    recipient_person_no: int
    claimed_on: dt.date
    children: tuple[ChildInput, ...]
    account: Account
    event_on: dt.date | None = None


@transaction.atomic
def claim_many(requests: Sequence[ClaimRequest]) -> list[AllowanceClaim]:
    """Many 認定請求 at once (a take-over of recipients, the demo): validated first, written in bulk, one audit
    record for the batch."""
    known = public.birth_dates()
    for r in requests:
        if r.recipient_person_no not in known:
            raise NotFound(f"宛名番号 {r.recipient_person_no} の住民は登録されていません。")
        if not r.children:
            raise ValidationFailed("対象の児童を1人以上入力してください。", field="children")
        _check_account(r.account)
    numbers = [r.recipient_person_no for r in requests]
    if len(set(numbers)) != len(numbers) or AllowanceClaim.objects.filter(
            recipient_person_no__in=numbers, status=ClaimStatus.ACTIVE).exists():
        raise Conflict("支給中の認定がある受給者（または同じ受給者の重複）が含まれています。")
    actor = current_actor().username
    parameters: dict[int, AllowanceParameters] = {}  # one parameter lookup per fiscal year, not per claim

    def params_on(day: dt.date) -> AllowanceParameters:
        fiscal_year = day.year if day.month >= 4 else day.year - 1
        if fiscal_year not in parameters:
            parameters[fiscal_year] = allowance_parameters(day)
        return parameters[fiscal_year]

    claims = AllowanceClaim.objects.bulk_create([AllowanceClaim(
        recipient_person_no=r.recipient_person_no, claimed_on=r.claimed_on, event_on=r.event_on,
        first_month=first_month(r.claimed_on, r.event_on, params_on(r.claimed_on)),
        bank_code=r.account.bank_code, bank_name=r.account.bank_name, branch_code=r.account.branch_code,
        branch_name=r.account.branch_name, account_type=r.account.account_type,
        account_number=r.account.account_number, account_holder_kana=r.account.account_holder_kana,
        recorded_by=actor) for r in requests], batch_size=1000)
    ClaimChild.objects.bulk_create([
        ClaimChild(claim=c, person_no=k.person_no, birth_date=k.birth_date, supported=k.supported,
                   from_month=c.first_month) for c, r in zip(claims, requests, strict=True) for k in r.children],
        batch_size=1000)
    audit.record("welfare.claim_recognised", object_type="AllowanceClaim",
                 detail={"claims": len(claims), "recipients": numbers[:1000]})
    return claims


def _active(claim_id: int) -> AllowanceClaim:
    c = AllowanceClaim.objects.select_for_update().filter(pk=claim_id).first()
    if c is None:
        raise NotFound("指定した認定はありません。")
    if c.status != ClaimStatus.ACTIVE:
        raise Conflict("この認定は消滅しています。")
    return c


def record_revision(c: AllowanceClaim, from_month: dt.date, before: int, after: int, reason: str) -> AmountRevision:
    """The 額改定 record (shown on the claim, audited)."""
    revision = AmountRevision.objects.create(claim=c, from_month=from_month, before=before, after=after,
                                             reason=reason[:200], recorded_by=current_actor().username)
    audit.record("welfare.amount_revised", obj=c, detail={"from_month": from_month.isoformat(), "before": before,
                                                          "after": after, "reason": reason})
    return revision


@transaction.atomic
def add_child(claim_id: int, child: ChildInput, claimed_on: dt.date, *, event_on: dt.date | None = None) -> ClaimChild:
    """額改定（増額）: counted from the month after its claim (15日特例 for a birth)."""
    c = _active(claim_id)
    if c.children.filter(person_no=child.person_no, until_month__isnull=True).exists() and child.person_no:
        raise Conflict(f"宛名番号 {child.person_no} の児童は既にこの認定の対象です。")
    start = first_month(claimed_on, event_on, allowance_parameters(claimed_on))
    p = allowance_parameters(start)
    before = month_amount(c, list(c.children.all()), start, p)
    row = ClaimChild.objects.create(claim=c, person_no=child.person_no, birth_date=child.birth_date,
                                    supported=child.supported, from_month=start)
    after = month_amount(c, list(c.children.all()), start, p)
    if after != before:
        record_revision(c, start, before, after, "額改定請求（増額: 児童の追加）")
    return row


@transaction.atomic
def remove_child(claim_id: int, child_id: int, on: dt.date, reason: str) -> ClaimChild:
    """額改定（減額）: a child no longer counted (監護をやめた, 施設入所, 死亡 …) from the month after `on`."""
    c = _active(claim_id)
    row = ClaimChild.objects.filter(claim=c, pk=child_id, until_month__isnull=True).first()
    if row is None:
        raise NotFound("指定した児童はこの認定の対象ではありません。")
    if not reason.strip():
        raise ValidationFailed("減額の事由を入力してください。", field="reason")
    last = on.replace(day=1)
    following = add_months(last, 1)
    if last < row.from_month:
        raise ValidationFailed("事由発生日が算定開始月より前です。", field="on")
    if all(k.pk == row.pk or k.until_month is not None for k in c.children.all()):
        raise Conflict("対象の児童がいなくなります。額改定ではなく消滅の処理をしてください。")
    p = allowance_parameters(following)
    before = month_amount(c, list(c.children.all()), following, p)
    row.until_month = last
    row.save(update_fields=["until_month"])
    after = month_amount(c, list(c.children.all()), following, p)
    if after != before:
        record_revision(c, following, before, after, f"額改定（減額: {reason.strip()}）")
    return row


@transaction.atomic
def terminate(claim_id: int, last_month: dt.date, reason: str) -> AllowanceClaim:
    """消滅: paid up to and including `last_month` (e.g. the month of a 転出)."""
    c = _active(claim_id)
    c.status, c.last_month, c.termination_reason = ClaimStatus.TERMINATED, last_month.replace(day=1), reason[:100]
    c.save(update_fields=["status", "last_month", "termination_reason"])
    audit.record("welfare.claim_terminated", obj=c, detail={"last_month": c.last_month.isoformat(), "reason": reason})
    return c


def month_amount(c: AllowanceClaim, kids: list[ClaimChild], month: dt.date, p: AllowanceParameters) -> int:
    if month < c.first_month or (c.last_month is not None and month > c.last_month):
        return 0
    counted = [k for k in kids if k.from_month <= month and (k.until_month is None or month <= k.until_month)]
    rows = monthly_amounts([Child(k.birth_date, k.supported) for k in counted], month, p)
    return sum(r.monthly_amount for r in rows)


BANDS = {"under3": "3歳未満", "from3": "3歳以上", "third_and_later": "第3子以降", "counted_only": "算定のみ（18歳年度末後）",
         "not_counted": "対象外"}


def counted_children(kids: list[ClaimChild], month: dt.date) -> list[ClaimChild]:
    return [k for k in kids if k.from_month <= month and (k.until_month is None or month <= k.until_month)]


def last_eligible_month(kids: list[ClaimChild], p: AllowanceParameters) -> dt.date | None:
    """The last month in which some child of the claim is 支給対象 (up to 31 March after the 18th birthday)."""
    months = []
    for k in kids:
        last = month_start(march31_after(k.birth_date, p.eligible_until_age))
        if k.until_month is not None:
            last = min(last, k.until_month)
        months.append(last)
    return max(months, default=None)


def describe_change(kids: list[ClaimChild], before: dt.date, after: dt.date, p_before: AllowanceParameters,
                    p_after: AllowanceParameters) -> str:
    """Which children's order or band changes between the two months, in words for the clerk and the notice."""
    rows_b = {r.index: r for r in monthly_amounts([Child(k.birth_date, k.supported) for k in kids], before, p_before)}
    rows_a = {r.index: r for r in monthly_amounts([Child(k.birth_date, k.supported) for k in kids], after, p_after)}
    parts = []
    for i, k in enumerate(kids):
        b, a = rows_b[i], rows_a[i]
        if (b.band, b.order, b.monthly_amount) != (a.band, a.order, a.monthly_amount):
            parts.append(f"{format_wareki(k.birth_date)}生: {BANDS.get(b.band, b.band)}"
                         f"{f'（第{b.order}子）' if b.order else ''}→{BANDS.get(a.band, a.band)}"
                         f"{f'（第{a.order}子）' if a.order else ''}")
    return "；".join(parts) or "月額の変更"


AGE_REVISION = "年齢到達による減額改定（職権）"
AGE_TERMINATION = "支給対象の児童の年齢到達（18歳到達後の最初の3月31日を経過）"


def age_revision(c: AllowanceClaim, kids: list[ClaimChild], from_month: dt.date,
                 params: YearParameters | None = None) -> AmountRevision | None:
    """Record the 額改定 of a claim from `from_month` when the children's ages change the amount then (once per
    claim and month)."""
    params = params or YearParameters()
    previous = add_months(from_month, -1)
    p_before, p_after = params(previous), params(from_month)
    before = month_amount(c, kids, previous, p_before) if previous >= c.first_month else 0
    after = month_amount(c, kids, from_month, p_after)
    if before == after or before == 0 or AmountRevision.objects.filter(
            claim=c, from_month=from_month, reason__startswith=AGE_REVISION).exists():
        return None
    detail = describe_change(counted_children(kids, from_month) or kids, previous, from_month, p_before, p_after)
    return record_revision(c, from_month, before, after, f"{AGE_REVISION}（{detail}）")


def _leaves(kids: list[ClaimChild], month: dt.date, p_before: AllowanceParameters, p_after: AllowanceParameters) -> bool:
    """Whether a child stops being 支給対象 or counted in the order from `month` (not a mere band change at 3)."""
    previous = add_months(month, -1)
    children = [Child(k.birth_date, k.supported) for k in counted_children(kids, month) or kids]
    before = monthly_amounts(children, previous, p_before)
    after = monthly_amounts(children, month, p_after)
    return any((b.eligible and not a.eligible) or (b.order is not None and a.order is None)
               for b, a in zip(before, after, strict=True))


def _notice(c: AllowanceClaim, kind: str, month: dt.date, before: int, after: int, reason: str,
            run: PaymentRun | None) -> ChangeNotice:
    document, data = documents.change_notice(c, kind, month, before, after, reason)
    return ChangeNotice.objects.create(claim=c, run=run, kind=kind, month=month, before=before, after=after,
                                       reason=reason[:200], document_number=document.number, pdf=data)


def age_change(c: AllowanceClaim, kids: list[ClaimChild], month: dt.date, *,
               run: PaymentRun | None = None, params: YearParameters | None = None) -> str | None:
    """What the children's ages do to an active claim in `month` (the batch `age-out` asks for next month, the
    payment run for each month it pays): 消滅 when no child is 支給対象 then, ending with the last month one was,
    with its 消滅通知書; else a 額改定 when the amount differs from the previous month's, with a 額改定通知書 when a
    child leaves the allowance or the order (a child reaching 3 only changes band: recorded, no notice).
    Returns "terminated", "revised" or None; once per claim and month."""
    params = params or YearParameters()
    p = params(month)
    last = last_eligible_month(kids, p)
    if last is None or last < month:
        end = max(last or add_months(month, -1), add_months(c.first_month, -1))
        before = month_amount(c, kids, end, params(end)) if end >= c.first_month else 0
        ended = terminate(c.pk, end, AGE_TERMINATION)
        c.status, c.last_month, c.termination_reason = ended.status, ended.last_month, ended.termination_reason
        _notice(c, NoticeKind.TERMINATION, end, before, 0, AGE_TERMINATION, run)
        return "terminated"
    if month <= c.first_month:
        return None
    revision = age_revision(c, kids, month, params)
    if revision is None:
        return None
    if _leaves(kids, month, params(add_months(month, -1)), p):
        _notice(c, NoticeKind.REVISION, month, revision.before, revision.after, revision.reason, run)
    return "revised"


@transaction.atomic
def payment_run(payment_month: dt.date, paid_on: dt.date, payer: zengin.Payer) -> PaymentRun:
    """The payment of an even month: each claim's amounts of the two previous months, the 総合振込 file. The
    children's ages are applied first, month by month (`age_change`: 額改定 or 消滅 with its notice), so the run
    itself stops paying for a child from the month after its 18th 年度末 even when `age-out` has not run."""
    return payment_runs([(payment_month, paid_on)], payer)[0]


@transaction.atomic
def payment_runs(schedule: Sequence[tuple[dt.date, dt.date]], payer: zengin.Payer) -> list[PaymentRun]:
    """Several payment months at once, in order (catching up, the demo): each is a `payment_run`, with the claims,
    their children and the parameters read once for all."""
    schedule = sorted((month.replace(day=1), paid_on) for month, paid_on in schedule)
    for month, _paid_on in schedule:
        if not is_payment_month(month):
            raise ValidationFailed("支払月は偶数月（2・4・6・8・10・12月）を指定してください。", field="payment_month")
    if len({m for m, _ in schedule}) != len(schedule) or PaymentRun.objects.filter(
            payment_month__in=[m for m, _ in schedule]).exists():
        raise Conflict("この月の支払処理は済んでいます。")
    if not schedule:
        return []
    last_covered = months_covered(schedule[-1][0])[1]
    claims = list(AllowanceClaim.objects.filter(first_month__lte=last_covered).prefetch_related("children")
                  .order_by("recipient_person_no", "pk"))
    children = {c.pk: list(c.children.all()) for c in claims}
    year_params = YearParameters()
    actor = current_actor().username
    runs = []
    for payment_month, paid_on in schedule:
        months = months_covered(payment_month)
        run = PaymentRun.objects.create(payment_month=payment_month, paid_on=paid_on, actor=actor)
        payments, transfers = [], []
        for c in claims:
            if c.first_month > months[1]:
                continue
            kids = children[c.pk]
            for m in months:  # a child passing its 18th 年度末 (or a young adult its 22nd) stops counting then
                if c.status == ClaimStatus.ACTIVE and m >= c.first_month:
                    age_change(c, kids, m, run=run, params=year_params)
            detail = [(m, month_amount(c, kids, m, year_params(m))) for m in months]
            amount = sum(a for _, a in detail)
            if amount <= 0:
                continue
            payments.append(Payment(run=run, claim=c, amount=amount,
                                    months=[[m.isoformat(), a] for m, a in detail]))
            transfers.append(zengin.Transfer(c.bank_code, c.bank_name, c.branch_code, c.branch_name, c.account_type,
                                             c.account_number, c.account_holder_kana, amount,
                                             customer_code=str(c.recipient_person_no)[-10:]))
        Payment.objects.bulk_create(payments)
        data = zengin.build(payer, paid_on, transfers)
        run.recipients, run.total = len(payments), sum(p.amount for p in payments)
        run.transfer_file, run.file_digest = data, hashlib.sha256(data).hexdigest()
        run.save(update_fields=["recipients", "total", "transfer_file", "file_digest"])
        audit.record("welfare.payment_run", obj=run, detail={"payment_month": payment_month.isoformat(),
                                                             "recipients": run.recipients, "total": run.total})
        runs.append(run)
    return runs


def payment_list(run: PaymentRun) -> list[dict[str, object]]:
    """The payment list (支払一覧): one row per recipient, audited as a read of personal data."""
    rows = []
    for p in run.payments.select_related("claim").order_by("claim__recipient_person_no"):
        person = public.person(p.claim.recipient_person_no)
        rows.append({"person_no": p.claim.recipient_person_no, "name": person.full_name if person else "",
                     "amount": p.amount, "months": p.months, "bank_code": p.claim.bank_code,
                     "branch_code": p.claim.branch_code, "account_number": p.claim.account_number})
    audit.record("welfare.payment_list_read", obj=run, detail={"rows": len(rows)})
    return rows
