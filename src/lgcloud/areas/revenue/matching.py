"""Set-based matching (消込) of a day's payments, written in bulk.

A file of payments is matched as a whole, not row by row:

1. duplicates are found in one pass over the keys (within the file, then one query per chunk of keys against
   the payments already in);
2. the file's 納付番号 are joined against the instalments in one query per chunk, which brings each instalment's
   principal and 延滞金 balances with it (the join and the aggregate are done by the database);
3. the taxpayers whose payments need more than their designated instalment (a payment larger than what is
   owed on it, a payment by 宛名番号 and amount, a counter payment of an identified taxpayer) have all their
   instalments loaded in one query per chunk; the payment histories that a 延滞金 needs likewise;
4. every payment is then applied in memory, in file order, by the same rules as a single payment
   (rules.allocation: principal of what is due — the designated instalment first —, then 延滞金, then what is not
   yet due; 延滞金 determined when an instalment's principal is paid off late);
5. the payments and their 収納 entries are written with `bulk_create` in large batches, the unmatched payments
   go to the clerks' worklist in one insert, and one audit record names the whole batch (a single payment keeps
   its own record).

An over-payment is settled (充当 / 還付) by the ledger as soon as it arises, after writing what is pending, so the
result is the same as applying the payments one by one. All of it runs in the caller's transaction: a failure
leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import Q, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from lgcloud.areas.revenue import movements
from lgcloud.areas.revenue import parameters as P
from lgcloud.areas.revenue.models import Bill, Component, Entry, EntryKind, Payment, PaymentStatus
from lgcloud.areas.revenue.rules.allocation import Debt, apply_payment
from lgcloud.areas.revenue.rules.late_fee import late_fee
from lgcloud.areas.revenue.rules.rates import LateFeeRates
from lgcloud.platform.common.errors import ValidationFailed
from lgcloud.platform.db import lists
from lgcloud.platform.interchange import bulk
from lgcloud.platform.tenancy.context import current_actor, require_municipality

WRITE_BATCH = 5000


def chunk_size() -> int:
    return 900 if connection.vendor == "sqlite" else 20_000


def among(model: type[models.Model], column: str, values: list[Any]) -> Q | RawSQL:
    """A filter `column IN values`: one parameter rather than one per value (`lgcloud.platform.db.lists`)."""
    return lists.among(model, column, values)


def chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    size, batch = chunk_size(), []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Incoming:
    """One payment as read from a file or typed at the counter."""

    paid_on: dt.date
    amount: int
    channel: str
    reference: str = ""
    person_no: int | None = None
    payer: str = ""
    source: str = ""
    line_no: int | None = None
    dedupe_key: str = ""
    identified: bool = False  # the clerk at the counter identified the taxpayer: apply to person_no as it is

    def key(self) -> str:
        return self.dedupe_key or f"{self.channel}:{self.reference or self.person_no}:{self.paid_on}:{self.amount}"


class Duplicate(ValidationFailed):
    pass


@dataclass(slots=True)
class _Bill:
    pk: int
    person_no: int
    levy: str
    installment: int
    due_on: dt.date
    principal: int  # balance (negative: over-paid)
    fee: int
    history: list[tuple[str, int, dt.date]] | None = None  # principal entries (kind, amount, booked_on), if loaded
    pending: list[tuple[str, int, dt.date]] = field(default_factory=list)  # booked here, not yet written


_FIELDS = ("pk", "person_no", "levy", "installment", "due_on")


class Matcher:
    """The instalments a batch of payments touches, with their balances, held in memory while it is applied."""

    def __init__(self) -> None:
        self.bills: dict[int, _Bill] = {}
        self.by_ref: dict[str, int] = {}
        self.unknown: set[str] = set()  # references looked up and not found
        self.by_person: dict[int, set[int]] = defaultdict(set)
        self.whole: set[int] = set()  # persons with every instalment loaded
        self.entries: list[tuple[int, int, str, str, int, dt.date, str, Payment | None]] = []
        self.payments: list[Payment] = []  # not yet written
        self._rates: dict[tuple[int, int], LateFeeRates] = {}
        self._lookup: Any = None
        self._actor = current_actor().username

    # -- loading ------------------------------------------------------------------------------------------------
    def _load(self, q: Q | RawSQL) -> list[int]:
        rows = (Bill.objects.filter(q).order_by().values_list(*_FIELDS, "payment_ref")
                .annotate(p=Sum("entries__amount", filter=Q(entries__component=Component.PRINCIPAL)),
                          f=Sum("entries__amount", filter=Q(entries__component=Component.LATE_FEE))))
        loaded = []
        for pk, person_no, levy, inst, due_on, ref, p, f in rows:
            self.by_ref[ref] = pk
            if pk in self.bills:
                continue
            self.bills[pk] = _Bill(pk, person_no, levy, inst, due_on, int(p or 0), int(f or 0))
            self.by_person[person_no].add(pk)
            loaded.append(pk)
        if loaded:
            for pk, s in movements.direct_sums(loaded).items():
                self.bills[pk].principal += s
        return loaded

    def load_refs(self, refs: Iterable[str]) -> None:
        for batch in chunks(r for r in set(refs) if r not in self.by_ref and r not in self.unknown):
            self._load(among(Bill, "payment_ref", batch))
            self.unknown.update(r for r in batch if r not in self.by_ref)

    def load_persons(self, person_nos: Iterable[int]) -> None:
        for batch in chunks(p for p in set(person_nos) if p not in self.whole):
            self._load(among(Bill, "person_no", batch))
            self.whole.update(batch)

    def load_histories(self, pks: Iterable[int]) -> None:
        todo = [pk for pk in pks if self.bills[pk].history is None]
        for batch in chunks(todo):
            got: dict[int, list[tuple[str, int, dt.date]]] = {pk: [] for pk in batch}
            for bill_id, kind, amount, on in Entry.objects.filter(
                    among(Entry, "bill_id", batch), component=Component.PRINCIPAL).order_by().values_list(
                    "bill_id", "kind", "amount", "booked_on"):
                got[bill_id].append((kind, amount, on))
            for bill_id, amount, on in movements.direct(batch).order_by().values_list("bill_id", "amount", "paid_on"):
                got[bill_id].append((EntryKind.COLLECTION, -amount, on))
            for pk, rows in got.items():
                b = self.bills[pk]
                b.history = rows + b.pending

    def forget(self, person_no: int) -> None:
        """After the ledger itself has changed a person's instalments (充当 / 還付): read them again when needed."""
        for pk in self.by_person.pop(person_no, set()):
            del self.bills[pk]
        self.whole.discard(person_no)
        self.by_ref = {r: pk for r, pk in self.by_ref.items() if pk in self.bills}
        self.unknown.clear()

    # -- matching -----------------------------------------------------------------------------------------------
    def _person_bills(self, person_no: int) -> list[_Bill]:
        self.load_persons([person_no])
        return [self.bills[pk] for pk in self.by_person.get(person_no, ())]

    def _open(self, person_no: int) -> list[_Bill]:
        """As ledger.open_debts(person_no): instalments with something owed, by 納期限, levy and 期別."""
        return sorted((b for b in self._person_bills(person_no) if b.principal > 0 or b.fee > 0),
                      key=lambda b: (b.due_on, b.levy, b.installment))

    def match(self, incoming: Incoming) -> tuple[int | None, _Bill | None, str]:
        """(person_no, designated instalment, reason if unmatched) — as a clerk would match one payment."""
        if incoming.reference:
            if incoming.reference not in self.by_ref:
                self.load_refs([incoming.reference])
            pk = self.by_ref.get(incoming.reference)
            if pk is not None:
                b = self.bills[pk]
                return b.person_no, b, ""
        if incoming.person_no is not None and incoming.identified:
            if self._person_bills(incoming.person_no):
                return incoming.person_no, None, ""
            return None, None, f"宛名番号 {incoming.person_no} の期別がありません"
        if incoming.person_no is not None:
            debts = self._open(incoming.person_no)
            for b in debts:
                if max(b.principal, 0) == incoming.amount:
                    return incoming.person_no, b, ""
            if debts and sum(max(b.principal, 0) for b in debts) == incoming.amount:
                return incoming.person_no, None, ""
            return None, None, "宛名番号の未納額と金額が一致しません"
        if incoming.reference:
            return None, None, f"納付番号 {incoming.reference} の期別がありません"
        return None, None, "納付番号も宛名番号もありません"

    # -- applying -----------------------------------------------------------------------------------------------
    def _book(self, b: _Bill, kind: str, amount: int, on: dt.date, reason: str, payment: Payment | None,
              component: str = Component.PRINCIPAL) -> None:
        self.entries.append((b.pk, b.person_no, kind, component, amount, on, reason, payment))
        if component == Component.PRINCIPAL:
            b.principal += amount
            (b.history if b.history is not None else b.pending).append((kind, amount, on))
        else:
            b.fee += amount

    def _late_fee(self, b: _Bill, paid_on: dt.date) -> int:
        """As the ledger determines it: the 延滞金 of an instalment whose principal is paid off on `paid_on`."""
        if paid_on <= b.due_on:
            return 0
        if b.history is None:
            self.load_histories([b.pk])
        history = b.history or []
        charged = sum(a for k, a, on in history if k in (EntryKind.BILL, EntryKind.REMISSION) and on <= paid_on)
        if charged <= 0:
            return 0
        earlier = tuple((on, -a) for k, a, on in history
                        if a < 0 and k in (EntryKind.COLLECTION, EntryKind.APPROPRIATION) and on < paid_on)
        return self.fee(b.due_on, paid_on, charged, earlier)

    def fee(self, due_on: dt.date, paid_on: dt.date, charged: int, earlier: tuple[tuple[dt.date, int], ...]) -> int:
        """The 延滞金 on `charged` due `due_on`, paid off on `paid_on` after the `earlier` partial payments."""
        if paid_on <= due_on or charged <= 0:
            return 0
        years = (due_on.year, max(due_on.year, paid_on.year))
        if years not in self._rates:
            self._lookup = self._lookup or P.database_lookup()
            self._rates[years] = P.late_fee_rates(self._lookup, *years)
        return late_fee(charged, due_on, paid_on, self._rates[years], earlier).amount

    def _principal(self, payment: Payment, debts: list[_Bill], remaining: int, designated: str | None,
                   outstanding: dict[str, int]) -> int:
        by_key = {str(b.pk): b for b in debts}
        for a in apply_payment(remaining, [Debt(k, b.due_on, outstanding[k], 0) for k, b in by_key.items()],
                               designated=designated).allocations:
            b = by_key[a.key]
            self._book(b, EntryKind.COLLECTION, -a.principal, payment.paid_on, "収納", payment)
            remaining -= a.principal
            if a.principal == outstanding[a.key]:
                fee = self._late_fee(b, payment.paid_on)
                if fee:
                    self._book(b, EntryKind.LATE_FEE, fee, payment.paid_on, "延滞金の確定", None,
                               component=Component.LATE_FEE)
        return remaining

    def apply(self, payment: Payment, person_no: int, designated: _Bill | None) -> int:
        """Book `payment` on the person's instalments; returns the over-payment left (booked, to be settled)."""
        amount, paid_on = payment.amount, payment.paid_on
        if designated is not None and amount <= designated.principal:
            # the usual case: the payment settles (part of) its own instalment only — what apply_payment would
            # allocate to a designated instalment owing at least the amount
            paid_off = amount == designated.principal
            self._book(designated, EntryKind.COLLECTION, -amount, paid_on, "収納", payment)
            if paid_off:
                fee = self._late_fee(designated, paid_on)
                if fee:
                    self._book(designated, EntryKind.LATE_FEE, fee, paid_on, "延滞金の確定", None,
                               component=Component.LATE_FEE)
            return 0
        debts = self._open(person_no)
        outstanding = {str(b.pk): max(b.principal, 0) for b in debts}
        dkey = str(designated.pk) if designated is not None else None
        due = [b for b in debts if b.principal > 0 and (b.due_on <= paid_on or b is designated)]
        later = [b for b in debts if b.principal > 0 and not (b.due_on <= paid_on or b is designated)]
        remaining = self._principal(payment, due, amount, dkey, outstanding)
        if remaining:
            fees = [b for b in self._open(person_no) if b.fee > 0]
            by_key = {str(b.pk): b for b in fees}
            for a in apply_payment(remaining, [Debt(k, b.due_on, 0, b.fee) for k, b in by_key.items()]).allocations:
                self._book(by_key[a.key], EntryKind.COLLECTION, -a.late_fee, paid_on, "延滞金の収納", payment,
                           component=Component.LATE_FEE)
                remaining -= a.late_fee
        if remaining:
            remaining = self._principal(payment, later, remaining, None, outstanding)
        if remaining:
            target = designated or (max(debts, key=lambda b: b.due_on) if debts else None)
            if target is None:
                person = self._person_bills(person_no)
                target = max(person, key=lambda b: (b.due_on, b.pk)) if person else None
            if target is None:
                raise ValidationFailed("この納付者には期別がありません。", field="person_no")
            self._book(target, EntryKind.COLLECTION, -remaining, paid_on, "過誤納（超過収納）", payment)
        return remaining

    # -- writing ------------------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the payments and entries held so far (payments first: the entries point at them)."""
        municipality_id = require_municipality().pk
        now = timezone.now()
        if self.payments:
            for p in self.payments:
                p.municipality_id, p.created_at = municipality_id, now
            if connection.vendor == "postgresql":
                _insert_payments(self.payments)
            else:
                _insert_payments_sqlite(self.payments)
            self.payments = []
        if self.entries:
            rows = [(municipality_id, bill_id, person_no, kind, component, amount, on, reason[:200],
                     payment.pk if payment is not None else None, "", now, self._actor)
                    for bill_id, person_no, kind, component, amount, on, reason, payment in self.entries]
            if connection.vendor == "postgresql":
                insert_rows("revenue_entry", ENTRY_COLUMNS, rows)
            else:  # one prepared executemany of tuples (no model instance a row)
                bulk.insert(Entry, ENTRY_FIELDS, rows)
            movements.unplain(r[1] for r in rows if r[4] == Component.PRINCIPAL)
            self.entries = []
        for b in self.bills.values():
            b.pending.clear()


