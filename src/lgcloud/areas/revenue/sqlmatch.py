"""Matching (消込) of a convenience-store file in SQL, on PostgreSQL: the common case never leaves the database.

The file is COPYed as it is into a TEMP staging table (rv_raw, one row a line, numbered by the order COPY reads
them); one statement reads, matches and classifies every line into a second TEMP table (rv_m); then, in the caller's
transaction, each payment is written once:

- the lines are checked in SQL (区分, 収納日, 金額, 取扱番号, duplicates within the file and against the payments
  already in). Any line the checks do not accept, or anything unusual about the file (quotes, blank lines, CR
  line ends …), sends the whole file back to the Python import (`imports.import_cvs`), which lists the errors by
  line and reason exactly as before, or takes in what SQL would not: this path never decides a refusal itself;
- every 確報 is written with one `INSERT … SELECT`, in file order (its id from the table's default in that order),
  matched to its instalment by 納付番号; unknown references are unmatched (速報 by one more, when there are any);
- the common case — a taxpayer whose payments in the file each settle (part of) one instalment of their own,
  owing at least the amount — needs no other row: the payment is written with its instalment (`Payment.bill`) and
  is itself the ledger's 収納 movement (see `movements`). When such a payment pays off an instalment after its
  納期限, its 延滞金 is determined by the Python rule (rules.late_fee) once per distinct (調定額, 納期限, 納付日,
  earlier partial payments) and booked as entries by one more `INSERT … SELECT`;
- the rare taxpayers (a payment larger than what is owed on its instalment, more than one payment for an
  instalment in the file) go through `matching.Matcher` in file order, exactly as `payments.receive_many` does,
  their payments booked by entries; their payments and instalments are disjoint from the common case's, so the
  order between the two does not change the result;
- unmatched payments are raised on the clerks' worklist; one audit record names the batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lgcloud.areas.revenue import ledger, matching, payments
from lgcloud.areas.revenue.models import Payment
from lgcloud.platform import worklists
from lgcloud.platform.tenancy.context import current_actor, require_municipality

WHITESPACE = " \t\n\r\f\v\u00a0\u3000"
EMPTY = "''"
CVS = "cvs"


@dataclass
class Applied:
    """What the SQL path did: counts, and the ids of this import's payments (first, last) for loading them."""

    lines_read: int  # every line of the file (速報 and 確報)
    lines: int  # the 確報 lines (money received)
    matched: int
    unmatched: int
    total: int
    total_all: int  # with the 速報 recorded
    first_id: int | None
    last_id: int | None
    single: Payment | None  # the payment, when the file held exactly one 確報


def usable(text: str) -> bool:
    """Whether the body of the file (after the header) can be read by COPY exactly as `csv.reader` reads it."""
    return bool(text) and not any(c in text for c in '"\r\x00') and "\n\n" not in text \
        and not text.startswith(("\n", "\\.")) and "\n\\." not in text


@dataclass(frozen=True)
class Staged:
    preliminary: int  # 速報 lines in the file
    supersedes: bool  # some 確報 completes a 速報 taken in earlier


