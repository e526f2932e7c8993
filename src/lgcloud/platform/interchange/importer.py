"""Import a register in the standard layout: validate everything first, then write all or nothing.

Checks types, lengths and codes (codec), keys and references between files, the registry's rules
(one head per household, valid 続柄, dates in order, 個人番号 check digits) and that the event history
folds into exactly the persons and households in the files. Without an event history (files from
another system) one 「データ移行による記載」 event per household records the migrated state.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from lgcloud.areas.registry import crypto, engine
from lgcloud.areas.registry.dates import Precision
from lgcloud.areas.registry.models import (
    Counter,
    EventKind,
    EventSubject,
    Household,
    Person,
    PersonSnapshot,
    RegistryEvent,
    Restriction,
    SearchKey,
    Status,
    SupportMeasure,
)
from lgcloud.areas.registry.relationships import HEAD, validate_relationship
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError, ValidationFailed
from lgcloud.platform.interchange import bulk
from lgcloud.platform.interchange.codec import Problem, read_file
from lgcloud.platform.interchange.layout import FileDef, Layout, registry_layout
from lgcloud.platform.tenancy.context import current_actor, require_municipality

Progress = Callable[[str, int, int], None]
PERSON_DATE_PAIRS = (("birth_date", "birth_date_precision"), ("became_resident_on", "became_resident_precision"),
                     ("address_set_on", "address_set_precision"), ("death_date", "death_date_precision"))
BATCH = 5000
ERROR_LIMIT = 10_000


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def report_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["ファイル", "行", "項目", "値", "理由"])
        for p in self.problems:
            w.writerow(p.as_row())
        return "\ufeff" + buf.getvalue()


class _Batch:
    """What the files say, once decoded and checked."""

    def __init__(self) -> None:
        self.persons: dict[int, dict[str, Any]] = {}
        self.households: dict[int, dict[str, Any]] = {}
        self.memberships: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.restrictions: list[dict[str, Any]] = []
        self.support: list[dict[str, Any]] = []
        self.numbers: dict[int, str] = {}  # person_no → 個人番号


def _load(layout: Layout, fdef: FileDef, folder: Path, encoding: str, problems: list[Problem],
          required: bool = True) -> list[tuple[int, dict[str, Any]]]:
    path = folder / fdef.file
    if not path.exists():
        if required:
            problems.append(Problem(fdef.file, 0, "", "", f"{fdef.name}ファイル（{fdef.file}）がありません"))
        return []
    rows = list(read_file(layout, fdef, path, encoding, problems))
    seen: dict[tuple[Any, ...], int] = {}
    unique = []
    for line, row in rows:
        key = tuple(row[k] for k in fdef.key)
        if key in seen:
            problems.append(Problem(fdef.file, line, fdef.item(fdef.key[0]).name, str(key[0]),
                                    f"キーが{seen[key]}行目と重複しています"))
            continue
        seen[key] = line
        unique.append((line, row))
    return unique


def _person(fdef: FileDef, line: int, row: dict[str, Any], status: str, problems: list[Problem]) -> dict[str, Any] | None:
    bad = len(problems)
    if row["status"] != status:
        problems.append(Problem(fdef.file, line, "住民状態", str(row["status"]),
                                f"{fdef.name}ファイルの住民状態は「{'住民' if status == Status.RESIDENT else '除票'}」でなければなりません"))
    for date_item, precision_item in PERSON_DATE_PAIRS:
        value = row.get(date_item)
        precision = row.get(precision_item) or Precision.DAY
        if isinstance(value, tuple):
            if value == ("unknown", None):
                day, implied = None, Precision.UNKNOWN
            else:
                day, implied = value
            ok = implied == precision or (implied == Precision.YEAR and precision == Precision.APPROXIMATE)
            if not ok:
                problems.append(Problem(fdef.file, line, fdef.item(precision_item).name, str(precision),
                                        "日付の精度が日付の書き方（不明な部分の 00）と一致しません"))
            row[date_item] = day
        elif value is None and precision not in (Precision.DAY, Precision.UNKNOWN):
            problems.append(Problem(fdef.file, line, fdef.item(date_item).name, "", "精度に合う日付がありません"))
        row.setdefault(precision_item, precision)
    for kana in ("family_name_kana", "given_name_kana", "former_family_name_kana", "alias_kana"):
        text = row.get(kana) or ""
        if any(not ("ァ" <= c <= "ヶ" or c in "ー　・ ") for c in text):
            problems.append(Problem(fdef.file, line, fdef.item(kana).name, text, "フリガナは全角カタカナで入力してください"))
    if row.get("individual_number"):
        try:
            crypto.validate_individual_number(str(row["individual_number"]).zfill(12))
        except LgcloudError as e:
            problems.append(Problem(fdef.file, line, "個人番号", str(row["individual_number"]), e.message))
    if row.get("resident_code") is not None:
        row["resident_code"] = str(row["resident_code"]).zfill(11)
    birth, death, removed = row.get("birth_date"), row.get("death_date"), row.get("removed_on")
    today = timezone.localdate()
    if birth and birth > today:
        problems.append(Problem(fdef.file, line, "生年月日", str(birth), "生年月日が未来の日付です"))
    if birth and death and death < birth:
        problems.append(Problem(fdef.file, line, "死亡日", str(death), "死亡日が生年月日より前です"))
    if birth and removed and removed < birth:
        problems.append(Problem(fdef.file, line, "消除日", str(removed), "消除日が生年月日より前です"))
    if row["resident_type"] == "foreign" and not row.get("alphabet_name"):
        problems.append(Problem(fdef.file, line, "氏名（アルファベット）", "", "外国人住民は氏名（アルファベット）が必須です"))
    if row["resident_type"] == "japanese" and not row.get("family_name"):
        problems.append(Problem(fdef.file, line, "氏", "", "日本人住民は氏が必須です"))
    return row if len(problems) == bad else None


def read_batch(folder: Path, encoding: str, include_support: bool, problems: list[Problem],
               progress: Progress | None = None) -> _Batch:
    layout = registry_layout()
    b = _Batch()
    steps = len(layout.files)
    for n, fdef in enumerate(layout.files, start=1):
        if progress:
            progress(fdef.name, n, steps)
        if fdef.code == "support_measures":
            present = (folder / fdef.file).exists()
            if present and not include_support:
                problems.append(Problem(fdef.file, 0, "", "", "支援措置ファイルを取り込むには、団体管理者が明示して指定し利用目的を入力する必要があります"))
                continue
            if not include_support:
                continue
        required = fdef.code not in ("events", "restrictions", "support_measures")
        rows = _load(layout, fdef, folder, encoding, problems, required)
        if fdef.code in ("persons", "removed"):
            status = Status.RESIDENT if fdef.code == "persons" else Status.REMOVED
            for line, row in rows:
                if row["person_no"] in b.persons:
                    problems.append(Problem(fdef.file, line, "宛名番号", str(row["person_no"]),
                                            "住民ファイルと除票ファイルの両方にあります"))
                    continue
                person = _person(fdef, line, row, status, problems)
                if person is not None:
                    person["_line"] = (fdef.file, line)
                    b.persons[row["person_no"]] = person
        elif fdef.code == "households":
            b.households = {row["household_no"]: {**row, "_line": (fdef.file, line)} for line, row in rows}
        elif fdef.code == "memberships":
            for line, row in rows:
                try:
                    row["relationship"] = validate_relationship(row["relationship"])
                except LgcloudError as e:
                    problems.append(Problem(fdef.file, line, "続柄", row["relationship"], e.message))
                    continue
                b.memberships[row["person_no"]] = {**row, "_line": (fdef.file, line)}
        elif fdef.code == "events":
            b.events = [{**row, "_line": line} for line, row in rows]
        elif fdef.code == "restrictions":
            b.restrictions = [{**row, "_line": line} for line, row in rows]
        elif fdef.code == "support_measures":
            b.support = [{**row, "_line": line} for line, row in rows]
        if len(problems) > ERROR_LIMIT:
            break
    return b


def check_references(b: _Batch, problems: list[Problem]) -> None:
    for no, m in b.memberships.items():
        f, line = m["_line"]
        if no not in b.persons:
            problems.append(Problem(f, line, "宛名番号", str(no), "住民・除票ファイルにない宛名番号です"))
        if m["household_no"] not in b.households:
            problems.append(Problem(f, line, "世帯番号", str(m["household_no"]), "世帯ファイルにない世帯番号です"))
    for no, p in b.persons.items():
        if p["status"] == Status.RESIDENT and no not in b.memberships:
            f, line = p["_line"]
            problems.append(Problem(f, line, "宛名番号", str(no), "世帯構成員ファイルに世帯がありません"))
    residents_by_household: dict[int, list[int]] = defaultdict(list)
    for no, m in b.memberships.items():
        if b.persons.get(no, {}).get("status") == Status.RESIDENT:
            residents_by_household[m["household_no"]].append(no)
    for hno, h in b.households.items():
        f, line = h["_line"]
        members = residents_by_household.get(hno, [])
        heads = [n for n in members if b.memberships[n]["relationship"] == HEAD]
        if h["status"] == "active":
            if len(heads) != 1:
                problems.append(Problem(f, line, "世帯番号", str(hno),
                                        f"現存する世帯の世帯主（続柄「世帯主」の住民）は1人でなければなりません（{len(heads)}人）"))
            elif h.get("head_person_no") != heads[0]:
                problems.append(Problem(f, line, "世帯主宛名番号", str(h.get("head_person_no")),
                                        f"世帯構成員ファイルの世帯主（宛名番号 {heads[0]}）と一致しません"))
        elif members:
            problems.append(Problem(f, line, "世帯状態", "消除", "消除された世帯に住民がいます"))
    numbers: dict[str, int] = {}
    for no, p in b.persons.items():
        if p.get("individual_number") and p["status"] == Status.RESIDENT:
            number = str(p["individual_number"]).zfill(12)
            if number in numbers:
                f, line = p["_line"]
                problems.append(Problem(f, line, "個人番号", number[-4:].rjust(12, "*"),
                                        f"宛名番号 {numbers[number]} と同じ個人番号です"))
            numbers[number] = no
    for r in b.restrictions:
        if r.get("person_no") and r["person_no"] not in b.persons:
            problems.append(Problem("06_restrictions.csv", r["_line"], "宛名番号", str(r["person_no"]), "宛名番号がありません"))
        if r.get("household_no") and r["household_no"] not in b.households:
            problems.append(Problem("06_restrictions.csv", r["_line"], "世帯番号", str(r["household_no"]), "世帯番号がありません"))
        if bool(r.get("person_no")) == bool(r.get("household_no")):
            problems.append(Problem("06_restrictions.csv", r["_line"], "宛名番号", "", "宛名番号か世帯番号のどちらか一方を指定してください"))
    for s in b.support:
        refs = [s["applicant_person_no"], s.get("offender_person_no")]
        refs += [int(x) for x in (s.get("accompanying") or "").split(";") if x.strip().isdigit()]
        for ref in refs:
            if ref and ref not in b.persons:
                problems.append(Problem("07_support_measures.csv", s["_line"], "宛名番号", str(ref), "宛名番号がありません"))


# --- the event history ------------------------------------------------------------------------

_PERSON_KEYS = set(engine.PERSON_ITEMS) - {"household_id", "individual_number_enc", "individual_number_hash",
                                          "individual_number_last4"} | {"household_no", "individual_number"}
_HOUSEHOLD_KEYS = set(engine.HOUSEHOLD_ITEMS) - {"head_id"} | {"head_person_no"}


def _file_state(b: _Batch, target: str, no: int) -> dict[str, Any]:
    """The final state the files give for a person or household, in the history's terms."""
    if target == "person":
        p = b.persons[no]
        m = b.memberships.get(no, {})
        state = {k: p.get(k) for k in _PERSON_KEYS if k in p}
        state.update({"household_no": m.get("household_no"), "relationship": m.get("relationship", ""),
                      "household_order": m.get("household_order", 1)})
        state["individual_number"] = str(p["individual_number"]).zfill(12) if p.get("individual_number") else None
        return state
    h = b.households[no]
    return {k: h.get(k) for k in _HOUSEHOLD_KEYS if k in h}


