"""Generated API robustness test: schemathesis reads the OpenAPI document and sends every operation bounded
examples (valid and invalid: huge integers, long strings, control characters …) with an administrator's token
and, turn by turn, a token of every other role (so every role meets every operation within the bound). No
answer may be a server error, and every documented answer must conform to its schema and content type
(issue: registry hardening, bad input; continuity, item 6).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from lgcloud.platform.accounts.models import ApiToken
from lgcloud.platform.accounts.roles import Role

APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
EXAMPLES = int(os.environ.get("LGCLOUD_API_FUZZ_EXAMPLES", "6"))
ALWAYS = Role.MUNICIPAL_ADMIN
TURNS = tuple(r for r in Role if r != ALWAYS)  # every other role, one per example in turn
ROLES = (ALWAYS, *TURNS)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
seen: dict[str, int] = {}


@pytest.fixture
def tokens(staff_of: dict[str, Any]) -> Iterator[dict[str, str]]:
    # As Django's test client does: the request must not close the test's connection (its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {role: ApiToken.issue(staff_of[role], "schemathesis")[1] for role in ROLES}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
@pytest.mark.django_db
def test_no_server_error_for_any_input(case: Any, tokens: dict[str, str]) -> None:
    turn = TURNS[sum(seen.values()) % len(TURNS)]
    for role in (ALWAYS, turn):
        response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
        seen[role] = seen.get(role, 0) + 1
        case.validate_response(response, checks=CHECKS)