def stage(body: str, parse_date: Callable[[str], dt.date]) -> Staged | None:
    """COPY the file's lines into TEMP rv_raw, read, match and classify them into TEMP rv_m (the only other table
    written before the payments), check them; None: let Python read the file.

    `parse_date` is the Python import's own reading of a 収納日, applied to each distinct date of the file."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL work_mem = '256MB'")  # the day's file sorted and hashed in memory
            cur.execute("SET LOCAL jit = off")  # compiling the few big statements costs more than it saves
            cur.execute("DROP TABLE IF EXISTS rv_raw, rv_m")
            cur.execute("CREATE TEMP TABLE rv_raw (n bigint GENERATED ALWAYS AS IDENTITY, kind text, paid text, "
                        "at text, chain text, store text, handling text, ref text, amount text) ON COMMIT DROP")
            with cur.cursor.copy("COPY rv_raw (kind, paid, at, chain, store, handling, ref, amount) "
                                 "FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(body)
    except DatabaseError:  # a line with too few or too many fields: the Python import says which
        return None
    m = require_municipality().pk
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT paid FROM rv_raw")
        raw = [r[0] for r in cur.fetchall()]
        try:
            dates = [parse_date((d or "").strip()) for d in raw]
        except ValueError:
            cur.execute("DROP TABLE rv_raw")
            return None
        # a file without blanks in its fields (nearly every file) is read without btrim on every field of every line
        blank = any(c in body for c in WHITESPACE if c not in "\n")

        def trim(col: str) -> str:
            return f"btrim({col}, %(ws)s)" if blank else col

        # one statement reads each line (n counts the lines read, the header is line 1; each field stripped as
        # str.strip() would), finds the 確報's instalment by 納付番号 and what is owed on it (its entries and its
        # direct payments), and classifies: a taxpayer is "rare" when one of their payments is more than is owed
        # on its instalment or shares it with another line. For an instalment a payment may pay off late: its
        # 調定 up to the day paid and its earlier partial payments (for 延滞金).
        cur.execute(f"""
            CREATE TEMP TABLE rv_m ON COMMIT DROP AS
            -- MATERIALIZED: r.ref must reach revenue_bill as a value, not as btrim(…) — row-level security lets
            -- no qual with a function that is not leakproof be an index condition, and a seq scan a line is ruin
            WITH r AS MATERIALIZED (
                SELECT n + 1 AS line, kind, amount, ref, chain || '-' || store AS payer,
                       'cvs:' || chain || ':' || handling AS key, handling, d.paid_on
                FROM (SELECT n, paid, {", ".join(f"{trim(f'coalesce({c}, {EMPTY})')} AS {c}" for c in (
                    "kind", "store", "chain", "handling", "ref"))},
                             CASE WHEN {trim("amount")} ~ '^[0-9]{{1,15}}$' THEN {trim("amount")}::bigint
                                  END AS amount
                      FROM rv_raw) r
                JOIN unnest(%(raw)s::text[], %(dates)s::date[]) AS d(raw, paid_on) ON d.raw = r.paid),
            -- LATERAL: one index probe per line for its instalment and for what is owed on it, whatever the
            -- planner would guess about a temporary table without statistics (a hash of every instalment is slower);
            -- an instalment whose only principal entry is its first 調定 (Bill.plain_charge, nearly all) is read
            -- from its own row: no probe of the entries, only of the direct payments. Lines an instalment are counted
            -- by (taxpayer, instalment): one sort by taxpayer serves both windows
            c AS (SELECT r.*, b.bill_id, b.person_no, b.due_on, coalesce(bal.principal, 0) AS principal, bal.charged,
                         bal.earlier, count(*) OVER (PARTITION BY b.person_no, b.bill_id) AS lines
                  FROM r LEFT JOIN LATERAL (
                      SELECT b.id AS bill_id, b.person_no, b.due_on, b.plain_charge, b.plain_on FROM revenue_bill b
                      WHERE b.municipality_id = %(m)s AND b.payment_ref = r.ref OFFSET 0) b ON r.kind = '確報' AND r.ref <> ''
                  LEFT JOIN LATERAL (
                      SELECT sum(x.amount)::bigint AS principal,
                             coalesce(sum(x.amount) FILTER (WHERE x.kind IN ('bill', 'remission')
                                                            AND x.booked_on <= r.paid_on), 0)::bigint AS charged,
                             coalesce(string_agg(x.booked_on::text || ':' || (-x.amount)::text, ','
                                                 ORDER BY x.booked_on, x.id)
                                      FILTER (WHERE x.amount < 0 AND x.kind IN ('collection', 'appropriation')
                                              AND x.booked_on < r.paid_on), '') AS earlier
                      FROM (SELECT 'bill' AS kind, b.plain_charge AS amount, b.plain_on AS booked_on, 0::bigint AS id WHERE b.plain_charge IS NOT NULL
                            UNION ALL
                            SELECT e.kind, e.amount, e.booked_on, e.id FROM revenue_entry e
                            WHERE b.plain_charge IS NULL
                                AND e.bill_id = b.bill_id AND e.municipality_id = %(m)s AND e.component = 'principal'
                            UNION ALL
                            SELECT 'collection', -p.amount, p.paid_on, p.id FROM revenue_payment p
                            WHERE p.bill_id = b.bill_id AND p.bill_id IS NOT NULL AND p.municipality_id = %(m)s) x)
                      bal ON b.bill_id IS NOT NULL)
            SELECT c.*, bill_id IS NOT NULL AND NOT bool_or(lines > 1 OR amount > principal)
                                                    OVER (PARTITION BY person_no) AS fast
            FROM c""", {"ws": WHITESPACE, "raw": raw, "dates": dates, "m": m})
        # the payments already in under the file's keys, in one pass (a probe of the unique index a line): a
        # duplicate, or a 確報 completing a 速報 taken in earlier
        cur.execute("""
            WITH hits AS (SELECT bool_or(i.kind = '速報' OR p.status <> 'preliminary') AS dup,
                                 bool_or(i.kind = '確報' AND p.status = 'preliminary') AS sup
                          FROM rv_m i JOIN revenue_payment p ON p.municipality_id = %s AND p.dedupe_key = i.key)
            SELECT (SELECT count(*) FROM rv_raw) <> (SELECT count(*) FROM rv_m)
                OR EXISTS (SELECT 1 FROM rv_m WHERE kind NOT IN ('速報', '確報') OR amount IS NULL
                           OR amount <= 0 OR handling = '' OR length(key) > 120 OR length(payer) > 100
                           OR length(ref) > 40)
                OR EXISTS (SELECT 1 FROM rv_m GROUP BY kind, key HAVING count(*) > 1)
                OR coalesce((SELECT dup FROM hits), false),
                   (SELECT count(*) FROM rv_m WHERE kind = '速報'),
                   coalesce((SELECT sup FROM hits), false)""", [m])
        bad, preliminary, supersedes = cur.fetchone()
        cur.execute("DROP TABLE rv_raw, rv_m" if bad else "DROP TABLE rv_raw")
    return None if bad else Staged(preliminary, supersedes)


def apply(source: str, staged: Staged) -> Applied:
    """Write the staged lines (rv_m) as the payments of the file `source`."""
    m, now, actor = require_municipality().pk, timezone.now(), current_actor().username
    common: dict[str, Any] = {"m": m, "now": now, "actor": actor, "source": source[:200], "channel": CVS}
    preliminary, preliminary_total = [], 0
    with connection.cursor() as cur:
        if staged.preliminary:
            # 速報 not completed by a 確報 in the same file: recorded, not yet money
            cur.execute("""
                INSERT INTO revenue_payment (municipality_id, paid_on, amount, channel, reference, person_no, payer,
                                             status, reason, source, line_no, dedupe_key, created_at, created_by)
                SELECT %(m)s, paid_on, amount, %(channel)s, ref, NULL, payer, 'preliminary', '', %(source)s, line, key,
                       %(now)s, %(actor)s
                FROM rv_m i WHERE kind = '速報'
                    AND NOT EXISTS (SELECT 1 FROM rv_m f WHERE f.kind = '確報' AND f.key = i.key)
                ORDER BY line RETURNING id, amount""", common)
            rows = cur.fetchall()
            preliminary, preliminary_total = [r[0] for r in rows], sum(r[1] for r in rows)
        if staged.supersedes:  # a 確報 replaces the 速報 taken in earlier
            cur.execute("""DELETE FROM revenue_payment p USING rv_m f WHERE f.kind = '確報' AND p.municipality_id = %s
                           AND p.dedupe_key = f.key AND p.status = 'preliminary'""", [m])
        # one row a payment, its id from the table's default in file order; the common case's payment is itself the
        # 収納 movement (`bill` set, no entry); what the rest of the import needs comes back from the same statement
        cur.execute(f"""
            WITH ins AS (
                {PAYMENTS.format(rows="rv_m WHERE kind = '確報'")})
            SELECT count(*), count(*) FILTER (WHERE status = 'applied'), coalesce(sum(amount), 0)::bigint, min(id),
                   max(id), coalesce(array_agg(id ORDER BY id) FILTER (WHERE status = 'applied' AND bill_id IS NULL),
                                     '{{}}'),
                   coalesce(array_agg(id ORDER BY id) FILTER (WHERE status = 'unmatched'), '{{}}'),
                   (SELECT string_agg(CASE WHEN a = b THEN a::text ELSE a || '-' || b END, ',' ORDER BY a)
                    FROM (SELECT min(id) AS a, max(id) AS b
                          FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS g FROM ins) s GROUP BY g) t)
            FROM ins""", common)
        lines, matched, total, lo, hi, rare, unmatched, spans = cur.fetchone()
        cur.execute("DROP TABLE IF EXISTS rv_late")
        cur.execute(RV_LATE)
        cur.execute(f"INSERT INTO rv_late SELECT bill_id, person_no, due_on, paid_on, charged, earlier FROM rv_m "
                    f"WHERE {LATE.format(t='')}")
        cur.execute("DROP TABLE IF EXISTS rv_m")
    applied = finish(source, Taken(lines, matched, total, lo, hi, rare, unmatched, spans))
    ids = [*preliminary, *(x for x in (lo, hi) if x is not None)]
    applied.lines_read, applied.total_all = lines + staged.preliminary, total + preliminary_total
    applied.first_id, applied.last_id = min(ids, default=None), max(ids, default=None)
    return applied


@dataclass
class Taken:
    """The 確報 lines written as payments: what the rest of the import needs."""

    lines: int
    matched: int
    total: int
    lo: int | None  # first and last payment id
    hi: int | None
    rare: list[int]  # payments matched to an instalment but left to the Python matcher
    unmatched: list[int]
    spans: str | None  # the payments' ids as ranges, for the audit record
    # and in TEMP rv_late: the common-case lines paying their instalment off after its 納期限 (see RV_LATE)


def finish(source: str, taken: Taken) -> Applied:
    """After the payments: 延滞金, the rare taxpayers, the unmatched worklist, the audit record."""
    _late_fees()
    _rare(taken.rare)
    items = [payments.unmatched_item_of(*row) for row in Payment.objects.filter(pk__in=taken.unmatched)
             .order_by("pk").values_list(*payments.UNMATCHED_FIELDS)]
    if items:
        worklists.raise_items(payments.UNMATCHED_QUEUE, items)
    single, lines = None, taken.lines
    if lines == 1 and taken.lo is not None:
        single = Payment.objects.get(pk=taken.lo)
        payments.audit_single(single)
    elif lines and taken.lo is not None and taken.hi is not None:
        payments.audit_batch(lines, lines - len(taken.unmatched), len(taken.unmatched), taken.total, [source[:200]],
                             taken.lo, taken.hi, taken.spans or "")
    return Applied(lines, lines, taken.matched, len(taken.unmatched), taken.total, taken.total, taken.lo, taken.hi,
                   single)


# a common-case payment that pays its instalment off after the 納期限 (its 延滞金 is determined now)
# The payments of a 消込, one row a line in file order, from `rows` (the staged lines, or the one statement's classified
# lines): the common case's payment is itself the 収納 movement (`bill` set only when `fast`); shared by the staged path
# (`apply`) and the one-statement path (`sqlfast`)
PAYMENTS = """INSERT INTO revenue_payment (municipality_id, paid_on, amount, channel, reference, person_no, payer, status,
                             reason, source, line_no, dedupe_key, created_at, created_by, bill_id)
    SELECT %(m)s, paid_on, amount, %(channel)s, ref, person_no, payer,
           CASE WHEN bill_id IS NULL THEN 'unmatched' ELSE 'applied' END,
           CASE WHEN bill_id IS NOT NULL THEN '' WHEN ref <> '' THEN '納付番号 ' || ref || ' の期別がありません'
                ELSE '納付番号も宛名番号もありません' END,
           %(source)s, line, key, %(now)s, %(actor)s, CASE WHEN fast THEN bill_id END
    FROM {rows} ORDER BY line
    RETURNING id, status, bill_id, amount"""
LATE = "{t}kind = '確報' AND {t}fast AND {t}amount = {t}principal AND {t}paid_on > {t}due_on"


# the common case's lines paying off an instalment after its 納期限, written by the 消込 before `finish`: (instalment,
# taxpayer, 納期限, 納付日, 調定額 up to the day paid, earlier partial payments as "day:amount,…")
RV_LATE = ("CREATE TEMP TABLE rv_late (bill_id bigint, person_no bigint, due_on date, paid_on date, charged bigint, "
           "earlier text) ON COMMIT DROP")


def _late_fees() -> None:
    """延滞金 of the lines in rv_late: the Python rule once per distinct history, the entries by one INSERT … SELECT
    (the lines never leave the database)."""
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT due_on, paid_on, charged, earlier FROM rv_late")
        histories = cur.fetchall()
        m = matching.Matcher()
        fees = [(due_on, paid_on, charged, earlier,
                 m.fee(due_on, paid_on, int(charged), tuple((dt.date.fromisoformat(on), int(a)) for on, a in
                                                            (x.split(":") for x in earlier.split(",") if x))))
                for due_on, paid_on, charged, earlier in histories]
        fees = [f for f in fees if f[4] > 0]
        if fees:
            cur.execute("""
                INSERT INTO revenue_entry (municipality_id, bill_id, person_no, kind, component, amount, booked_on,
                                           reason, payment_id, source_ref, created_at, created_by)
                SELECT %(m)s, l.bill_id, l.person_no, 'late_fee', 'late_fee', k.fee, l.paid_on, '延滞金の確定', NULL, '',
                       %(now)s, %(actor)s
                FROM rv_late l
                JOIN unnest(%(due)s::date[], %(paid)s::date[], %(charged)s::bigint[], %(earlier)s::text[],
                            %(fee)s::bigint[]) AS k(due_on, paid_on, charged, earlier, fee)
                    ON k.due_on = l.due_on AND k.paid_on = l.paid_on AND k.charged = l.charged
                        AND k.earlier = l.earlier
                ORDER BY l.bill_id""",
                        {"m": require_municipality().pk, "now": timezone.now(), "actor": current_actor().username,
                         **{k: [f[i] for f in fees] for i, k in enumerate(("due", "paid", "charged", "earlier", "fee"))}})
        cur.execute("DROP TABLE rv_late")


def _rare(pids: list[int]) -> None:
    """The taxpayers the common case leaves out, through the Python matcher in file order."""
    if not pids:
        return
    rare = list(Payment.objects.filter(pk__in=pids).order_by("pk"))
    m = matching.Matcher()
    m.load_refs({p.reference for p in rare})
    m.load_persons({p.person_no for p in rare if p.person_no is not None})
    for p in rare:
        incoming = matching.Incoming(p.paid_on, p.amount, p.channel, reference=p.reference)
        person_no, bill, _reason = m.match(incoming)
        assert person_no is not None  # matched by reference in SQL, the instalments unchanged since
        if m.apply(p, person_no, bill):
            m.flush()
            ledger.settle_over_payments(person_no, p.paid_on)
            m.forget(person_no)
    m.flush()


def loaded(applied: Applied, source: str) -> list[Payment]:
    """The payments of the import, in file order (速報 first, as the Python import returns them)."""
    if applied.first_id is None or applied.last_id is None:
        return []
    return list(Payment.objects.filter(pk__gte=applied.first_id, pk__lte=applied.last_id, source=source[:200])
                .order_by("pk"))


def ready() -> bool:
    return connection.vendor == "postgresql"
