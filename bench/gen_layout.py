"""Synthetic registers in the standard layout, for the benchmarks: households with history, names drawn
by frequency from a few thousand 氏 and 名 (bench/names.py), and `member_sizes` spreading a total over the
18 demo members by their real populations."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import random
import tempfile
from pathlib import Path

from names import NameMaker

from lgcloud.areas.registry.demo_names import GUN
from lgcloud.platform.demo.loader import demo_group_row, demo_populations
from lgcloud.platform.interchange.adapters import layout as standard_layout
from lgcloud.platform.interchange.codec import encode
from lgcloud.platform.tenancy.codes import lookup

PERSON_DEFAULTS = {i.code: None for i in standard_layout("registry").file("persons").items}
SEX_OF = {"世帯主": None, "妻": "female", "子": None, "父": "male"}


def place_of(code: str) -> str:
    """The member's address prefix: 埼玉県 + 郡 + 町村."""
    entry = lookup(code)
    return f"{entry.prefecture}{GUN.get(code, '')}{entry.city}"


def member_sizes(total: int) -> list[tuple[str, str, int]]:
    """(code, name, residents) of the 18 demo members, `total` split by their real populations
    (largest remainders, so the sizes add up to `total`)."""
    populations = demo_populations()
    members = []
    for code in demo_group_row()["member_codes"].split(";"):
        entry = lookup(code)
        members.append((code, entry.city, populations[entry.city]))
    whole = sum(p for _c, _n, p in members)
    exact = [total * p / whole for _c, _n, p in members]
    sizes = [int(x) for x in exact]
    for i in sorted(range(len(members)), key=lambda i: exact[i] - sizes[i], reverse=True)[: total - sum(sizes)]:
        sizes[i] += 1
    return [(c, n, s) for (c, n, _p), s in zip(members, sizes, strict=True)]


def _person(no: int, hno: int, rel: str, order: int, rng: random.Random, address: str, removed: bool,
            names: NameMaker, family: tuple[str, str]) -> dict:
    sex = SEX_OF[rel] or rng.choice(("male", "female"))
    if rel == "世帯主" and sex == "female":
        sex = "male" if rng.random() < 0.8 else "female"
    given = names.given_name(sex)
    birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(90 * 365))
    p = {**PERSON_DEFAULTS, "person_no": no, "resident_type": "japanese", "status": "removed" if removed else "resident",
         "family_name": family[0], "given_name": given[0], "family_name_kana": family[1], "given_name_kana": given[1],
         "kana_certified": False, "birth_date": birth, "birth_date_precision": "day", "sex": sex,
         "became_resident_on": dt.date(2020, 4, 1), "became_resident_precision": "day", "address": address,
         "address_extra": "", "address_set_on": dt.date(2020, 4, 1), "address_set_precision": "day",
         "notified_on": dt.date(2020, 4, 1), "previous_address": "東京都", "electoral_registered": birth.year < 2006,
         "death_date_precision": "day", "registered_domicile": "埼玉県", "domicile_head": family[0]}
    if removed:
        p.update(removal_reason="転出", removed_on=dt.date(2024, 4, 1), moved_to="東京都", move_out_state="planned")
    return p


def _history(state: dict, target: str) -> dict:
    out = {}
    for k, v in state.items():
        if k in ("person_no", "household_no", "status_code"):
            continue
        if isinstance(v, dt.date):
            v = v.isoformat()
        if v in (None, "", False, {}) or (k.endswith("_precision") and v == "day"):
            continue  # the fold starts from the empty values: the register's own events leave them out too
        out[k] = v if v is not None else ("" if k not in ("birth_date", "removed_on", "death_date", "stay_expires_on",
                                                             "became_foreign_resident_on", "became_resident_on",
                                                             "address_set_on", "notified_on", "individual_number",
                                                             "head_person_no", "household_no") else None)
    return out


