"""One id per request: taken from a trusted proxy's `X-Request-ID` when well formed, else generated.

It is kept in a context variable for the duration of the request, so log lines and audit records written
anywhere below the middleware carry it, and it is returned in the response's `X-Request-ID` header so a
clerk's report ("the screen said …") can be matched with the server's logs and the audit trail.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_current: contextvars.ContextVar[str] = contextvars.ContextVar("lgcloud_request_id", default="")
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def current() -> str:
    """The id of the request being served ("" outside a request: a command, a worker)."""
    return _current.get()


def new_id(offered: str | None = None) -> str:
    if offered and _WELL_FORMED.match(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = new_id(request.headers.get(HEADER))
        request.request_id = rid  # type: ignore[attr-defined]
        token = _current.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response.headers[HEADER] = rid
        return response
