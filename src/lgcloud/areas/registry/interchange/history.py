"""The registry's side of an import, second part: the event history. Files with a history must fold
(with the register's own fold, `engine.fold_changes`) into exactly the persons and households in the
files; files without one (another system's) get a history standing on their dates (`dated_history`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from lgcloud.areas.registry import engine
from lgcloud.areas.registry.interchange.staging import Batch
from lgcloud.platform.interchange.codec import Problem
from lgcloud.platform.interchange.compact import pairs, pick
from lgcloud.platform.interchange.layout import Layout

_PERSON_KEYS = set(engine.PERSON_ITEMS) - {"household_id", "individual_number_enc", "individual_number_hash",
                                          "individual_number_last4"} | {"household_no", "individual_number"}
_HOUSEHOLD_KEYS = set(engine.HOUSEHOLD_ITEMS) - {"head_id"} | {"head_person_no"}


_DEFAULTS = {"person": engine.defaults(engine.PERSON_ITEMS), "household": engine.defaults(engine.HOUSEHOLD_ITEMS)}


def stored(target: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values as the register's own events hold them: a blank becomes the item's empty value, dates ISO."""
    defaults = _DEFAULTS[target]
    return {k: engine.to_json(defaults.get(k) if v is None or v == "" else v) for k, v in pairs(values)}


