from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from lgcloud.platform import metering
from lgcloud.platform.accounts.models import ApiToken
from lgcloud.platform.common.errors import PermissionDenied
from lgcloud.platform.tenancy.context import Actor, activate

LAST_USED_PRECISION = dt.timedelta(minutes=1)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POST operations that only read (their query is too long or too personal for a URL); a read-only token may call
# them. Everything else that is not GET/HEAD/OPTIONS writes.
READ_POSTS = ("/registry/search", "/registry/certificates/preview", "/individual-number")


class TokenAuth(HttpBearer):
    """API calls: the one place the tenant context is set for a token's staff member.

    TenantMiddleware resets the context after the response, so nothing leaks
    into the next request served by the same thread.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.find(token)
        if found is None:
            return None
        staff = found.staff
        if not staff.is_active:
            return None
        if found.read_only and request.method not in READ_METHODS and not request.path.endswith(READ_POSTS):
            raise PermissionDenied("この API トークンは参照のみです。更新には更新用のトークンを使ってください。")
        if staff.municipality is not None and not found.member_today:  # type: ignore[attr-defined]
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            # To the minute: writing it on every call would make every read a write.
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        if staff.municipality is not None:
            metering.record("api_calls", municipality=staff.municipality)
        activate(
            staff.personal_data_municipality(),
            Actor(username=staff.username, role=staff.role, channel="api", staff_id=staff.pk),
        )
        request.user = staff
        return staff