def _normal(key: str, value: Any) -> Any:
    if value in ("", None) or value == {} or value == []:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if key in ("electoral_registered", "kana_certified"):
        return bool(value)
    if key == "individual_number":
        return str(value).zfill(12)
    return value


def _history_values(target: str, state: dict[str, Any]) -> dict[str, Any]:
    """Values as the register's own events hold them: ISO dates, and the model's empty value for a blank."""
    defaults = engine.defaults(engine.PERSON_ITEMS if target == "person" else engine.HOUSEHOLD_ITEMS)
    out = {}
    for k, v in state.items():
        if v is None or v == "":
            v = defaults.get(k)
        out[k] = engine.to_json(v)
    return out


def synthesize_history(b: _Batch) -> None:
    """Files without a history (another system's): one 「データ移行による記載」 event per household."""
    now = timezone.now().replace(microsecond=0)
    by_household: dict[int, list[int]] = defaultdict(list)
    for no, m in sorted(b.memberships.items()):
        by_household[m["household_no"]].append(no)
    n = 0
    for hno in sorted(b.households):
        changes = [{"target": "household", "no": hno, "set": _history_values("household", _file_state(b, "household", hno))}]
        for no in by_household.get(hno, []):
            changes.append({"target": "person", "no": no,
                            "set": _history_values("person", _file_state(b, "person", no))})
        n += 1
        b.events.append({"event_no": n, "kind": EventKind.MIGRATION, "effective_on": timezone.localdate(),
                         "notified_on": None, "processed_at": now, "clerk": current_actor().username,
                         "role": current_actor().role, "channel": "import", "reason": "データ移行", "corrects": None,
                         "cancels": None, "changes": changes, "_line": 0})