def generated(residents: int, seed: int = 7, place: str = "埼玉県北足立郡伊奈町") -> Path:
    """The files of `generate`, written once into /tmp/lgcloud-bench-data and reused by later runs
    (generating 1,000,000 residents takes minutes)."""
    digest = hashlib.sha256(f"{residents}|{seed}|{place}|{Path(__file__).read_bytes()!r}".encode()).hexdigest()[:16]
    folder = Path(os.environ.get("LGCLOUD_BENCH_DATA") or Path(tempfile.gettempdir()) / "lgcloud-bench-data") / f"{residents}-{digest}"
    if not (folder / ".done").exists():
        generate(folder, residents, seed, place)
        (folder / ".done").write_text("ok")
    return folder


def generate(folder: Path, residents: int, seed: int = 7, place: str = "埼玉県北足立郡伊奈町",
             district: str = "小室") -> dict[str, int]:
    """Write the layout files for `residents` persons living in `place`; returns row counts."""
    layout = standard_layout("registry")
    rng = random.Random(seed)
    names = NameMaker(rng)
    folder.mkdir(parents=True, exist_ok=True)
    writers = {}
    handles = []
    for fdef in layout.files:
        if fdef.code == "support_measures":
            continue
        h = (folder / fdef.file).open("w", encoding="utf-8", newline="")
        handles.append(h)
        w = csv.writer(h, lineterminator="\r\n")
        w.writerow(fdef.header)
        writers[fdef.code] = (fdef, w)
    counts = dict.fromkeys(writers, 0)
    processed = dt.datetime(2020, 4, 1, 9, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))

    def write(code: str, row: dict) -> None:
        fdef, w = writers[code]
        w.writerow([encode(layout, i, row.get(i.code), row) for i in fdef.items])
        counts[code] += 1

    no = hno = eno = 0
    while no < residents:
        hno += 1
        size = min(rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5]), residents - no)
        address = f"{place}{district}{hno}"
        rels = ["世帯主", "妻", "子", "子", "父"][:size]
        members = []
        family = names.surname()
        for order, rel in enumerate(rels, 1):
            no += 1
            removed = rel == "子" and rng.random() < 0.05
            members.append((_person(no, hno, rel, order, rng, address, removed, names, family), rel, order))
        household = {"household_no": hno, "status": "active", "address": address, "address_extra": "",
                     "address_code": "", "district": district, "postal_code": "", "head_person_no": members[0][0]["person_no"]}
        # 転入 of the whole household, then (for some) a 転出 of a child.
        eno += 1
        changes = [{"target": "household", "no": hno, "set": _history({k: v for k, v in household.items() if k != "household_no"}, "household")}]
        for p, rel, order in members:
            first = {**p, "status": "resident", "removal_reason": "", "removed_on": None, "moved_to": "", "move_out_state": None}
            changes.append({"target": "person", "no": p["person_no"],
                            "set": {**_history(first, "person"), "household_no": hno, "relationship": rel,
                                    "household_order": order, "move_out_state": ""}})
        write("events", {"event_no": eno, "kind": "move_in", "effective_on": dt.date(2020, 4, 1),
                         "notified_on": dt.date(2020, 4, 1), "processed_at": processed, "clerk": "bench",
                         "role": "counter_clerk", "channel": "web", "reason": "", "changes": changes})
        for p, _rel, _order in members:
            if p["status"] == "removed":
                eno += 1
                write("events", {"event_no": eno, "kind": "move_out", "effective_on": p["removed_on"],
                                 "notified_on": p["removed_on"], "processed_at": processed, "clerk": "bench",
                                 "role": "counter_clerk", "channel": "web", "reason": "",
                                 "changes": [{"target": "person", "no": p["person_no"],
                                              "set": {"status": "removed", "removal_reason": "転出",
                                                      "removed_on": p["removed_on"].isoformat(), "moved_to": "東京都",
                                                      "move_out_state": "planned"}}]})
        write("households", household)
        for p, rel, order in members:
            write("persons" if p["status"] == "resident" else "removed", p)
            write("memberships", {"person_no": p["person_no"], "household_no": hno, "relationship": rel,
                                  "household_order": order})
    for h in handles:
        h.close()
    return counts
