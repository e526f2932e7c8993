from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.common.errors import PermissionDenied


def staff(request: HttpRequest) -> Staff:
    """The logged-in staff member of a view behind login_required/require_cap."""
    user = request.user
    if not isinstance(user, Staff):
        raise PermissionDenied("ログインしてください。")
    return user


def require_cap(cap: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Login required, and the role must carry `cap`; otherwise a Japanese 403."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not staff(request).has_cap(cap):
                raise PermissionDenied("この画面を利用する権限がありません。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