ENTRY_FIELDS = ("municipality_id", "bill_id", "person_no", "kind", "component", "amount", "booked_on", "reason",
                 "payment_id", "source_ref", "created_at", "created_by")
ENTRY_COLUMNS = (("municipality_id", "bigint"), ("bill_id", "bigint"), ("person_no", "bigint"), ("kind", "text"),
                  ("component", "text"), ("amount", "bigint"), ("booked_on", "date"), ("reason", "text"),
                  ("payment_id", "bigint"), ("source_ref", "text"), ("created_at", "timestamptz"),
                  ("created_by", "text"))
_PAYMENT_COLUMNS = (("id", "bigint"), ("municipality_id", "bigint"), ("paid_on", "date"), ("amount", "bigint"),
                    ("channel", "text"), ("reference", "text"), ("person_no", "bigint"), ("payer", "text"),
                    ("status", "text"), ("reason", "text"), ("source", "text"), ("line_no", "bigint"),
                    ("dedupe_key", "text"), ("created_at", "timestamptz"), ("created_by", "text"))


def insert_rows(table: str, columns: tuple[tuple[str, str], ...], rows: list[tuple[Any, ...]]) -> None:
    """COPY into a temporary staging table, then one INSERT … SELECT (COPY FROM is not allowed on a table under
    row-level security; the INSERT is checked by its policy)."""
    names = ", ".join(c for c, _ in columns)
    stage = f"stage_{table}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({', '.join(f'{c} {t}' for c, t in columns)}) "
                    "ON COMMIT DELETE ROWS")
        with cur.cursor.copy(f"COPY {stage} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage}")
        cur.execute(f"TRUNCATE {stage}")