def in_fold_order(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events of a file in the register's fold order: 異動日, then 異動番号 (the order they were recorded)."""
    return sorted(events, key=lambda e: (e["effective_on"], e["event_no"]))


def file_state(b: Batch, target: str, no: int) -> dict[str, Any]:
    """The final state the files give for a person or household, in the history's terms."""
    if target == "person":
        p = b.persons[no]
        m = b.memberships.get(no, {})
        state = pick(p, _PERSON_KEYS)
        state.update({"household_no": m.get("household_no"), "relationship": m.get("relationship", ""),
                      "household_order": m.get("household_order", 1)})
        state["individual_number"] = str(p["individual_number"]).zfill(12) if p.get("individual_number") else None
        return state
    h = b.households[no]
    return pick(h, _HOUSEHOLD_KEYS)


_BOOLEANS = frozenset({"electoral_registered", "kana_certified"})
_SPECIAL = _BOOLEANS | {"individual_number"}


def _normal(key: str, value: Any) -> Any:
    if type(value) is str:  # the common case first; the same result as below
        if value == "":
            return None
        if key in _BOOLEANS:
            return True
        return value.zfill(12) if key == "individual_number" else value
    if value in ("", None) or value == {} or value == []:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if key in ("electoral_registered", "kana_certified"):
        return bool(value)
    if key == "individual_number":
        return str(value).zfill(12)
    return value


def check_history(b: Batch, problems: list[Problem]) -> None:
    """Every change refers to a known person/household; folding the history gives the files' state."""
    by_no = {e["event_no"]: e for e in b.events}
    cancelled = {e["cancels"] for e in b.events if e.get("cancels")}
    for e in b.events:
        line = e["_line"]
        for ref in ("corrects", "cancels"):
            if e.get(ref) and (e[ref] not in by_no or e[ref] >= e["event_no"]):
                problems.append(Problem("05_events.csv", line, ref, str(e[ref]), "参照する異動番号がありません（前の異動を指定してください）"))
        if not isinstance(e["changes"], list):
            problems.append(Problem("05_events.csv", line, "変更内容", "", "変更内容は配列で指定してください"))
            e["changes"] = []
            continue
        for ch in e["changes"]:
            target, no, values = ch.get("target"), ch.get("no"), ch.get("set")
            known = b.persons if target == "person" else b.households if target == "household" else None
            keys = _PERSON_KEYS if target == "person" else _HOUSEHOLD_KEYS
            if known is None or not isinstance(values, Mapping) or no not in known:
                problems.append(Problem("05_events.csv", line, "変更内容", str(no), "変更内容の対象（宛名番号・世帯番号）がありません"))
                continue
            unknown = set(values) - keys
            if unknown:
                problems.append(Problem("05_events.csv", line, "変更内容", "、".join(sorted(unknown)), "変更内容に定義にない項目があります"))
    if problems:
        return
    # The register's own fold, over the live events in (異動日, 異動番号) order — in parts of at most FOLD_PART
    # records (a record's fold needs only its own changes), so a large member's folded states are not all held at
    # once; the problems are reported in the files' order whatever the parts.
    live = [e["changes"] for e in in_fold_order(b.events) if e["event_no"] not in cancelled]
    defaults = {
        "person": {**engine.defaults(engine.PERSON_ITEMS), "household_no": None, "individual_number": None},
        "household": {**engine.defaults(engine.HOUSEHOLD_ITEMS), "head_person_no": None},
    }
    absent = absent_records(b)
    parts = max(1, -(-(len(b.persons) + len(b.households)) // FOLD_PART))
    found: dict[tuple[str, Any], Problem] = {}
    if parts > 1:  # each part's changes in fold order, sorted out in one pass
        buckets: list[list[Any]] = [[] for _ in range(parts)]
        for changes in live:
            for ch in changes:
                buckets[ch["no"] % parts].append(ch)
        live = []
    for part in range(parts):
        if parts == 1:
            state = engine.fold_changes(live, key="no")
        else:
            state = engine.fold_changes([buckets[part]], key="no")
            buckets[part] = []
        for target, known in (("person", b.persons), ("household", b.households)):
            for no in known:
                if parts > 1 and no % parts != part:
                    continue
                problem = _compare(b, target, no, state.get((target, no)), absent, defaults[target])
                if problem is not None:
                    found[(target, no)] = problem
        del state
    if found:
        problems.extend(found[(target, no)] for target, known in (("person", b.persons), ("household", b.households))
                        for no in known if (target, no) in found)


FOLD_PART = 250_000  # records folded at a time by the history check


def _compare(b: Batch, target: str, no: Any, folded: dict[str, Any] | None, absent: set[tuple[Any, Any]],
             defaults: dict[str, Any]) -> Problem | None:
    """The problem of one record whose fold does not give the files' state (the first item that differs), or None."""
    if folded is None and (target, no) in absent:
        folded = engine.absent(target)
    expected = file_state(b, target, no)
    label = "宛名番号" if target == "person" else "世帯番号"
    if folded is None:
        return Problem("05_events.csv", 0, label, str(no), "異動履歴にこの記録を作る異動がありません")
    folded = {**defaults, **folded}
    for k, v in expected.items():
        got = folded.get(k)
        if got == v and type(got) is type(v):  # the common case, without normalising
            continue
        if v is None and (got is None or got == ""):  # blank in the file and in the fold (`_normal`: both None)
            continue
        if type(v) is dt.date and type(got) is str and k not in _SPECIAL and got == v.isoformat():
            continue  # a date of the file, ISO in the fold (`_normal`: both the ISO text)
        if _normal(k, got) != _normal(k, v):
            return Problem("05_events.csv", 0, label, str(no),
                           f"異動履歴から再構成した「{k}」（{folded.get(k)!r}）がファイルの値（{v!r}）と一致しません")
    return None


def absent_records(b: Batch) -> set[tuple[Any, Any]]:
    """Records (target, number) that only cancelled events name: the register holds them as `engine.absent`
    (a 除票 or a dissolved household without the items their cancelled 記載 gave them)."""
    cancelled = {e["cancels"] for e in b.events if e.get("cancels")}
    named: dict[bool, set[tuple[Any, Any]]] = {True: set(), False: set()}
    for e in b.events:
        for ch in e["changes"] if isinstance(e["changes"], list) else []:
            if isinstance(ch, Mapping):
                named[e["event_no"] in cancelled].add((ch.get("target"), ch.get("no")))
    return named[True] - named[False]


def check_blanks(b: Batch, layout: Layout, deferred: Mapping[str, frozenset[str]], problems: list[Problem]) -> None:
    """A required item may be blank only on a record whose only 記載 was cancelled (`absent_records`)."""
    absent = absent_records(b)
    files = {f.file: f for f in layout.files if f.code in deferred}
    for target, records in (("person", b.persons), ("household", b.households)):
        for no, row in records.items():
            file, line = row["_line"]
            fdef = files.get(file)
            if fdef is None or (target, no) in absent:
                continue
            for code in sorted(deferred[fdef.code]):
                if row.get(code) is None:
                    problems.append(Problem(file, line, fdef.item(code).name, "", f"{fdef.item(code).name}は必須です"))
