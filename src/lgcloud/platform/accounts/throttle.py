"""Login throttling per (account, address) and per address: see `LoginThrottle`."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings

from lgcloud.platform.accounts.models import LoginThrottle


def _key(kind: str, *parts: str) -> str:
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, "\\x1f".join((kind, *parts)).encode(), hashlib.sha256).hexdigest()


def pair_key(username: str, address: str) -> str:
    return _key("pair", username.strip().lower(), address)


def address_key(address: str) -> str:
    return _key("addr", address)


def _row(key: str) -> LoginThrottle:
    row, _created = LoginThrottle.objects.select_for_update().get_or_create(key=key)
    return row


def locked_until(key: str, now: dt.datetime) -> dt.datetime | None:
    row = LoginThrottle.objects.filter(key=key, locked_until__gt=now).only("locked_until").first()
    return row.locked_until if row else None


def fail(key: str, limit: int, now: dt.datetime) -> dt.datetime | None:
    """Count one failure; lock for the lockout period when `limit` is reached. Returns the lock's end."""
    window = dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    row = _row(key)
    if now - row.window_started > window:
        row.failures, row.window_started = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + window
        row.failures, row.window_started = 0, now
    row.save()
    return row.locked_until if row.locked_until and row.locked_until > now else None


def clear(key: str) -> None:
    LoginThrottle.objects.filter(key=key).delete()


def address_limit() -> int:
    return int(getattr(settings, "LOGIN_MAX_FAILURES_PER_ADDRESS", 30))
