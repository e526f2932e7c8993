"""Statement counts of the three requests the counter lives on — person view, search, 転居 — on the screens
and the API, pinned so that a later change cannot silently add queries (issue 13 item 3)."""

from __future__ import annotations

import json
import os

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lgcloud.areas.registry.models import Household, Person
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from tests.conftest import api_client, logged_in
from tests.test_registry_api import MOVE_IN
from tests.test_registry_web import family_form

# Today's counts, after cutting the obvious waste (parameters read one statement each, the session's staff member
# read with its municipality and membership in one). A later change that needs more must raise these on purpose.
MAX_STATEMENTS = {
    "web_person": 13,  # session, staff, 支援措置/制限 checks, person, history, audit INSERT, ordinance uses
    "web_search": 9,
    "web_move": 35,  # the form's household read (audited) and then the 転居 service itself (43 before counter6)
    "api_person": 9,
    "api_search": 8,
    "api_move": 24,  # 32 before: persons read once (locked), one UPDATE for the household's persons, subjects in one
    # INSERT, no savepoints in apply_event and publish (counter6)
}


# PostgreSQL: a 異動 publishes its domain event under the municipality's advisory lock, taken by the event's own
# INSERT (`INSERT … SELECT … FROM pg_advisory_xact_lock(…)`; it was one more statement before counter9).
POSTGRESQL_EXTRA: dict[str, int] = {}


def _max(name: str) -> int:
    extra = POSTGRESQL_EXTRA.get(name, 0) if connection.vendor == "postgresql" else 0
    return MAX_STATEMENTS[name] + extra


def _dump(name: str, ctx: CaptureQueriesContext) -> None:
    if os.environ.get("LGCLOUD_DUMP_QUERIES"):
        with open(f"{os.environ['LGCLOUD_DUMP_QUERIES']}/{name}.sql", "w") as f:
            for q in ctx.captured_queries:
                f.write(q["sql"] + "\n")


def _versions(muni, household_no):
    with municipality_scope(muni, Actor("test", "system", "system")):
        hh = Household.objects.get(household_no=household_no)
        return {f"version_{p.person_no}": p.version for p in Person.objects.filter(household=hh)}


def test_person_search_and_move_on_the_screens(staff_of, muni_a, django_assert_max_num_queries):
    clerk = logged_in(staff_of[Role.COUNTER_CLERK])
    assert clerk.post("/registry/events/move_in/", family_form()).status_code == 302
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        taro = Person.objects.order_by("person_no").first()
        hh = taro.household.household_no
    clerk.get(f"/registry/persons/{taro.person_no}/")  # warm the session and caches like a working clerk
    versions = _versions(muni_a, hh)
    for name, call in {
        "web_person": lambda: clerk.get(f"/registry/persons/{taro.person_no}/"),
        "web_search": lambda: clerk.get("/registry/search/", {"kana": "ヤマダ", "search": "1"}),
        "web_move": lambda: clerk.post("/registry/events/move_within/", {
            "household_no": hh, "address": "埼玉県北足立郡伊奈町内宿台3-3", "effective_on": "2022-10-01",
            "notified_on": "2022-10-03", **versions}),
    }.items():
        with django_assert_max_num_queries(_max(name)) as ctx:
            r = call()
        assert r.status_code in (200, 302), r.content.decode()[:500]
        _dump(name, ctx)


def test_person_search_and_move_through_the_api(staff_of, muni_a, django_assert_max_num_queries):
    clerk = api_client(staff_of[Role.COUNTER_CLERK])
    r = clerk.post("/api/v1/registry/events/move_in", data=json.dumps(MOVE_IN), content_type="application/json")
    assert r.status_code == 201
    person_no = r.json()["persons"][0]
    hh = r.json()["households"][0]
    clerk.get(f"/api/v1/registry/persons/{person_no}")
    body = {"household_no": hh, "address": {"address": "埼玉県北足立郡伊奈町小室99"}, "effective_on": "2026-11-01",
            "notified_on": "2026-11-02", "acknowledge_alerts": True}
    for name, call in {
        "api_person": lambda: clerk.get(f"/api/v1/registry/persons/{person_no}"),
        "api_search": lambda: clerk.post("/api/v1/registry/search", data=json.dumps({"kana": "ヤマダ"}),
                                         content_type="application/json"),
        "api_move": lambda: clerk.post("/api/v1/registry/events/move_within", data=json.dumps(body),
                                       content_type="application/json"),
    }.items():
        with django_assert_max_num_queries(_max(name)) as ctx:
            r = call()
        assert r.status_code in (200, 201), r.content.decode()[:500]
        _dump(name, ctx)


def test_the_counters_statements_are_prepared_on_postgresql(staff_of, muni_a, settings):
    """On PostgreSQL the parameters are bound by the server and a statement run a few times on a connection is
    prepared there (no parse and plan per request): after a few person views the person view's statements are."""
    import pytest

    if connection.vendor != "postgresql" or not connection.features.uses_server_side_binding:
        pytest.skip("PostgreSQL with server-side binding (LGCLOUD_DB_PREPARED) only")
    clerk = api_client(staff_of[Role.COUNTER_CLERK])
    r = clerk.post("/api/v1/registry/events/move_in", data=json.dumps(MOVE_IN), content_type="application/json")
    person_no = r.json()["persons"][0]
    for _ in range(8):
        assert clerk.get(f"/api/v1/registry/persons/{person_no}").status_code == 200
    with connection.cursor() as cur:
        cur.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cur.fetchall()]
    assert any("registry_person" in s for s in prepared), prepared
    assert any("audit_auditrecord" in s for s in prepared), prepared
