from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

SESSION_KEY = "lgcloud_2fa_ok"
CHANGE_PASSWORD_PREFIX = "/account/password/"  # noqa: S105 (a URL, not a password)
OPEN_PREFIXES = ("/login", "/logout", "/two-factor/", "/static/", "/api/", "/verify/", "/open-data/", "/health/",
                 "/metrics")


class TwoFactorMiddleware:
    """Roles that need TOTP reach nothing but the TOTP pages until they have passed it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.needs_two_factor
            and not request.session.get(SESSION_KEY)
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect("two_factor_setup" if not user.totp_enabled else "two_factor_verify")
        if (
            user.is_authenticated
            and getattr(user, "password_change_required", False)
            and not request.path.startswith((*OPEN_PREFIXES, CHANGE_PASSWORD_PREFIX))
        ):
            return redirect("password_change")
        return self.get_response(request)