def check_history(b: _Batch, problems: list[Problem]) -> None:
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
            if known is None or not isinstance(values, dict) or no not in known:
                problems.append(Problem("05_events.csv", line, "変更内容", str(no), "変更内容の対象（宛名番号・世帯番号）がありません"))
                continue
            unknown = set(values) - keys
            if unknown:
                problems.append(Problem("05_events.csv", line, "変更内容", "、".join(sorted(unknown)), "変更内容に定義にない項目があります"))
    if problems:
        return
    # Fold in (異動日, 異動番号) order without cancelled events, like the register does.
    state: dict[tuple[str, int], dict[str, Any]] = defaultdict(dict)
    for e in sorted(b.events, key=lambda e: (e["effective_on"], e["event_no"])):
        if e["event_no"] in cancelled:
            continue
        for ch in e["changes"]:
            state[(ch["target"], ch["no"])].update(ch["set"])
    defaults = {
        "person": {**engine.defaults(engine.PERSON_ITEMS), "household_no": None, "individual_number": None},
        "household": {**engine.defaults(engine.HOUSEHOLD_ITEMS), "head_person_no": None},
    }
    for target, known in (("person", b.persons), ("household", b.households)):
        for no in known:
            folded = state.get((target, no))
            expected = _file_state(b, target, no)
            label = "宛名番号" if target == "person" else "世帯番号"
            if folded is None:
                problems.append(Problem("05_events.csv", 0, label, str(no), "異動履歴にこの記録を作る異動がありません"))
                continue
            folded = {**defaults[target], **folded}
            for k, v in expected.items():
                if _normal(k, folded.get(k)) != _normal(k, v):
                    problems.append(Problem("05_events.csv", 0, label, str(no),
                                            f"異動履歴から再構成した「{k}」（{folded.get(k)!r}）がファイルの値（{v!r}）と一致しません"))
                    break


