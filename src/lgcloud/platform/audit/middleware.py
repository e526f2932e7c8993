"""A request id (UUID) per request: written into every audit record the request makes, and answered in the
`X-Request-ID` header so that a log line, an audit record and a clerk's report of a problem can be matched."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lgcloud.platform.audit.services import reset_request_id, set_request_id

HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Always a fresh id: one sent by the client is not trusted (it could make two requests look like one)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        request.request_id = request_id  # type: ignore[attr-defined]
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response[HEADER] = request_id
        return response
