"""The tenant context: which municipality the current request, API call or command serves.

It is set in exactly one place per entry point — TenantMiddleware (web),
TokenAuth (API), TenantCommand (CLI) — each through `activate`, and read by the
scoped managers, the PostgreSQL backend (row-level security) and the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lgcloud.platform.common.errors import LgcloudError

if TYPE_CHECKING:
    from lgcloud.platform.tenancy.models import Municipality


class TenantRequired(LgcloudError):
    """Personal data was asked for without a municipality in context."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__("団体（市区町村）が特定されていないため、住民の情報にはアクセスできません。")


@dataclass(frozen=True)
class Actor:
    """Who acts: the staff member (or system job) and through which channel."""

    username: str
    role: str
    channel: str  # "web", "api", "cli", "system"
    staff_id: int | None = None


SYSTEM = Actor(username="system", role="system", channel="system")

_municipality: ContextVar[Municipality | None] = ContextVar("lgcloud_municipality", default=None)
_actor: ContextVar[Actor] = ContextVar("lgcloud_actor", default=SYSTEM)


def current_municipality() -> Municipality | None:
    return _municipality.get()


def current_municipality_id() -> int | None:
    m = _municipality.get()
    return m.pk if m is not None else None


def require_municipality() -> Municipality:
    m = _municipality.get()
    if m is None:
        raise TenantRequired()
    return m


def current_actor() -> Actor:
    return _actor.get()


def activate(municipality: Municipality | None, actor: Actor | None = None) -> tuple[Token, Token]:
    """Set the context; returns tokens for `deactivate`. Entry points only."""
    return _municipality.set(municipality), _actor.set(actor or SYSTEM)


def deactivate(tokens: tuple[Token, Token]) -> None:
    _municipality.reset(tokens[0])
    _actor.reset(tokens[1])


@contextmanager
def municipality_scope(municipality: Municipality | None, actor: Actor | None = None) -> Iterator[None]:
    """Run a block for one municipality (batch jobs, loaders, tests)."""
    tokens = activate(municipality, actor or current_actor())
    try:
        yield
    finally:
        deactivate(tokens)
