"""The ledger's movements, whichever row holds them.

Most movements are `Entry` rows. The ordinary payment of a day's file — paid on one instalment's principal and
not more than is owed on it — is booked without one: its `Payment` row, with `bill` set, *is* the 収納 movement
(principal, −amount, on the day paid). Balances are the sums of both; every reader of the ledger goes through here
(or adds `direct` to its own sums), so the two forms read the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, QuerySet, Sum
from django.db.models.expressions import RawSQL

from lgcloud.areas.revenue.models import Bill, Component, Entry, EntryKind, Payment
from lgcloud.platform.db import lists

COLLECTION_REASON = "収納"


def direct(bill_ids: Iterable[int] | None = None, *, until: dt.date | None = None) -> QuerySet[Payment]:
    """The payments that are themselves 収納 movements (optionally of these instalments, paid up to `until`)."""
    qs = Payment.objects.filter(bill__isnull=False)
    if bill_ids is not None:  # one parameter, however many instalments
        qs = qs.filter(lists.among(Payment, "bill_id", list(bill_ids)))
    if until is not None:
        qs = qs.filter(paid_on__lte=until)
    return qs


def unplain(bill_ids: Iterable[int]) -> None:
    """Principal entries were just written for these instalments (other than their first 調定): their 調定 is no
    longer their only principal entry, the 消込 must read their entries (`Bill.plain_charge`)."""
    ids = sorted(set(bill_ids))
    step = 50_000 if connection.vendor == "postgresql" else 500
    for start in range(0, len(ids), step):
        chunk = ids[start:start + step]
        qs = Bill.objects.filter(plain_charge__isnull=False)
        if connection.vendor == "postgresql":
            qs = qs.filter(RawSQL('"revenue_bill"."id" = ANY(%s)', [chunk], output_field=BooleanField()))
        else:
            qs = qs.filter(pk__in=chunk)
        qs.update(plain_charge=None, plain_on=None)


def plain_mismatches() -> list[int]:
    """The instalments whose `plain_charge` does not say their principal entries (empty: it holds) — for tests and
    checks."""
    entries: dict[int, list[tuple[str, int, dt.date]]] = {}
    for bill_id, kind, amount, on in Entry.objects.filter(
            component=Component.PRINCIPAL, bill__plain_charge__isnull=False).values_list(
            "bill_id", "kind", "amount", "booked_on"):
        entries.setdefault(bill_id, []).append((kind, amount, on))
    return sorted(pk for pk, charge, on in Bill.objects.filter(plain_charge__isnull=False).values_list(
        "pk", "plain_charge", "plain_on") if entries.get(pk) != [(EntryKind.BILL, charge, on)])


def dangling() -> list[str]:
    """The entries and direct payments whose instalment does not exist (empty: it holds) — "entry:ID" / "payment:ID".
    Their foreign keys are not checked by the database (BULK_MUNICIPALITY in models); for tests and checks."""
    bills = Bill.objects.values("pk")
    return [*(f"entry:{pk}" for pk in Entry.objects.exclude(bill_id__in=bills).order_by("pk")
                                                    .values_list("pk", flat=True)),
            *(f"payment:{pk}" for pk in Payment.objects.filter(bill__isnull=False).exclude(bill_id__in=bills)
                                                      .order_by("pk").values_list("pk", flat=True))]


def as_entry(p: Payment, bill: Bill | None = None) -> Entry:
    """A direct payment read as the `Entry` it stands for (not saved: it has no row of its own)."""
    assert p.bill_id is not None  # a direct payment
    e = Entry(municipality_id=p.municipality_id, bill_id=p.bill_id, person_no=p.person_no or 0,
              kind=EntryKind.COLLECTION, component=Component.PRINCIPAL, amount=-p.amount, booked_on=p.paid_on,
              reason=COLLECTION_REASON, payment_id=p.pk, created_at=p.created_at, created_by=p.created_by)
    if bill is not None:
        e.bill = bill
    return e


def direct_sums(bill_ids: Iterable[int], until: dt.date | None = None) -> dict[int, int]:
    """bill id → the direct payments' movement (−sum of their amounts)."""
    return {r["bill_id"]: -int(r["s"] or 0)
            for r in direct(bill_ids, until=until).order_by().values("bill_id").annotate(s=Sum("amount"))}


def principal_of(bills: Iterable[Bill], until: dt.date | None = None) -> list[Entry]:
    """Every principal movement of these instalments (booked up to `until`), entries and direct payments."""
    by_id = {b.pk: b for b in bills}
    qs = Entry.objects.filter(lists.among(Entry, "bill_id", list(by_id)), component=Component.PRINCIPAL)
    if until is not None:
        qs = qs.filter(booked_on__lte=until)
    out = list(qs)
    out += [as_entry(p, by_id.get(p.bill_id or 0)) for p in direct(by_id, until=until)]
    out.sort(key=lambda e: (e.booked_on, e.pk or 0))
    return out


def of_person(bills: Iterable[Bill], person_no: int, until: dt.date | None = None) -> list[Entry]:
    """A taxpayer's movements (given their instalments), in the order booked."""
    by_id = {b.pk: b for b in bills}
    qs = Entry.objects.filter(person_no=person_no)
    if until is not None:
        qs = qs.filter(booked_on__lte=until)
    out = list(qs)
    out += [as_entry(p, by_id.get(p.bill_id or 0)) for p in direct(by_id, until=until)]
    out.sort(key=lambda e: (e.booked_on, e.created_at, e.pk or 0))
    return out