# --- writing ----------------------------------------------------------------------------------


def _clear_register() -> None:
    from lgcloud.areas.registry.models import Certificate, PreparedRequest, SearchHistory

    SearchKey.objects.all().delete()
    PersonSnapshot.objects.all().delete()
    EventSubject.objects.all().delete()
    Restriction.objects.all().delete()
    SupportMeasure.objects.all().delete()
    Certificate.objects.all().delete()
    PreparedRequest.objects.all().delete()
    SearchHistory.objects.all().delete()
    RegistryEvent.objects.update(corrects=None, cancels=None)
    RegistryEvent.objects.all().delete()
    Household.objects.update(head=None)
    Person.objects.update(household=None)
    Person.objects.all().delete()
    Household.objects.all().delete()
    Counter.objects.all().delete()


# One ciphertext per 個人番号 within one import (so the row and its history agree), keyed by the keyed hash —
# never by the number itself — and private to the import that runs (a context variable, not a shared dict).
_CIPHERS: ContextVar[dict[str, str] | None] = ContextVar("lgcloud_import_ciphers", default=None)


_PERSON_DEFAULTS = engine.defaults(engine.PERSON_ITEMS)
_HOUSEHOLD_DEFAULTS = engine.defaults(engine.HOUSEHOLD_ITEMS)


