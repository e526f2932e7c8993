"""Matching (消込) of a convenience-store file in SQL, on PostgreSQL: the common case never leaves the database.

The file is COPYed as it is into a TEMP staging table (one row a line, numbered by the order COPY reads them),
checked by a few set-based queries, and applied in a handful of statements in the caller's transaction:

- the lines are checked in SQL (区分, 収納日, 金額, 取扱番号, duplicates within the file and against the payments
  already in). Any line the checks do not accept, or anything unusual about the file (quotes, blank lines, CR
  line ends …), sends the whole file back to the Python import (`imports.import_cvs`), which lists the errors by
  line and reason exactly as before, or takes in what SQL would not: this path never decides a refusal itself;
- every payment (速報 and 確報) is written with one `INSERT … SELECT`, in file order (its id from the sequence in
  that order), matched to its instalment by 納付番号 in the same statement; unknown references are unmatched;
- the common case — a taxpayer whose payments in the file each settle (part of) one instalment of their own,
  owing at least the amount — is booked with one `INSERT … SELECT` of 収納 entries; when such a payment pays
  off an instalment after its 納期限, its 延滞金 is determined by the Python rule (rules.late_fee) once per
  distinct (調定額, 納期限, 納付日, earlier partial payments) and booked by one more `INSERT … SELECT`;
- the rare taxpayers (a payment larger than what is owed on its instalment, more than one payment for an
  instalment in the file) go through `matching.Matcher` in file order, exactly as `payments.receive_many` does;
  their payments and instalments are disjoint from the common case's, so the order between the two does not
  change the result;
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


def stage(body: str, parse_date: Callable[[str], dt.date]) -> bool:
    """COPY the file's lines into TEMP rv_raw and check them into TEMP rv_in; False: let Python read the file.

    `parse_date` is the Python import's own reading of a 収納日, applied to each distinct date of the file."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL work_mem = '256MB'")  # the day's file sorted and hashed in memory
            cur.execute("DROP TABLE IF EXISTS rv_raw, rv_in, rv_f, rv_m, rv_late")
            cur.execute("CREATE TEMP TABLE rv_raw (n bigint GENERATED ALWAYS AS IDENTITY, kind text, paid text, "
                        "at text, chain text, store text, handling text, ref text, amount text) ON COMMIT DROP")
            with cur.cursor.copy("COPY rv_raw (kind, paid, at, chain, store, handling, ref, amount) "
                                 "FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(body)
    except DatabaseError:  # a line with too few or too many fields: the Python import says which
        return False
    m = require_municipality().pk
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT paid FROM rv_raw")
        raw = [r[0] for r in cur.fetchall()]
        try:
            dates = [parse_date((d or "").strip()) for d in raw]
        except ValueError:
            cur.execute("DROP TABLE rv_raw")
            return False
        # n counts the lines read (the header is line 1); each field stripped as str.strip() would
        cur.execute(f"""
            CREATE TEMP TABLE rv_in ON COMMIT DROP AS
            SELECT n + 1 AS line, kind, amount, ref, chain || '-' || store AS payer, 'cvs:' || chain || ':' || handling
                   AS key, handling, d.paid_on
            FROM (SELECT n, paid, {", ".join(f"btrim(coalesce({c}, ''), %(ws)s) AS {c}" for c in (
                "kind", "store", "chain", "handling", "ref"))},
                         CASE WHEN btrim(amount, %(ws)s) ~ '^[0-9]{{1,15}}$' THEN btrim(amount, %(ws)s)::bigint
                              END AS amount
                  FROM rv_raw) r
            JOIN unnest(%(raw)s::text[], %(dates)s::date[]) AS d(raw, paid_on) ON d.raw = r.paid""",
                    {"ws": WHITESPACE, "raw": raw, "dates": dates})
        cur.execute("ANALYZE rv_in")  # a temporary table has no statistics: without them every join is a guess
        cur.execute("""
            SELECT (SELECT count(*) FROM rv_raw) <> (SELECT count(*) FROM rv_in)
                OR EXISTS (SELECT 1 FROM rv_in WHERE kind NOT IN ('速報', '確報') OR amount IS NULL
                           OR amount <= 0 OR handling = '' OR length(key) > 120 OR length(payer) > 100
                           OR length(ref) > 40)
                OR EXISTS (SELECT 1 FROM rv_in GROUP BY kind, key HAVING count(*) > 1)
                OR EXISTS (SELECT 1 FROM rv_in i JOIN revenue_payment p ON p.municipality_id = %s
                                AND p.dedupe_key = i.key AND (i.kind = '速報' OR p.status <> 'preliminary'))""",
                    [m])
        bad = cur.fetchone()[0]
        cur.execute("DROP TABLE rv_raw, rv_in" if bad else "DROP TABLE rv_raw")
    return not bad


def apply(source: str) -> Applied:
    """Write and match the staged lines (rv_in) as the payments of the file `source`."""
    m, now, actor = require_municipality().pk, timezone.now(), current_actor().username
    common: dict[str, Any] = {"m": m, "now": now, "actor": actor, "source": source[:200], "channel": CVS}
    with connection.cursor() as cur:
        # 速報 not completed by a 確報 in the same file: recorded, not yet money
        cur.execute("""
            INSERT INTO revenue_payment (municipality_id, paid_on, amount, channel, reference, person_no, payer,
                                         status, reason, source, line_no, dedupe_key, created_at, created_by)
            SELECT %(m)s, paid_on, amount, %(channel)s, ref, NULL, payer, 'preliminary', '', %(source)s, line, key,
                   %(now)s, %(actor)s
            FROM rv_in i WHERE kind = '速報' AND NOT EXISTS (SELECT 1 FROM rv_in f WHERE f.kind = '確報' AND f.key = i.key)
            ORDER BY line RETURNING id, amount""", common)
        rows = cur.fetchall()
        preliminary, preliminary_total = [r[0] for r in rows], sum(r[1] for r in rows)
        cur.execute("SELECT count(*) FROM rv_in")
        lines_read = cur.fetchone()[0]
        # a 確報 replaces the 速報 taken in earlier
        cur.execute("""DELETE FROM revenue_payment p USING rv_in f WHERE f.kind = '確報' AND p.municipality_id = %s
                       AND p.dedupe_key = f.key AND p.status = 'preliminary'""", [m])
        # each 確報 with its id (in file order), its instalment by 納付番号 and what is owed on it; a taxpayer is
        # "rare" when one of their payments is more than is owed on its instalment or shares it with another line
        cur.execute("""
            CREATE TEMP TABLE rv_f ON COMMIT DROP AS
            SELECT f.line, f.paid_on, f.amount, f.ref, f.key, f.payer, b.id AS bill_id, b.person_no, b.due_on
            FROM rv_in f LEFT JOIN revenue_bill b ON b.municipality_id = %(m)s AND b.payment_ref = f.ref AND f.ref <> ''
            WHERE f.kind = '確報'""", common)
        cur.execute("ANALYZE rv_f")
        cur.execute("""
            CREATE TEMP TABLE rv_m ON COMMIT DROP AS
            WITH bal AS (SELECT bill_id, sum(amount)::bigint AS principal FROM (
                             SELECT e.bill_id, e.amount FROM revenue_entry e
                             WHERE e.municipality_id = %(m)s AND e.component = 'principal'
                               AND e.bill_id IN (SELECT bill_id FROM rv_f)
                             UNION ALL
                             SELECT p.bill_id, -p.amount FROM revenue_payment p
                             WHERE p.municipality_id = %(m)s AND p.bill_id IS NOT NULL
                               AND p.bill_id IN (SELECT bill_id FROM rv_f)) x GROUP BY bill_id),
                 c AS (SELECT f.*, coalesce(bal.principal, 0) AS principal,
                              count(*) OVER (PARTITION BY f.bill_id) AS lines
                       FROM rv_f f LEFT JOIN bal USING (bill_id)),
                 o AS (SELECT c.*, bill_id IS NOT NULL AND NOT bool_or(lines > 1 OR amount > principal)
                                                               OVER (PARTITION BY person_no) AS fast
                       FROM c ORDER BY line)
            SELECT o.* FROM o""", common)
        cur.execute("DROP TABLE rv_f")
        cur.execute("ANALYZE rv_m")
        # one row a payment, its id from the table's default in file order; the common case's payment is itself the
        # 収納 movement (`bill` set, no entry); what the rest of the import needs comes back from the same statement
        cur.execute("""
            WITH ins AS (
                INSERT INTO revenue_payment (municipality_id, paid_on, amount, channel, reference, person_no, payer,
                                             status, reason, source, line_no, dedupe_key, created_at, created_by,
                                             bill_id)
                SELECT %(m)s, paid_on, amount, %(channel)s, ref, person_no, payer,
                       CASE WHEN bill_id IS NULL THEN 'unmatched' ELSE 'applied' END,
                       CASE WHEN bill_id IS NOT NULL THEN '' WHEN ref <> '' THEN '納付番号 ' || ref || ' の期別がありません'
                            ELSE '納付番号も宛名番号もありません' END,
                       %(source)s, line, key, %(now)s, %(actor)s, CASE WHEN fast THEN bill_id END
                FROM rv_m ORDER BY line
                RETURNING id, status, bill_id, amount)
            SELECT count(*), count(*) FILTER (WHERE status = 'applied'), coalesce(sum(amount), 0)::bigint, min(id),
                   max(id), coalesce(array_agg(id ORDER BY id) FILTER (WHERE status = 'applied' AND bill_id IS NULL),
                                     '{}'),
                   coalesce(array_agg(id ORDER BY id) FILTER (WHERE status = 'unmatched'), '{}'),
                   (SELECT string_agg(CASE WHEN a = b THEN a::text ELSE a || '-' || b END, ',' ORDER BY a)
                    FROM (SELECT min(id) AS a, max(id) AS b
                          FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS g FROM ins) s GROUP BY g) t)
            FROM ins""", common)
        lines, matched, total, lo, hi, rare, unmatched, spans = cur.fetchone()
        _late_fees(cur, common)
    _rare(rare)
    items = [payments.unmatched_item(p) for p in Payment.objects.filter(pk__in=unmatched).order_by("pk")]
    if items:
        worklists.raise_items(payments.UNMATCHED_QUEUE, items)
    single = None
    if lines == 1:
        single = Payment.objects.get(pk=lo)
        payments.audit_single(single)
    elif lines:
        payments.audit_batch(lines, lines - len(unmatched), len(unmatched), total, [source[:200]], lo, hi, spans)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS rv_in, rv_f, rv_m, rv_late")
    ids = [*preliminary, *(x for x in (lo, hi) if x is not None)]
    return Applied(lines_read, lines, matched, len(unmatched), total, total + preliminary_total, min(ids, default=None), max(ids, default=None), single)


def _late_fees(cur: Any, common: dict[str, Any]) -> None:
    """延滞金 of the common-case instalments paid off after their 納期限: the rule once per distinct history."""
    cur.execute("""
        CREATE TEMP TABLE rv_late ON COMMIT DROP AS
        SELECT m.bill_id, m.person_no, m.due_on, m.paid_on,
               coalesce(sum(e.amount) FILTER (WHERE e.kind IN ('bill', 'remission') AND e.booked_on <= m.paid_on), 0)::bigint
                   AS charged,
               coalesce(string_agg(e.booked_on::text || ':' || (-e.amount)::text, ',' ORDER BY e.booked_on, e.id)
                        FILTER (WHERE e.amount < 0 AND e.kind IN ('collection', 'appropriation')
                                AND e.booked_on < m.paid_on), '') AS earlier
        FROM rv_m m JOIN (SELECT bill_id, kind, amount, booked_on, id FROM revenue_entry
                          WHERE municipality_id = %(m)s AND component = 'principal'
                          UNION ALL
                          SELECT bill_id, 'collection', -amount, paid_on, id FROM revenue_payment
                          WHERE municipality_id = %(m)s AND bill_id IS NOT NULL) e ON e.bill_id = m.bill_id
        WHERE m.fast AND m.amount = m.principal AND m.paid_on > m.due_on
        GROUP BY m.bill_id, m.person_no, m.due_on, m.paid_on""", common)
    cur.execute("SELECT DISTINCT due_on, paid_on, charged, earlier FROM rv_late")
    keys = cur.fetchall()
    if not keys:
        return
    m = matching.Matcher()
    fees = []
    for due_on, paid_on, charged, earlier in keys:
        partial = tuple((dt.date.fromisoformat(on), int(a)) for on, a in
                        (x.split(":") for x in earlier.split(",") if x))
        fees.append(m.fee(due_on, paid_on, int(charged), partial))
    cur.execute("""
        INSERT INTO revenue_entry (municipality_id, bill_id, person_no, kind, component, amount, booked_on, reason,
                                   payment_id, source_ref, created_at, created_by)
        SELECT %(m)s, l.bill_id, l.person_no, 'late_fee', 'late_fee', f.fee, l.paid_on, '延滞金の確定', NULL, '',
               %(now)s, %(actor)s
        FROM rv_late l JOIN unnest(%(due)s::date[], %(paid)s::date[], %(charged)s::bigint[], %(earlier)s::text[],
                                   %(fee)s::bigint[]) AS f(due_on, paid_on, charged, earlier, fee)
             ON f.due_on = l.due_on AND f.paid_on = l.paid_on AND f.charged = l.charged AND f.earlier = l.earlier
        WHERE f.fee > 0 ORDER BY l.bill_id""",
                {**common, "due": [k[0] for k in keys], "paid": [k[1] for k in keys],
                 "charged": [k[2] for k in keys], "earlier": [k[3] for k in keys], "fee": fees})


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
