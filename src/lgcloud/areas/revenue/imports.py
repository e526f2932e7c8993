"""Payments files in, direct-debit requests out: 全銀協 口座振替 (request / result) and a convenience-store
速報/確報 CSV. An import is all or nothing: every line is read and checked first (format, amount, date,
duplicates within the file and against what is already in), every error listed with its line and reason,
and only a file without errors is applied, in one transaction.

Convenience-store CSV (UTF-8 or CP932, one header line):
    区分,収納日,収納時刻,本部コード,店舗コード,取扱番号,納付番号,金額
区分 is 速報 (the day of payment: recorded, not yet money) or 確報 (the money is remitted: booked and
matched). 取扱番号 identifies a payment across the two; a 確報 for a 速報 already in completes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from lgcloud.areas.revenue import ledger, matching, payments, sqlfast, sqlmatch, zengin
from lgcloud.areas.revenue.models import (
    Bill,
    DirectDebitAccount,
    ImportBatch,
    Payment,
    PaymentChannel,
    PaymentStatus,
)
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.tenancy.context import current_actor

CVS_HEADER = ["区分", "収納日", "収納時刻", "本部コード", "店舗コード", "取扱番号", "納付番号", "金額"]


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str


class ImportRefused(ValidationFailed):
    """The file has errors: nothing was applied."""

    def __init__(self, filename: str, errors: list[LineError]) -> None:
        shown = "／".join(f"{e.line}行目: {e.reason}" for e in errors[:20])
        more = f"（ほか{len(errors) - 20}件）" if len(errors) > 20 else ""
        super().__init__(f"{filename} は取り込めません（何も反映していません）。{shown}{more}", field="file")
        self.errors = errors


class ImportResult:
    """The batch written, and its payments in file order (read from the database when first asked for, after an
    import matched in SQL)."""

    def __init__(self, batch: ImportBatch, payments: list[Payment] | None = None,
                 load: Callable[[], list[Payment]] | None = None) -> None:
        self.batch, self._payments, self._load = batch, payments, load

    @property
    def payments(self) -> list[Payment]:
        if self._payments is None:
            self._payments = self._load() if self._load is not None else []
        return self._payments

    @property
    def unmatched(self) -> list[Payment]:
        return [p for p in self.payments if p.status == PaymentStatus.UNMATCHED]


def _decode(content: bytes) -> str:
    for enc in ("utf-8-sig", "cp932"):
        try:
            return content.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed("ファイルの文字コードが UTF-8 でも Shift_JIS でもありません。", field="file")


def _date(text: str) -> dt.date:
    t = text.strip().replace("/", "").replace("-", "")
    if len(t) != 8 or not t.isdigit():
        raise ValueError
    return dt.date(int(t[:4]), int(t[4:6]), int(t[6:]))


def _once(kind: str, filename: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    earlier = ImportBatch.objects.filter(kind=kind, sha256=digest).first()
    if earlier is not None:
        raise ImportRefused(filename, [LineError(0, f"同じファイルを{earlier.created_at:%Y-%m-%d %H:%M}に取り込み済みです"
                                                    f"（{earlier.filename}）")])
    return digest


def import_cvs(content: bytes, filename: str) -> ImportResult:
    """Read a convenience-store 速報/確報 file; all or nothing."""
    digest = _once("cvs", filename, content)
    text = _decode(content)
    if sqlmatch.ready():
        fast = _import_cvs_sql(text, filename, digest)
        if fast is not None:
            return fast
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [c.strip() for c in rows[0]] != CVS_HEADER:
        raise ImportRefused(filename, [LineError(1, "見出し行が「" + ",".join(CVS_HEADER) + "」ではありません")])
    errors: list[LineError] = []
    parsed: list[tuple[int, str, payments.Incoming]] = []
    seen: dict[tuple[str, str], int] = {}
    already = _existing([f"cvs:{r[3].strip()}:{r[5].strip()}" for r in rows[1:] if len(r) == len(CVS_HEADER)])
    for n, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(CVS_HEADER):
            errors.append(LineError(n, f"項目数が{len(row)}です（{len(CVS_HEADER)}のはずです）"))
            continue
        kind, paid, _time, chain, store, handling, ref, amount = (c.strip() for c in row)
        if kind not in ("速報", "確報"):
            errors.append(LineError(n, f"区分「{kind}」は速報か確報です"))
            continue
        try:
            paid_on = _date(paid)
        except ValueError:
            errors.append(LineError(n, f"収納日「{paid}」が日付ではありません"))
            continue
        if not amount.isdigit() or int(amount) <= 0:
            errors.append(LineError(n, f"金額「{amount}」は1円以上の整数です"))
            continue
        if not handling:
            errors.append(LineError(n, "取扱番号がありません"))
            continue
        key = f"cvs:{chain}:{handling}"
        if (kind, key) in seen:
            errors.append(LineError(n, f"{seen[(kind, key)]}行目と同じ収納です（取扱番号 {handling}）"))
            continue
        seen[(kind, key)] = n
        existing = already.get(key)
        if existing is not None and (kind == "速報" or existing[0] != PaymentStatus.PRELIMINARY):
            errors.append(LineError(n, f"取扱番号 {handling} の収納は取込済みです（{existing[1]}）"))
            continue
        parsed.append((n, kind, payments.Incoming(paid_on, int(amount), PaymentChannel.CONVENIENCE_STORE,
                                                  reference=ref, payer=f"{chain}-{store}", source=filename,
                                                  line_no=n, dedupe_key=key)))
    if errors:
        raise ImportRefused(filename, errors)
    with transaction.atomic():
        batch = ImportBatch.objects.create(kind="cvs", filename=filename[:200], sha256=digest, lines=len(parsed),
                                           created_by=current_actor().username)
        final = [i for _, kind, i in parsed if kind == "確報"]
        superseded = {i.dedupe_key for i in final}
        actor = current_actor().username
        preliminary = Payment.objects.bulk_create([
            Payment(paid_on=i.paid_on, amount=i.amount, channel=i.channel, reference=i.reference, payer=i.payer,
                    status=PaymentStatus.PRELIMINARY, source=filename[:200], line_no=n, dedupe_key=i.dedupe_key,
                    created_by=actor)
            for n, kind, i in parsed if kind == "速報" and i.dedupe_key not in superseded], batch_size=5000)
        result = ImportResult(batch, preliminary + payments.receive_many(final, replaces_preliminary=True))
        _finish(batch, result)
    return result


def _import_cvs_sql(text: str, filename: str, digest: str) -> ImportResult | None:
    """The file read, checked and matched in SQL (PostgreSQL); None: anything unusual, let the Python import read it
    (and list its errors)."""
    header, _, body = text.replace("\r\n", "\n").partition("\n")
    if [c.strip() for c in next(csv.reader([header]), [])] != CVS_HEADER or not sqlmatch.usable(body):
        return None
    with transaction.atomic():
        taken = sqlfast.take(body, _date, filename)  # a 確報 file in one statement; None: nothing written
        staged = sqlmatch.stage(body, _date) if taken is None else None
        if taken is None and staged is None:
            return None
        batch = ImportBatch.objects.create(kind="cvs", filename=filename[:200], sha256=digest, lines=0,
                                           created_by=current_actor().username)
        if taken is not None:
            applied = sqlmatch.finish(filename, taken)
        else:
            assert staged is not None
            applied = sqlmatch.apply(filename, staged)
        batch.lines = applied.lines_read
        batch.matched, batch.unmatched, batch.total = applied.matched, applied.unmatched, applied.total_all
        batch.save(update_fields=["lines", "matched", "unmatched", "total"])
        _audit_import(batch)
    return ImportResult(batch, load=lambda: sqlmatch.loaded(applied, filename))


def _existing(keys: list[str]) -> dict[str, tuple[str, str]]:
    """The payments already in under these keys: key → (status, source)."""
    out: dict[str, tuple[str, str]] = {}
    for batch in matching.chunks(keys):
        out.update((k, (st, src)) for k, st, src in Payment.objects.filter(matching.among(Payment, "dedupe_key", batch))
                   .values_list("dedupe_key", "status", "source"))
    return out


def _finish(batch: ImportBatch, result: ImportResult) -> None:
    booked = [p for p in result.payments if p.status != PaymentStatus.PRELIMINARY]
    batch.matched = sum(1 for p in booked if p.status == PaymentStatus.APPLIED)
    batch.unmatched = sum(1 for p in booked if p.status == PaymentStatus.UNMATCHED)
    batch.total = sum(p.amount for p in result.payments)
    batch.save(update_fields=["matched", "unmatched", "total"])
    _audit_import(batch)


def _audit_import(batch: ImportBatch) -> None:
    audit.record("revenue.payments_imported", obj=batch,
                 detail={"file": batch.filename, "lines": batch.lines, "matched": batch.matched,
                         "unmatched": batch.unmatched, "total": batch.total})


@dataclass(frozen=True)
class Consignor:
    """The municipality as 委託者 of the 口座振替 (from its contract with the bank)."""

    code: str  # 委託者コード (10)
    name: str  # 委託者名 (カナ)
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str
    account_no: str


def debit_request_file(debit_date: dt.date, consignor: Consignor) -> bytes:
    """The 口座振替 request: every instalment due on `debit_date` with something owed and an account."""
    bills = list(Bill.objects.filter(due_on=debit_date).order_by("person_no", "levy", "installment"))
    owed = ledger.balances([b.pk for b in bills])
    accounts = {a.person_no: a for a in DirectDebitAccount.objects.filter(
        person_no__in={b.person_no for b in bills}, valid_from__lte=debit_date).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=debit_date))}
    f = zengin.DebitFile(consignor.code, consignor.name, debit_date, consignor.bank_code, consignor.bank_name,
                         consignor.branch_code, consignor.branch_name, consignor.account_type, consignor.account_no)
    for b in bills:
        acct = accounts.get(b.person_no)
        if acct is None or owed.get(b.pk, 0) <= 0:
            continue
        f.debits.append(zengin.Debit(acct.bank_code, acct.bank_name, acct.branch_code, acct.branch_name,
                                     acct.account_type, acct.account_no, acct.holder, owed[b.pk], b.payment_ref))
    content = zengin.write(f)
    audit.record("revenue.debit_request_written", object_type="Bill", object_id=debit_date.isoformat(),
                 detail={"debit_date": debit_date.isoformat(), "count": len(f.debits),
                         "total": sum(d.amount for d in f.debits)})
    return content


def import_debit_results(content: bytes, filename: str, year: int) -> ImportResult:
    """The bank's result file: 振替済 lines become payments on the 引落日; the others are only counted."""
    digest = _once("zengin_debit_result", filename, content)
    try:
        f = zengin.read(content, year)
    except zengin.FormatError as e:
        raise ImportRefused(filename, [LineError(e.line, e.reason)]) from None
    errors: list[LineError] = []
    seen: set[str] = set()
    incoming: list[payments.Incoming] = []
    already = _existing([f"debit:{f.debit_date.isoformat()}:{d.customer_no}" for d in f.debits if d.result == "0"])
    for n, d in enumerate(f.debits, 2):
        if d.result != "0":
            continue
        key = f"debit:{f.debit_date.isoformat()}:{d.customer_no}"
        if key in seen or key in already:
            errors.append(LineError(n, f"顧客番号 {d.customer_no} の振替は取込済みか重複しています"))
            continue
        seen.add(key)
        if d.amount <= 0:
            errors.append(LineError(n, "引落金額が0円です"))
            continue
        incoming.append(payments.Incoming(f.debit_date, d.amount, PaymentChannel.DIRECT_DEBIT,
                                          reference=d.customer_no, payer=d.holder, source=filename, line_no=n,
                                          dedupe_key=key))
    if errors:
        raise ImportRefused(filename, errors)
    with transaction.atomic():
        batch = ImportBatch.objects.create(kind="zengin_debit_result", filename=filename[:200], sha256=digest,
                                           lines=len(f.debits), created_by=current_actor().username)
        result = ImportResult(batch, payments.receive_many(incoming))
        _finish(batch, result)
    return result