def _insert_payments(payments: list[Payment]) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence('revenue_payment', 'id')) FROM generate_series(1, %s)",
                    [len(payments)])
        ids = [r[0] for r in cur.fetchall()]
    for p, pk in zip(payments, ids, strict=True):
        p.pk = pk
        p._state.adding, p._state.db = False, "default"
    insert_rows("revenue_payment", _PAYMENT_COLUMNS, [
        (p.pk, p.municipality_id, p.paid_on, p.amount, p.channel, p.reference, p.person_no, p.payer, p.status,
         p.reason, p.source, p.line_no, p.dedupe_key, p.created_at, p.created_by) for p in payments])


def _insert_payments_sqlite(payments: list[Payment]) -> None:
    """SQLite (one writer at a time): ids taken after the largest, the rows by one prepared executemany."""
    first = bulk.allocate_ids(Payment, len(payments))
    for i, p in enumerate(payments):
        p.pk = first + i
        p._state.adding, p._state.db = False, "default"
    bulk.insert(Payment, ("id", *(c for c, _ in _PAYMENT_COLUMNS[1:]), "bill_id"), [
        (p.pk, p.municipality_id, p.paid_on, p.amount, p.channel, p.reference, p.person_no, p.payer, p.status,
         p.reason, p.source, p.line_no, p.dedupe_key, p.created_at, p.created_by, p.bill_id) for p in payments])


