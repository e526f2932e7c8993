"""Errors that carry a message for the person at the counter.

Services raise these; views, the API and commands turn them into a Japanese
message with HTTP 4xx or a non-zero exit. Nothing else should reach a user.
"""

from __future__ import annotations


class LgcloudError(Exception):
    """Base of every error whose message is meant for users (in Japanese)."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def settle(self) -> None:
        """Called by an entry point (the API, the screens) once the request's transactions have unwound: an
        error that owes a record — a refusal's audit record, which a rolled-back transaction would have lost —
        writes it now. Nothing by default."""


class ValidationFailed(LgcloudError):
    status_code = 400


class PermissionDenied(LgcloudError):
    status_code = 403


class NotFound(LgcloudError):
    status_code = 404


class Conflict(LgcloudError):
    status_code = 409