def _stored(target: str, values: dict[str, Any]) -> dict[str, Any]:
    """A change as the register stores it: a blank becomes the item's empty value, dates ISO."""
    defaults = _PERSON_DEFAULTS if target == "person" else _HOUSEHOLD_DEFAULTS
    return {k: engine.to_json(defaults.get(k) if v is None or v == "" else v) for k, v in values.items()}


def _blank(f: Any) -> Any:
    return f.get_default() if f.has_default() else ""


def _internal(values: dict[str, Any], person_pk: dict[int, int], household_pk: dict[int, int], code: str,
              target: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if k == "household_no":
            out["household_id"] = household_pk[v] if v else None
        elif k == "head_person_no":
            out["head_id"] = person_pk[v] if v else None
        elif k == "individual_number":
            if v:
                number = str(v).zfill(12)
                digest = crypto.search_hash(code, number)
                ciphers = _CIPHERS.get()
                if ciphers is None:
                    enc = crypto.encrypt(code, number)
                else:
                    if digest not in ciphers:
                        ciphers[digest] = crypto.encrypt(code, number)
                    enc = ciphers[digest]
                out.update(individual_number_enc=enc,
                           individual_number_hash=digest,
                           individual_number_last4=number[-4:])
            else:
                out.update(individual_number_enc="", individual_number_hash="", individual_number_last4="")
        else:
            out[k] = v
    return out


def _rows(model: type[Any], dicts: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    columns = list(dicts[0]) if dicts else []
    return columns, [tuple(d[c] for c in columns) for d in dicts]


def _bulk(model: type[Any], dicts: list[dict[str, Any]]) -> None:
    if dicts:
        columns, rows = _rows(model, dicts)
        bulk.insert(model, columns, rows)


def write_batch(b: _Batch, progress: Progress | None = None) -> dict[str, int]:
    token = _CIPHERS.set({})
    try:
        return _write_batch(b, progress)
    finally:
        _CIPHERS.reset(token)


def _write_batch(b: _Batch, progress: Progress | None = None) -> dict[str, int]:
    municipality = require_municipality()
    code = municipality.code
    mid = municipality.pk
    hfields = {f.attname: f for f in Household._meta.concrete_fields}
    pfields = {f.attname: f for f in Person._meta.concrete_fields}
    # Ids first, so households can name their head before the persons are written (the foreign keys are
    # checked at commit).
    first = bulk.allocate_ids(Household, len(b.households))
    household_pk = {hno: first + i for i, hno in enumerate(sorted(b.households))}
    first = bulk.allocate_ids(Person, len(b.persons))
    person_pk = {no: first + i for i, no in enumerate(sorted(b.persons))}
    hrows = []
    for hno in sorted(b.households):
        h = b.households[hno]
        row = {f: _blank(hfields[f]) for f in hfields if f not in ("id", "municipality_id", "head_id")}
        row.update({k: v for k, v in h.items() if k in hfields and v is not None})
        head = h.get("head_person_no") if h.get("status") == "active" else None
        row.update(id=household_pk[hno], municipality_id=mid, household_no=hno,
                   head_id=person_pk[head] if head else None, version=0)
        hrows.append(row)
    _bulk(Household, hrows)
    if progress:
        progress("世帯の登録", 1, 5)
    history = _history_counts(b.events)
    prows = []
    keys = []
    empty = {f: (None if pfields[f].null else _blank(pfields[f])) for f in pfields if f != "municipality_id"}
    for no in sorted(b.persons):
        p = b.persons[no]
        m = b.memberships.get(no, {})
        row = dict(empty)
        row.update({k: v for k, v in p.items() if k in pfields and k not in ("id", "municipality_id") and v is not None})
        row.update(_internal({"individual_number": p.get("individual_number")}, {}, {}, code, "person"))
        row.update(id=person_pk[no], municipality_id=mid,
                   household_id=household_pk[m["household_no"]] if m else None,
                   relationship=m.get("relationship", ""), household_order=m.get("household_order", 1),
                   history_no=history.get(no, 0), version=history.get(no, 0))
        person = Person(**row)
        row["search_name"] = engine.normalize(person.family_name + person.given_name) or engine.normalize(
            person.alphabet_name)
        row["search_kana"] = engine.normalize(person.family_name_kana + person.given_name_kana)
        own = {(k, v[:400]) for k, vs in engine._search_values(person).items() for v in vs}
        row.update(engine.search_columns(own))
        prows.append(row)
        keys += [{"municipality_id": mid, "person_id": row["id"], "kind": k, "value": v} for k, v in sorted(own)]
    _bulk(Person, prows)
    _bulk(SearchKey, keys)
    if progress:
        progress("住民の登録", 2, 5)
    ordered = sorted(b.events, key=lambda e: e["event_no"])
    first = bulk.allocate_ids(RegistryEvent, len(ordered))
    event_pk = {e["event_no"]: first + i for i, e in enumerate(ordered)}
    erows = []
    for e in ordered:
        erows.append({
            "id": event_pk[e["event_no"]], "municipality_id": mid, "kind": e["kind"],
            "effective_on": e["effective_on"], "notified_on": e.get("notified_on"), "processed_at": e["processed_at"],
            "clerk": e["clerk"], "role": e.get("role") or "", "channel": e.get("channel") or "",
            "reason": e.get("reason") or "",
            "changes": [{"target": ch["target"], "id": (person_pk if ch["target"] == "person" else household_pk)[ch["no"]],
                         "set": _stored(ch["target"], _internal(ch["set"], person_pk, household_pk, code, ch["target"]))}
                        for ch in e["changes"]],
            "corrects_id": event_pk[e["corrects"]] if e.get("corrects") else None,
            "cancels_id": event_pk[e["cancels"]] if e.get("cancels") else None,
            "approved_request_id": None,
        })
    _bulk(RegistryEvent, erows)
    if progress:
        progress("異動履歴の登録", 3, 5)
    _write_history(b, ordered, event_pk, person_pk, household_pk)
    if progress:
        progress("履歴と検索キーの作成", 4, 5)
    for r in b.restrictions:
        Restriction.objects.create(
            person_id=person_pk.get(r["person_no"]) if r.get("person_no") else None,
            household_id=household_pk.get(r["household_no"]) if r.get("household_no") else None,
            action=r["action"], mode=r["mode"], starts_on=r["starts_on"], ends_on=r.get("ends_on"),
            reason=r["reason"], set_by=r["set_by"], removed=bool(r["removed"]), removed_by=r.get("removed_by") or "")
    for s in b.support:
        SupportMeasure.objects.create(
            applicant_id=person_pk[s["applicant_person_no"]],
            accompanying=[int(x) for x in (s.get("accompanying") or "").split(";") if x.strip()],
            status=s["status"], starts_on=s["starts_on"], ends_on=s["ends_on"], extensions=s["extensions"],
            offender_person_id=person_pk.get(s["offender_person_no"]) if s.get("offender_person_no") else None,
            offender_name=s.get("offender_name") or "", offender_kana=s.get("offender_kana") or "",
            offender_birth_date=s.get("offender_birth_date"), offender_address=s.get("offender_address") or "",
            addresses=s.get("addresses") or "", note=s.get("note") or "", set_by=s["set_by"])
    Counter.objects.create(municipality=municipality, name="person", value=max(b.persons, default=0))
    Counter.objects.create(municipality=municipality, name="household", value=max(b.households, default=0))
    if progress:
        progress("完了", 5, 5)
    return {"persons": sum(1 for p in b.persons.values() if p["status"] == Status.RESIDENT),
            "removed": sum(1 for p in b.persons.values() if p["status"] == Status.REMOVED),
            "households": len(b.households), "events": len(b.events), "restrictions": len(b.restrictions),
            "support_measures": len(b.support)}


def _write_history(b: _Batch, ordered: list[dict[str, Any]], event_pk: dict[int, int], person_pk: dict[int, int],
                   household_pk: dict[int, int]) -> None:
    """Subjects and 履歴 snapshots as the register would have written them, event by event."""
    municipality = require_municipality()
    mid = municipality.pk
    by_no = {e["event_no"]: e for e in ordered}
    cancelled: set[int] = set()
    person_events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    history_no: dict[int, int] = defaultdict(int)
    subjects: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    base = {k: engine.to_json(v) for k, v in engine.defaults(engine.PERSON_ITEMS).items()}
    now = timezone.now()
    for e in ordered:
        touched_persons = {ch["no"] for ch in e["changes"] if ch["target"] == "person"}
        touched_households = {ch["no"] for ch in e["changes"] if ch["target"] == "household"}
        if e.get("cancels"):
            cancelled.add(e["cancels"])
            target = by_no[e["cancels"]]
            touched_persons |= {ch["no"] for ch in target["changes"] if ch["target"] == "person"}
            touched_households |= {ch["no"] for ch in target["changes"] if ch["target"] == "household"}
        states = {}
        for no in touched_persons:
            person_events[no].append(e)
            state: dict[str, Any] = {}
            for ev in sorted(person_events[no], key=lambda x: (x["effective_on"], x["event_no"])):
                if ev["event_no"] in cancelled:
                    continue
                for ch in ev["changes"]:
                    if ch["target"] == "person" and ch["no"] == no:
                        state.update(ch["set"])
            states[no] = state
            if state.get("household_no"):
                touched_households.add(state["household_no"])
        pk = event_pk[e["event_no"]]
        for no in sorted(touched_persons):
            subjects.append({"municipality_id": mid, "event_id": pk, "person_id": person_pk[no], "household_id": None})
        for hno in sorted(touched_households):
            subjects.append({"municipality_id": mid, "event_id": pk, "person_id": None, "household_id": household_pk[hno]})
        for no in sorted(touched_persons):
            history_no[no] += 1
            data = dict(base)
            data.update(_stored("person", _internal(states[no], person_pk, household_pk, municipality.code, "person")))
            data["person_no"] = no
            snapshots.append({"municipality_id": mid, "person_id": person_pk[no], "history_no": history_no[no],
                              "event_id": pk, "effective_on": e["effective_on"],
                              "household_id_at": household_pk.get(states[no].get("household_no") or 0),
                              "data": data, "recorded_at": now})
        if len(snapshots) >= BATCH * 4:
            _bulk(EventSubject, subjects)
            _bulk(PersonSnapshot, snapshots)
            subjects, snapshots = [], []
    _bulk(EventSubject, subjects)
    _bulk(PersonSnapshot, snapshots)


def _history_counts(events: list[dict[str, Any]]) -> dict[int, int]:
    """How many 履歴 each person will have: one per event that touches them (a cancellation touches the
    persons of the event it cancels)."""
    by_no = {e["event_no"]: e for e in events}
    counts: dict[int, int] = defaultdict(int)
    for e in events:
        touched = {ch["no"] for ch in e["changes"] if ch["target"] == "person"}
        if e.get("cancels"):
            touched |= {ch["no"] for ch in by_no[e["cancels"]]["changes"] if ch["target"] == "person"}
        for no in touched:
            counts[no] += 1
    return counts


def import_municipality(folder: Path, *, encoding: str = "utf-8", dry_run: bool = False, replace: bool = False,
                        include_support: bool = False, purpose: str = "", progress: Progress | None = None,
                        batch: _Batch | None = None, prior_problems: list[Problem] | None = None) -> ImportResult:
    """Validate all files; unless dry_run, write everything in one transaction, or nothing.
    `prior_problems` are those found while reading another system's files into `batch`."""
    municipality = require_municipality()
    result = ImportResult(problems=list(prior_problems or []))
    if include_support:
        from lgcloud.areas.registry.restrictions import require
        from lgcloud.platform.accounts.roles import Cap

        require(Cap.MUNICIPALITY_ADMIN)
        if not purpose.strip():
            raise ValidationFailed("支援措置を取り込むには利用目的を入力してください。", field="purpose")
    if batch is None:
        if not folder.is_dir():
            raise ValidationFailed(f"フォルダ {folder} がありません。", field="dir")
        batch = read_batch(folder, encoding, include_support, result.problems, progress)
    if not result.problems:
        check_references(batch, result.problems)
    if not result.problems:
        if not batch.events:
            synthesize_history(batch)
        check_history(batch, result.problems)
    if result.problems or dry_run:
        result.counts = {"persons": len(batch.persons), "households": len(batch.households), "events": len(batch.events)}
        return result
    with transaction.atomic():
        if Person.objects.exists():
            if not replace:
                raise ValidationFailed(f"{municipality}には既に住民が登録されています。置き換える場合は --replace を指定してください。",
                                       field="replace")
            _clear_register()
        result.counts = write_batch(batch, progress)
        audit.record("interchange.import", object_type="Municipality", object_id=municipality.pk,
                     purpose=purpose or "中間標準レイアウトからの取込み", individual_number_shown=False,
                     detail={**result.counts, "replace": replace, "support_measures": include_support})
        result.written = True
    return result
