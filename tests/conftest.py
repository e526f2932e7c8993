"""Shared fixtures: two municipalities of one group, staff of every role, logged-in clients."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from lgcloud.platform.accounts.middleware import SESSION_KEY
from lgcloud.platform.accounts.models import ApiToken, Staff
from lgcloud.platform.accounts.roles import MUNICIPAL_ROLES, Role
from lgcloud.platform.tenancy.context import Actor, municipality_scope
from lgcloud.platform.tenancy.models import Group, Membership, Municipality
from lgcloud.platform.tenancy.services import ensure_municipality

PASSWORD = "correct horse battery staple"
CODE_A = "113018"  # 伊奈町
CODE_B = "113271"  # 越生町


_AUDIT_STORE_SEQ = itertools.count(1)


@pytest.fixture(scope="session")
def _audit_store_root(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("audit")


@pytest.fixture(autouse=True)
def _audit_signed_heads(_audit_store_root: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test its own external store of signed heads (the database is emptied between tests; heads written
    by an earlier test would name records that no longer exist), one signing key for the session."""
    from django.conf import settings

    saved = settings.LGCLOUD_AUDIT_HEADS_DIR, settings.LGCLOUD_AUDIT_SIGNING_KEY
    settings.LGCLOUD_AUDIT_HEADS_DIR = str(_audit_store_root / "heads" / f"{next(_AUDIT_STORE_SEQ)}")
    settings.LGCLOUD_AUDIT_SIGNING_KEY = str(_audit_store_root / "signing_key.pem")
    yield
    settings.LGCLOUD_AUDIT_HEADS_DIR, settings.LGCLOUD_AUDIT_SIGNING_KEY = saved


@pytest.fixture
def group(db: Any) -> Group:
    return Group.objects.create(name="テスト協議会", prefecture="埼玉県", start_fiscal_year=2013)


def _member(group: Group, code: str, population: int) -> Municipality:
    m = ensure_municipality(code, population)
    Membership.objects.create(group=group, municipality=m, joined_on=dt.date(2014, 4, 1))
    return m


@pytest.fixture
def muni_a(group: Group) -> Municipality:
    return _member(group, CODE_A, 44000)


@pytest.fixture
def muni_b(group: Group) -> Municipality:
    return _member(group, CODE_B, 12000)


@pytest.fixture
def make_staff(db: Any) -> Callable[..., Staff]:
    def make(role: str, municipality: Municipality | None = None, group: Group | None = None,
             username: str | None = None, password: str = PASSWORD) -> Staff:
        username = username or f"{municipality.code if municipality else 'g'}-{role}"
        staff = Staff(username=username, role=role, municipality=municipality, group=group,
                      display_name=f"{username} 氏名")
        staff.set_password(password)
        staff.save()
        return staff

    return make


@pytest.fixture
def staff_of(make_staff: Callable[..., Staff], muni_a: Municipality, group: Group) -> dict[str, Staff]:
    """One staff member of municipality A per municipal role, plus the secretariat and the operator."""
    staff = {role: make_staff(role, municipality=muni_a) for role in sorted(MUNICIPAL_ROLES)}
    staff[Role.GROUP_SECRETARIAT] = make_staff(Role.GROUP_SECRETARIAT, group=group, username="secretariat")
    staff[Role.OPERATOR] = make_staff(Role.OPERATOR, username="operator")
    return staff


def logged_in(staff: Staff) -> Client:
    """A client with a session past password and two-factor checks."""
    client = Client()
    client.force_login(staff, backend="lgcloud.platform.accounts.backends.StaffBackend")
    session = client.session
    session[SESSION_KEY] = True
    session.save()
    return client


def api_client(staff: Staff) -> Client:
    _token, raw = ApiToken.issue(staff, "test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def as_municipality() -> Callable[[Municipality], Any]:
    def scope(m: Municipality) -> Any:
        return municipality_scope(m, Actor("test", "system", "system"))

    return scope


@pytest.fixture
def in_a(muni_a: Municipality) -> Iterator[Municipality]:
    with municipality_scope(muni_a, Actor("test", "system", "system")):
        yield muni_a
