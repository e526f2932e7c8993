"""Cross-municipality leak test over every route.

Routes come from the URL resolver and the OpenAPI document, so a new page or
API route is probed without editing this file. Personal data is seeded in
municipality B (tests.leaks); every route is requested with every method it
takes, as each role of municipality A, as the secretariat, as the operator and
anonymously. No response may contain B's data, and none may be a 500.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lgcloud.platform.accounts.middleware import SESSION_KEY
from lgcloud.platform.accounts.roles import Role
from tests.conftest import api_client, logged_in
from tests.leaks import Seeded, seed_all

API_PREFIX = "api/v1/"
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
OPENAPI_PARAM = re.compile(r"\{(?P<name>\w+)\}")
MAX_URLS_PER_ROUTE = 12


def _walk(patterns: list, prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def web_routes() -> list[str]:
    routes = []
    for route in _walk(get_resolver().url_patterns):
        if route.startswith(API_PREFIX):
            continue
        if route.startswith("^"):  # a regex pattern: strip anchors
            route = route.strip("^$")
        routes.append(route)
    return sorted(set(routes))


def _candidates(conv: str | None, seeded: Seeded) -> list[str]:
    if conv == "int":
        return [*(str(i) for i in sorted(seeded.int_ids)), "1"]
    return [*sorted(seeded.str_ids), "1", "nhi_tax.medical.income_rate", "2026"]


def fill(route: str, seeded: Seeded, pattern: re.Pattern[str] = PARAM) -> list[str]:
    params = list(pattern.finditer(route))
    if not params:
        return ["/" + route]
    choices = [_candidates(m.groupdict().get("conv"), seeded) for m in params]
    urls = []
    for combo in itertools.islice(itertools.product(*choices), MAX_URLS_PER_ROUTE):
        url = route
        for m, value in zip(params, combo, strict=True):
            url = url.replace(m.group(0), value, 1)
        urls.append("/" + url)
    return urls


@dataclass
class Probe:
    who: str
    method: str
    url: str
    status: int
    leaked: list[str]


def _check(client: Client, who: str, method: str, url: str, markers: set[str], body: str | None) -> Probe:
    kwargs = {}
    if body is not None:
        kwargs = {"data": body, "content_type": "application/json"}
    response = getattr(client, method.lower())(url, **kwargs)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", errors="replace")
    # JSON escapes non-ASCII; decode it so markers and Japanese compare as text.
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return Probe(who, method, url, response.status_code, [m for m in markers if m in text])


@pytest.fixture
def world(staff_of, muni_a, muni_b, make_staff):
    seeded = seed_all(muni_b)
    b_clerk = make_staff(Role.COUNTER_CLERK, municipality=muni_b)
    return seeded, staff_of, b_clerk


def _web_clients(staff_of, cache: dict[str, Client]) -> Iterator[tuple[str, Client]]:
    """One logged-in client per role, logged in again only when a probe ended its session (the logout route, a
    password change). A new login per probe made thousands of sessions inside the test's one transaction, where the
    planner, seeing no committed rows, looked each request's session up through the expiry index: every request
    slower than the one before (minutes of the PostgreSQL run)."""
    for role, staff in staff_of.items():
        c = cache.get(role)
        if c is None or c.session.get(SESSION_KEY) is not True or "_auth_user_id" not in c.session:
            c = cache[role] = logged_in(staff)
        yield role, c
    yield "anonymous", Client()


def test_no_route_leaks_another_municipalitys_data(world, client):
    seeded, staff_of, b_clerk = world
    probes: list[Probe] = []

    # Positive control: B's own clerk does see B's notes, so a leak would be caught.
    control = _check(logged_in(b_clerk), "B clerk", "GET", "/testapp/notes/", seeded.markers, None)
    assert control.status == 200 and control.leaked, "the probe cannot see B's data even as B: it proves nothing"

    web_clients: dict[str, Client] = {}
    for route in web_routes():
        for url in fill(route, seeded):
            for method in ("GET", "POST"):
                for who, c in _web_clients(staff_of, web_clients):
                    probes.append(_check(c, who, method, url, seeded.markers, None))

    schema = client.get("/api/v1/openapi.json").json()
    api_routes = 0
    api_clients: dict[str, Client] = {}  # one token per role (no API route revokes a token)
    for path, operations in schema["paths"].items():
        for method in operations:
            api_routes += 1
            route = path.lstrip("/")
            for url in fill(route, seeded, OPENAPI_PARAM):
                for who, staff in [*staff_of.items(), ("anonymous", None)]:
                    if staff is None:
                        c = Client()
                    elif (c := api_clients.get(who)) is None:
                        c = api_clients[who] = api_client(staff)
                    body = "{}" if method.upper() in {"POST", "PUT", "PATCH"} else None
                    probes.append(_check(c, who, method.upper(), url, seeded.markers, body))

    leaks = [p for p in probes if p.leaked]
    errors = [p for p in probes if p.status >= 500]
    combos = {(p.method, p.url.split("?")[0], p.who) for p in probes}
    print(
        f"\nisolation: {len(web_routes())} web routes + {api_routes} API operations, "
        f"{len(combos)} route × role × method combinations probed "
        f"({len(staff_of) + 1} roles incl. anonymous), {len(leaks)} leaks, {len(errors)} server errors"
    )
    assert not leaks, "\n".join(f"{p.who} {p.method} {p.url} → {p.status} leaked {p.leaked}" for p in leaks)
    assert not errors, "\n".join(f"{p.who} {p.method} {p.url} → {p.status}" for p in errors)
    assert len(combos) > 100


def test_every_api_route_is_in_the_openapi_document(client):
    """The API part of the probe comes from the OpenAPI document: it must list every API route."""
    schema = client.get("/api/v1/openapi.json").json()
    documented = {OPENAPI_PARAM.sub("<>", p.lstrip("/")) for p in schema["paths"]}
    served = {PARAM.sub("<>", r) for r in _walk(get_resolver().url_patterns) if r.startswith(API_PREFIX)}
    served -= {API_PREFIX, API_PREFIX + "openapi.json", API_PREFIX + "docs"}  # ninja root, schema, docs
    assert documented, "the OpenAPI document lists no paths"
    assert served <= documented, f"API routes missing from the OpenAPI document: {served - documented}"