def check_duplicates(keys: Sequence[str], *, ignore_preliminary: bool = False) -> None:
    """Refuse a batch holding a payment twice, or one already taken in."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise Duplicate(f"同じ収納がすでに取り込まれています（{key}）。", field="dedupe_key")
        seen.add(key)
    for batch in chunks(keys):
        qs = Payment.objects.filter(among(Payment, "dedupe_key", batch))
        if ignore_preliminary:
            qs = qs.exclude(status=PaymentStatus.PRELIMINARY)
        first = qs.values_list("dedupe_key", flat=True).first()
        if first is not None:
            raise Duplicate(f"同じ収納がすでに取り込まれています（{first}）。", field="dedupe_key")


def prepare(matcher: Matcher, incomings: Sequence[Incoming]) -> None:
    """Load, in bulk, everything the batch will need (what is missed here is loaded when needed)."""
    matcher.load_refs({i.reference for i in incomings if i.reference})
    whole: set[int] = set()
    per_bill: dict[int, int] = defaultdict(int)
    late: set[int] = set()
    for i in incomings:
        pk = matcher.by_ref.get(i.reference) if i.reference else None
        if pk is None:
            if i.person_no is not None:
                whole.add(i.person_no)
            continue
        per_bill[pk] += i.amount
        if i.paid_on > matcher.bills[pk].due_on:
            late.add(pk)
    whole.update(matcher.bills[pk].person_no for pk, total in per_bill.items() if total > matcher.bills[pk].principal)
    matcher.load_persons(whole)
    matcher.load_histories(late)
