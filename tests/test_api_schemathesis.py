"""Generated API robustness test: schemathesis reads the OpenAPI document and sends every operation bounded
examples (valid and invalid: huge integers, long strings, control characters …) with a clerk's and an
administrator's token. No answer may be a server error (issue: registry hardening, bad input; continuity, item 6).
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
from schemathesis.checks import not_a_server_error

from lgcloud.platform.accounts.models import ApiToken
from lgcloud.platform.accounts.roles import Role

APP = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
EXAMPLES = int(os.environ.get("LGCLOUD_API_FUZZ_EXAMPLES", "6"))
ROLES = (Role.COUNTER_CLERK, Role.MUNICIPAL_ADMIN)
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
    for role, raw in tokens.items():
        response = case.call(headers={"Authorization": f"Bearer {raw}"})
        seen[role] = seen.get(role, 0) + 1
        case.validate_response(response, checks=[not_a_server_error])
