from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lgcloud.platform.tenancy.context import Actor, activate, deactivate


class TenantMiddleware:
    """Web requests: the one place the tenant context is set for a logged-in staff member."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            actor = Actor(username=user.username, role=user.role, channel="web", staff_id=user.pk)
            tokens = activate(user.personal_data_municipality(), actor)
        else:
            tokens = activate(None, None)
        try:
            return self.get_response(request)
        finally:
            deactivate(tokens)