def refund_transfer_file(transfer_date: dt.date, consignor: Consignor) -> bytes:
    """全銀協 総合振込 for every decided refund not yet transferred whose taxpayer has an account on file
    (口座振替の口座); refund plus 還付加算金. Each refund is marked with the transfer date."""
    from lgcloud.areas.revenue.models import Refund, RefundStatus

    with transaction.atomic():
        refunds = list(Refund.objects.select_for_update().filter(status=RefundStatus.DECIDED,
                                                                 transferred_on__isnull=True).order_by("pk"))
        accounts = {a.person_no: a for a in DirectDebitAccount.objects.filter(
            person_no__in={r.person_no for r in refunds}).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=transfer_date))}
        transfers = []
        for r in refunds:
            acct = accounts.get(r.person_no)
            if acct is None:
                continue  # no account: paid at the counter (還付金の窓口払い)
            transfers.append(zengin.Transfer(acct.bank_code, acct.bank_name, acct.branch_code, acct.branch_name,
                                             acct.account_type, acct.account_no, acct.holder,
                                             r.amount + r.interest, f"{r.pk:010d}"))
            r.transferred_on = transfer_date
            r.save(update_fields=["transferred_on"])
        f = zengin.DebitFile(consignor.code, consignor.name, transfer_date, consignor.bank_code, consignor.bank_name,
                             consignor.branch_code, consignor.branch_name, consignor.account_type,
                             consignor.account_no)
        content = zengin.write_transfers(f, transfers)
        audit.record("revenue.refund_transfer_written", object_type="Refund", object_id=transfer_date.isoformat(),
                     detail={"count": len(transfers), "total": sum(t.amount for t in transfers)})
    return content
