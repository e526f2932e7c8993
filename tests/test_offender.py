"""The offender suite (issue 15, item 4): every route asks for the persons a 支援措置 protects, and none tells
where they live.

Routes come from the URL resolver and the OpenAPI document (as in test_isolation), so a new page or API route is
asked without editing this file. Every route is asked with every method, by every role of both members (and the
secretariat, the operator, anonymously): for the protected persons by 宛名番号, 世帯番号 and certificate
numbers; with the offender as the requester in every normalisation of the name (and by their own 宛名番号),
acknowledging every alert; by address (full-width, 方書, 住所コード, 世帯番号), as of past dates, in the export
without the purpose for the 支援措置 file; and across members: a person moved 113018 → 113271 with the
支援措置 set before the move, another with it set after, and the routes of both members asked.

A disclosure is a response carrying a protected address (current, the 転出先 of the old member's 除票, or the
address of a pending prepared 異動), or a PDF/ZIP of a protected person. The count is printed (`-s`) and must
be 0. Routes that end or lift a protection are a clerk's decision, not an offender's request: they are not
posted to (they would end the protection the suite tests).
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from lgcloud.areas.registry import approvals, certificates, restrictions, transfer
from lgcloud.areas.registry.actions.move_in import move_in
from lgcloud.areas.registry.actions.removal import move_out
from lgcloud.areas.registry.models import Certificate, TransferKind
from lgcloud.platform.accounts.roles import MUNICIPAL_ROLES, Role
from tests.conftest import api_client, logged_in
from tests.test_isolation import OPENAPI_PARAM, PARAM, web_routes

# What must never come out: where the protected persons live (or are about to).
MARKERS = ("羽貫200", "ハイツ秘匿", "黒山5555", "上野7777", "大針4444")
OFFENDER_BIRTH = "1975-05-05"
# The offender as they might present themselves.
OFFENDER_FORMS = [
    {"name": "鈴木　一郎", "birth_date": OFFENDER_BIRTH},
    {"name": "すずき いちろう", "birth_date": "昭和50年5月5日"},
    {"name": "ｽｽﾞｷ ｲﾁﾛｳ", "birth_date": "S50.5.5"},
    {"name": "スズキイチロウ", "kana": "すずき いちろう", "birth_date": OFFENDER_BIRTH},
    {"name": "田中 一郎", "birth_date": OFFENDER_BIRTH},  # a former name
    {"name": "鈴木 一郎"},  # no birth date: a partial match, refused until a second clerk decides
]
SEARCHES = [{"address": "羽貫２００"}, {"address": "はぬき"}, {"address_extra": "ハイツ"}, {"address_code": "0042"},
            {"address": "黒山５５５５"}, {"address": "上野７７７７"}, {"name": "すずき はなこ"}, {"kana": "ｽｽﾞｷ"},
            {"name": "鈴木", "address": "伊奈町"}, {"birth_date": "1980-02-02"}]
PAST = ["2024-06-01", "令和7年1月1日", ""]
NOT_POSTED = re.compile(r"/(end|extend|remove|lift|confirm)/?$|/support-measures/\{measure_id\}/\{action\}")


@dataclass
class World:
    person_nos: dict[str, list[int]] = field(default_factory=lambda: {"a": [], "b": []})
    household_nos: dict[str, list[int]] = field(default_factory=lambda: {"a": [], "b": []})
    pks: dict[str, list[int]] = field(default_factory=lambda: {"a": [], "b": []})
    issue_nos: dict[str, list[int]] = field(default_factory=lambda: {"a": [], "b": []})
    codes: dict[str, list[str]] = field(default_factory=lambda: {"a": [], "b": []})
    offender_no: int = 0


def _resident(family: str, given: str, kana: tuple[str, str], birth: str, address: dict[str, str], number: str = "",
              **extra: Any) -> Any:
    person = {"family_name": family, "given_name": given, "family_name_kana": kana[0], "given_name_kana": kana[1],
              "birth_date": birth, "sex": "female", "relationship": "世帯主", **extra}
    if number:
        person["individual_number"] = number
    return move_in(persons=[person], address=address, effective_on="2020-04-01", notified_on="2020-04-01",
                   previous_address="東京都")


def _measure(person_no: int, **offender: Any) -> Any:
    return restrictions.register_support_measure(applicant_person_no=person_no, starts_on=dt.date(2026, 1, 1),
                                                 **offender)


def build_world(muni_a: Any, muni_b: Any, as_municipality: Any) -> World:
    w = World()
    named = {"offender_name": "鈴木 一郎", "offender_kana": "スズキ イチロウ",
             "offender_birth_date": dt.date(1975, 5, 5), "offender_other_names": "田中 一郎"}
    with as_municipality(muni_a):
        offender = _resident("鈴木", "一郎", ("スズキ", "イチロウ"), OFFENDER_BIRTH, {"address": "伊奈町小室1"},
                             former_family_name="田中").persons[0]
        w.offender_no = offender.person_no
        r = move_in(persons=[
            {"family_name": "鈴木", "given_name": "花子", "family_name_kana": "スズキ", "given_name_kana": "ハナコ",
             "birth_date": "1980-02-02", "sex": "female", "relationship": "世帯主"},
            {"family_name": "鈴木", "given_name": "陽太", "family_name_kana": "スズキ", "given_name_kana": "ヨウタ",
             "birth_date": "2016-06-06", "sex": "male", "relationship": "子"}],
            address={"address": "埼玉県北足立郡伊奈町羽貫200", "address_extra": "ハイツ秘匿101", "address_code": "0042",
                     "district": "羽貫"}, effective_on="2024-04-01", notified_on="2024-04-01", previous_address="東京都")
        hanako, child = sorted(r.persons, key=lambda p: p.person_no)
        before, _pdf = certificates.issue_certificate(
            kind="residence_certificate", person_nos=[hanako.person_no], layout="single", purpose="確認",
            requester={"name": "鈴木 花子", "relationship": "self", "person_no": hanako.person_no})
        m = _measure(hanako.person_no, accompanying=[child.person_no], offender_person_no=offender.person_no)
        # moved with the 支援措置 set before the move, and moved before it was set (in the new member)
        first = _resident("佐藤", "由美", ("サトウ", "ユミ"), "1985-03-03", {"address": "伊奈町小室8888"},
                          "123456789018").persons[0]
        _measure(first.person_no, **named)
        second = _resident("高田", "恵", ("タカダ", "メグミ"), "1990-04-04", {"address": "伊奈町小室8889"}).persons[0]
        for p in (first, second):
            move_out(person_nos=[p.person_no], destination="埼玉県入間郡越生町", destination_code=muni_b.code,
                     effective_on="2025-04-10", notified_on="2025-04-01", acknowledge_alerts=True)
        w.person_nos["a"] += [hanako.person_no, child.person_no, first.person_no, second.person_no]
        w.household_nos["a"] += [h.household_no for h in r.households]
        w.issue_nos["a"].append(before.issue_no)
        w.codes["a"].append(before.verification_code)
        w.pks["a"] += [m.pk]
    with as_municipality(muni_b):
        new_homes = iter(["埼玉県入間郡越生町黒山5555", "埼玉県入間郡越生町上野7777"])
        for msg in transfer.pending(TransferKind.MOVE_OUT_CERTIFICATE):
            moved = transfer.move_in_from_certificate(message_id=msg.pk, address={"address": next(new_homes)},
                                                      effective_on="2025-04-12", notified_on="2025-04-15")
            w.person_nos["b"] += [p.person_no for p in moved.persons]
            w.household_nos["b"] += [h.household_no for h in moved.households]
        b_second = max(w.person_nos["b"])
        w.pks["b"].append(_measure(b_second, **named).pk)
    with as_municipality(muni_a):
        transfer.process_move_in_notices(acknowledge_alerts=True)
    # the counter contractor's entries waiting for a clerk: a move of the protected household, a certificate
    from lgcloud.platform.tenancy.context import Actor, municipality_scope

    with municipality_scope(muni_a, Actor("contractor", Role.COUNTER_CONTRACTOR, "web")):
        moving = approvals.prepare("move_within", {"household_no": w.household_nos["a"][0],
                                                   "address": {"address": "埼玉県北足立郡伊奈町大針4444"},
                                                   "effective_on": "2026-02-01", "notified_on": "2026-02-01"})
        asking = approvals.prepare("issue_certificate", {
            "kind": "residence_certificate", "person_nos": [w.person_nos["a"][0]], "layout": "single",
            "requester": {"name": "すずき いちろう", "birth_date": OFFENDER_BIRTH, "relationship": "third_party"},
            "purpose": "債権回収"})
        w.pks["a"] += [moving.pk, asking.pk]
    return w


# --- what each request carries --------------------------------------------------------------------------------


def _candidates(name: str, side: str, w: World) -> list[str]:
    if name in ("person_no",):
        return [str(n) for n in w.person_nos[side]]
    if name in ("household_no",):
        return [str(n) for n in w.household_nos[side]]
    if name in ("issue_no",):
        return [str(n) for n in w.issue_nos[side]] or ["1"]
    if name in ("code", "token"):
        return w.codes[side] or ["X"]
    if name == "table":
        return ["district_age", "age_sex"]
    if name == "username":
        return ["x"]
    return [str(n) for n in w.pks[side]] or ["1"]


def fill(route: str, side: str, w: World, pattern: re.Pattern[str]) -> list[str]:
    params = list(pattern.finditer(route))
    if not params:
        return ["/" + route]
    urls = []
    for combo in itertools.islice(itertools.product(*[_candidates(m.group("name"), side, w) for m in params]), 6):
        url = route
        for m, value in zip(params, combo, strict=True):
            url = url.replace(m.group(0), value, 1)
        urls.append("/" + url)
    return urls


def _requester(i: int, w: World) -> dict[str, Any]:
    if i % (len(OFFENDER_FORMS) + 1) == len(OFFENDER_FORMS):
        return {"name": "鈴木 一郎", "person_no": w.offender_no}
    return OFFENDER_FORMS[i % (len(OFFENDER_FORMS) + 1)]


def web_data(i: int, w: World, side: str) -> dict[str, Any]:
    who = _requester(i, w)
    search = SEARCHES[i % len(SEARCHES)]
    person = w.person_nos[side][i % len(w.person_nos[side])]
    return {**search, "requester_name": who["name"], "requester_kana": who.get("kana", ""),
            "requester_birth_date": who.get("birth_date", ""),
            "requester_person_no": str(who.get("person_no", "")), "requester_relationship": "third_party",
            "purpose": "住所の確認", "acknowledge_alerts": "1", "as_of": PAST[i % len(PAST)],
            "kind": "residence_certificate", "layout": "single", "members": [str(person)],
            "person_nos": [str(person)], "household_no": str(w.household_nos[side][0]), "action": "issue",
            "include_support": "on", "encoding": "utf-8", "search": "1"}


def api_body(i: int, w: World, side: str, path: str) -> dict[str, Any]:
    who = _requester(i, w)
    person = w.person_nos[side][i % len(w.person_nos[side])]
    if path.endswith("/search"):
        return {**SEARCHES[i % len(SEARCHES)], "limit": 200}
    return {"requester": {**who, "relationship": "third_party"}, "requester_name": who["name"],
            "requester_birth_date": who.get("birth_date", ""), "acknowledge_alerts": True, "purpose": "住所の確認",
            "kind": "residence_certificate", "person_nos": [person], "layout": "single",
            "household_no": w.household_nos[side][0], "members": [person], "as_of": PAST[i % len(PAST)]}


def api_query(i: int, w: World) -> dict[str, str]:
    who = _requester(i, w)
    return {"requester_name": who["name"], "requester_kana": who.get("kana", ""),
            "requester_birth_date": who.get("birth_date", ""), "requester_person_no": str(who.get("person_no", "")),
            "acknowledge_alerts": "true", "as_of": PAST[i % len(PAST)], "purpose": "住所の確認"}


# --- asking --------------------------------------------------------------------------------------------------


@dataclass
class Probe:
    who: str
    method: str
    url: str
    status: int
    disclosed: list[str]


def _text(response: Any) -> tuple[str, list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    found: list[str] = []
    if response.status_code == 200 and kind.startswith("application/pdf"):
        found.append("PDF")
    if kind.startswith("application/zip") and response.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            names = z.namelist()
            if any("support" in n for n in names):
                found.append("支援措置ファイル")
        return "", found
    text = content.decode("utf-8", errors="replace")
    if kind.startswith("application/json"):
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text, found


def ask(client: Client, who: str, method: str, url: str, **kwargs: Any) -> Probe:
    response = getattr(client, method.lower())(url, **kwargs)
    text, found = _text(response)
    return Probe(who, method, url, response.status_code, found + [m for m in MARKERS if m in text])


def clients(staff: dict[str, Any], api: bool) -> Iterator[tuple[str, Client]]:
    for who, s in staff.items():
        yield who, api_client(s) if api else logged_in(s)
    yield "anonymous", Client()


@pytest.fixture
def staff_both(staff_of, make_staff, muni_b):
    both = {f"113018 {role}": s for role, s in staff_of.items()}
    both |= {f"113271 {role}": make_staff(role, municipality=muni_b) for role in sorted(MUNICIPAL_ROLES)}
    return both


def test_the_offender_learns_nothing_from_any_route(muni_a, muni_b, as_municipality, staff_both, client):
    w = build_world(muni_a, muni_b, as_municipality)

    # Positive control: a clerk with the lift permission, for the protected person herself, does see the address.
    admin = logged_in(staff_both["113018 municipal_admin"])
    control = ask(admin, "control", "POST", f"/registry/persons/{w.person_nos['a'][0]}/",
                  data={"requester_name": "鈴木 花子", "requester_birth_date": "1980-02-02", "purpose": "本人の照会"})
    assert control.status == 200 and "羽貫200" in control.disclosed, "the probe cannot see a disclosure: it proves nothing"

    probes: list[Probe] = []
    i = 0
    schema = client.get("/api/v1/openapi.json").json()
    for who, c in clients(staff_both, api=False):
        side = "b" if who.startswith("113271") else "a"
        for route in web_routes():
            for url in fill(route, side, w, PARAM):
                i += 1
                probes.append(ask(c, who, "GET", url, data={**SEARCHES[i % len(SEARCHES)], "as_of": PAST[i % 3]}))
                if not NOT_POSTED.search(url):
                    data = web_data(i, w, side)
                    if "interchange/export" in url:  # the 支援措置 file without its purpose, and no file asked for
                        data.pop("purpose")
                        probes.append(ask(c, who, "POST", url, data={**data, "include_support": ""}))
                    probes.append(ask(c, who, "POST", url, data=data))
    for who, c in clients(staff_both, api=True):
        side = "b" if who.startswith("113271") else "a"
        for path, operations in schema["paths"].items():
            for method in operations:
                if method.upper() == "POST" and NOT_POSTED.search(path):
                    continue
                for url in fill(path.lstrip("/"), side, w, OPENAPI_PARAM):
                    i += 1
                    if method.upper() == "GET":
                        probes.append(ask(c, who, "GET", url, data=api_query(i, w)))
                    else:
                        probes.append(ask(c, who, method.upper(), url, data=json.dumps(api_body(i, w, side, url)),
                                          content_type="application/json"))

    # A certificate issued during the probe went to the offender (every request was theirs).
    for code, m in (("113018", muni_a), ("113271", muni_b)):
        with as_municipality(m):
            issued = Certificate.objects.exclude(issue_no__in=w.issue_nos["a" if code == "113018" else "b"])
            probes += [Probe("?", "POST", f"certificate {c.issue_no} of {code}", 201, ["証明書"]) for c in issued]
    disclosures = [p for p in probes if p.disclosed]
    refused = sum(p.status in (403, 409) for p in probes)
    errors = [p for p in probes if p.status >= 500]
    print(f"\noffender suite: {len(probes)} requests ({len(staff_both) + 1} roles of both members incl. anonymous, "
          f"{len(web_routes())} web routes + {sum(len(o) for o in schema['paths'].values())} API operations), "
          f"{refused} refused or held for a confirmation, {len(disclosures)} disclosures, {len(errors)} server errors")
    assert not disclosures, "\n".join(f"{p.who} {p.method} {p.url} → {p.status} disclosed {p.disclosed}"
                                      for p in disclosures[:40])
    assert not errors, "\n".join(f"{p.who} {p.method} {p.url} → {p.status}" for p in errors[:40])
