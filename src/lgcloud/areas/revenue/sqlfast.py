"""消込 of a 確報 file in one statement (PostgreSQL): read, matched, classified and written without a staging table.

A day's 確報 file (no 速報 line: nearly every file) goes through here first; anything else — a 速報 line, a line the
checks do not accept, a duplicate (the payments' unique index refuses it: within the file, against a payment taken
in earlier, or a 確報 completing a 速報 of an earlier file), a field too long — rolls the savepoint back and leaves
the file to `sqlmatch.stage`/`apply` (and so to the Python import's messages), exactly as before.

After the COPY of the lines into TEMP rv_raw (as `sqlmatch.stage`), one statement with a data-modifying CTE:

- parses each line (the amount by a cast, the 収納日 by its position among the file's distinct dates) and finds its
  instalment by 納付番号 — a join the planner makes a hash join for a day's file (the lines' estimate is rv_raw's
  own, by its size) and index probes for a small one;
- reads what is owed on it only where it must: an instalment whose 調定 is its only principal entry
  (`Bill.plain_charge`, nearly all) from its own row, less its direct payments (one probe of their index, a sum);
  entries only for the others;
- classifies by hashing, not sorting (a hashed subplan of the few rare taxpayers): a taxpayer is rare when one of their lines pays more than is owed on its
  instalment or shares the instalment with another line (the same rule as `sqlmatch`);
- inserts every line into revenue_payment in file order (`bill` set for the common case: the payment is its own 収納
  movement) and returns what the rest needs: counts, the rare and the unmatched payments' ids, and for the common
  case's instalments paid off after their 納期限 the history their 延滞金 depends on (read for those lines only);
- reports in the same pass whether every line passed the checks of `sqlmatch.stage`.

The rest — 延滞金 entries (the Python rule once per distinct history), the rare taxpayers through the Python
matcher, the unmatched worklist, the audit record — is `sqlmatch.finish`, shared with the staged path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lgcloud.areas.revenue import sqlmatch
from lgcloud.platform.tenancy.context import current_actor, require_municipality


class _Refused(Exception):
    """A line the checks do not accept: roll back, let the staged path (and the Python import) read the file."""


def take(body: str, parse_date: Callable[[str], dt.date], source: str) -> sqlmatch.Taken | None:
    """Write the file's payments (in the caller's transaction); None: nothing written, use the staged path."""
    if "速報" in body:
        return None
    try:
        with transaction.atomic():
            return _take(body, parse_date, source)
    except (DatabaseError, _Refused, ValueError):
        return None


def _take(body: str, parse_date: Callable[[str], dt.date], source: str) -> sqlmatch.Taken:
    m, now, actor = require_municipality().pk, timezone.now(), current_actor().username
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")  # the day's file hashed and sorted in memory
        cur.execute("SET LOCAL jit = off")
        cur.execute("DROP TABLE IF EXISTS rv_raw, rv_m, rv_late")
        cur.execute(sqlmatch.RV_LATE)
        cur.execute("CREATE TEMP TABLE rv_raw (n bigint GENERATED ALWAYS AS IDENTITY, kind text, paid text, "
                    "at text, chain text, store text, handling text, ref text, amount text) ON COMMIT DROP")
        with cur.cursor.copy("COPY rv_raw (kind, paid, at, chain, store, handling, ref, amount) "
                             "FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(body)
        cur.execute("SELECT DISTINCT paid FROM rv_raw")
        raw = [r[0] for r in cur.fetchall()]
        dates = [parse_date((d or "").strip()) for d in raw]  # ValueError: the Python import says which line
        cur.execute(_statement(any(c in body for c in sqlmatch.WHITESPACE if c != "\n")),
                    {"ws": sqlmatch.WHITESPACE, "raw": raw, "dates": dates, "m": m, "now": now, "actor": actor,
                     "source": source[:200], "channel": sqlmatch.CVS})
        bad, lines, matched, total, lo, hi, rare, unmatched, spans = cur.fetchone()
        if bad:
            raise _Refused
        cur.execute("DROP TABLE rv_raw")
    return sqlmatch.Taken(lines, matched, total, lo, hi, rare, unmatched, spans)


# a matched line paying off what is owed after the 納期限 (the common case's 延滞金 is decided among these)
_CANDIDATE = "o.bill_id IS NOT NULL AND o.amount = o.principal AND o.paid_on > o.due_on"
# the lines classified: `fast` — matched, and its taxpayer not rare (the payment is its own 収納 movement)
_FAST = "(SELECT c.*, bill_id IS NOT NULL AND person_no NOT IN (SELECT person_no FROM rare) AS fast FROM c) f"


def _statement(blank: bool) -> str:
    def trim(col: str) -> str:
        return f"btrim({col}, %(ws)s)" if blank else col

    fields = ", ".join(f"{trim(f'coalesce({c}, {sqlmatch.EMPTY})')} AS {c}"
                       for c in ("kind", "store", "chain", "handling", "ref"))
    amount = trim("amount")
    return f"""
        -- MATERIALIZED: r.ref must reach revenue_bill as a value (row-level security: see sqlmatch.stage). The
        -- amount as the Python import reads it (digits only, at most 15): a cast, not a regular expression (half
        -- the cost of reading the lines) — what the cast refuses fails the statement (the staged path then reads
        -- the file), what it accepts beyond digits (a sign, blanks, leading zeros aside) `amount_ok` rejects.
        -- paid_on by position among the file's few distinct dates: no join, so the planner's estimate of the
        -- lines is rv_raw's own (by its size), and joining the instalments by hash is its choice where it pays
        WITH r AS MATERIALIZED (
            SELECT n + 1 AS line, kind, {amount}::bigint AS amount,
                   length({amount}) <= 15 AND {amount}::bigint::text = ltrim({amount}, '0') AS amount_ok, ref,
                   chain || '-' || store AS payer, 'cvs:' || chain || ':' || handling AS key, handling,
                   (%(dates)s::date[])[array_position(%(raw)s::text[], paid)] AS paid_on
            FROM (SELECT n, paid, amount, {fields} FROM rv_raw) r),
        -- the instalment by 納付番号 (joined: by hash for a day's file, by index probes for a small one) and what is
        -- owed on it: its 調定 from its own row where that is its only principal entry (else its entries), less its
        -- direct payments (a sum: NULL when there is none). Not materialized: OFFSET 0 keeps it a subquery, so
        -- `principal` is computed once a line and read by c's CASEs without a copy of every line in between
        o AS (
            SELECT r.line, r.amount, r.ref, r.payer, r.key, r.paid_on, b.bill_id, b.person_no, b.due_on,
                   b.plain_charge, b.plain_on,
                   CASE WHEN b.bill_id IS NULL THEN 0
                        ELSE coalesce(b.plain_charge,
                                      (SELECT sum(e.amount) FROM revenue_entry e
                                       WHERE e.bill_id = b.bill_id AND e.municipality_id = %(m)s
                                           AND e.component = 'principal'), 0)
                             - coalesce((SELECT sum(p.amount) FROM revenue_payment p
                                         WHERE p.bill_id = b.bill_id AND p.bill_id IS NOT NULL
                                             AND p.municipality_id = %(m)s), 0) END::bigint AS principal
            FROM r LEFT JOIN (SELECT b.id AS bill_id, b.person_no, b.due_on, b.plain_charge, b.plain_on, b.payment_ref
                              FROM revenue_bill b WHERE b.municipality_id = %(m)s) b
                ON b.payment_ref = r.ref AND r.kind = '確報' AND r.ref <> ''
            OFFSET 0),
        -- a line that may pay its instalment off late: the history its 延滞金 depends on — the 調定 up to the day paid,
        -- the earlier partial payments — read as sqlmatch.stage reads it, and here, before this file's payments are
        -- written (all of c is read by `rare` before the first row is inserted)
        c AS MATERIALIZED (  -- only what the payments, `rare` and `late` read (every column is copied a line)
            SELECT o.line, o.amount, o.ref, o.payer, o.key, o.paid_on, o.bill_id, o.person_no, o.due_on, o.principal,
                   CASE WHEN {_CANDIDATE} THEN
                       CASE WHEN o.plain_charge IS NOT NULL
                            THEN CASE WHEN o.plain_on <= o.paid_on THEN o.plain_charge ELSE 0 END
                            ELSE (SELECT coalesce(sum(e.amount), 0) FROM revenue_entry e
                                  WHERE e.bill_id = o.bill_id AND e.municipality_id = %(m)s
                                      AND e.component = 'principal' AND e.kind IN ('bill', 'remission')
                                      AND e.booked_on <= o.paid_on) END END::bigint AS charged,
                   CASE WHEN NOT ({_CANDIDATE}) THEN NULL
                        -- its 調定 alone, owed whole (no direct payment): nothing paid before
                        WHEN o.plain_charge IS NOT NULL AND o.principal = o.plain_charge THEN ''
                        ELSE (
                       SELECT coalesce(string_agg(x.booked_on::text || ':' || (-x.amount)::text, ','
                                                  ORDER BY x.booked_on, x.id), '')
                       FROM (SELECT e.kind, e.amount, e.booked_on, e.id FROM revenue_entry e
                             WHERE o.plain_charge IS NULL AND e.bill_id = o.bill_id AND e.municipality_id = %(m)s
                                 AND e.component = 'principal'
                             UNION ALL
                             SELECT 'collection', -p.amount, p.paid_on, p.id FROM revenue_payment p
                             WHERE p.bill_id = o.bill_id AND p.bill_id IS NOT NULL AND p.municipality_id = %(m)s) x
                       WHERE x.amount < 0 AND x.kind IN ('collection', 'appropriation') AND x.booked_on < o.paid_on)
                   END AS earlier
            FROM o),
        -- a taxpayer is rare when a line pays more than is owed on its instalment or shares it with another line
        rare AS (SELECT person_no FROM c WHERE bill_id IS NOT NULL GROUP BY bill_id, person_no
                 HAVING count(*) > 1 OR bool_or(amount > principal)),
        -- NOT IN: a hashed subplan (the rare are few), one hash probe a line; person_no is never NULL in rare. Its
        -- hash reads all of c before the first row is inserted
        ins AS (
            {sqlmatch.PAYMENTS.format(rows=_FAST)}),
        -- the common case's lines paying off after the 納期限 (charged is set for the candidates only), kept in
        -- TEMP rv_late for their 延滞金 (sqlmatch.finish): the rule is Python's, applied once per distinct history
        late AS (INSERT INTO rv_late SELECT bill_id, person_no, due_on, paid_on, charged, earlier FROM c
                 WHERE charged IS NOT NULL AND person_no NOT IN (SELECT person_no FROM rare)),
        done AS (
            SELECT count(*) AS lines, count(*) FILTER (WHERE status = 'applied') AS matched,
                   coalesce(sum(amount), 0)::bigint AS total, min(id) AS lo, max(id) AS hi,
                   coalesce(array_agg(id ORDER BY id) FILTER (WHERE status = 'applied' AND bill_id IS NULL), '{{}}')
                       AS rare,
                   coalesce(array_agg(id ORDER BY id) FILTER (WHERE status = 'unmatched'), '{{}}') AS unmatched,
                   -- the ids as ranges: one range when nothing else inserted in between (nearly always)
                   CASE WHEN count(*) = 1 THEN min(id)::text
                        WHEN max(id) - min(id) + 1 = count(*) THEN min(id) || '-' || max(id)
                        ELSE (SELECT string_agg(CASE WHEN a = b THEN a::text ELSE a || '-' || b END, ',' ORDER BY a)
                              FROM (SELECT min(id) AS a, max(id) AS b
                                    FROM (SELECT id, id - row_number() OVER (ORDER BY id) AS g FROM ins) s
                                    GROUP BY g) t) END AS spans
            FROM ins)
        SELECT (SELECT coalesce(bool_or(kind <> '確報' OR amount IS NULL OR amount <= 0 OR handling = ''
                                               OR NOT amount_ok OR paid_on IS NULL OR length(key) > 120
                                               OR length(payer) > 100 OR length(ref) > 40),
                                       false) FROM r),
               done.*
        FROM done"""
