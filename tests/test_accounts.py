"""Staff login: argon2, lockout, membership, TOTP two-factor, role-gated pages, security headers."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import Client, override_settings
from django.utils import timezone

from lgcloud import settings as production_settings
from lgcloud.platform.accounts import throttle
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.accounts.services import BAD_CREDENTIALS, LoginRefused, check_password_login, verify_totp
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.audit.sealing import seal
from lgcloud.platform.audit.verifying import verify_chain
from lgcloud.platform.tenancy.models import Membership, Municipality
from tests.conftest import PASSWORD, logged_in

NOT_MEMBER = "埼玉県伊奈町は現在グループの構成団体ではないため、ログインできません。"


def web_login(username: str, password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client()
    return client, client.post("/login/", {"username": username, "password": password})


def committed(sql: str, params: list[Any]) -> Any:
    """One value read through a second connection: it sees committed rows only."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        if other.vendor != "sqlite":  # closing the in-memory test database's last handle would drop it
            other.close()


def end_membership(m: Municipality, on: dt.date | None = None) -> None:
    Membership.objects.filter(municipality=m).update(left_on=on or timezone.localdate())


def bad_code(secret: str) -> str:
    """A six-digit code that no time step near now accepts."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + 30 * d) for d in range(-3, 4)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


# --- passwords -----------------------------------------------------------------------------------


def test_production_settings_hash_passwords_with_argon2(
    make_staff: Callable[..., Staff], muni_a: Municipality
) -> None:
    assert production_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
        stored = Staff.objects.get(pk=staff.pk).password
        assert stored.startswith("argon2$argon2id$")
        assert PASSWORD not in stored
        assert check_password_login(staff.username, PASSWORD).pk == staff.pk


def test_login_upgrades_an_older_hash_to_argon2(make_staff: Callable[..., Staff], muni_a: Municipality) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)  # the tests' fast hasher
    assert not Staff.objects.get(pk=staff.pk).password.startswith("argon2")
    # The production list, still able to read the older hash.
    hashers = [*production_settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=hashers):
        _client, r = web_login(staff.username)
        assert r.status_code == 302
    assert Staff.objects.get(pk=staff.pk).password.startswith("argon2$")


# --- lockout -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_lockout_after_max_failures_is_committed(make_staff: Callable[..., Staff], muni_a: Municipality) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    count_failures = "SELECT failed_logins FROM accounts_staff WHERE id = %s"
    for i in range(1, settings.LOGIN_MAX_FAILURES):
        with pytest.raises(LoginRefused) as exc:
            check_password_login(staff.username, "wrong password")
        assert exc.value.message == BAD_CREDENTIALS
        assert exc.value.status_code == 401
        assert committed(count_failures, [staff.pk]) == i
    with pytest.raises(LoginRefused, match=f"{settings.LOGIN_MAX_FAILURES}回続けて失敗したため.*ロックしました"):
        check_password_login(staff.username, "wrong password")
    # Even the right password is refused while locked.
    with pytest.raises(LoginRefused, match="ロックされています"):
        check_password_login(staff.username, PASSWORD)

    locked_until = throttle.locked_until(throttle.pair_key(staff.username, ""), timezone.now())
    assert locked_until is not None and locked_until > timezone.now() + dt.timedelta(minutes=10)
    audit_count = "SELECT COUNT(*) FROM audit_auditrecord WHERE action = %s AND object_id = %s AND chain = %s"
    assert committed(audit_count, ["login.failed", str(staff.pk), muni_a.code]) == settings.LOGIN_MAX_FAILURES
    assert committed(audit_count, ["login.refused_locked", str(staff.pk), muni_a.code]) == 1
    assert committed(audit_count, ["login.password_ok", str(staff.pk), muni_a.code]) == 0
    seal()
    assert verify_chain(muni_a.code).ok


def test_lock_expires(make_staff: Callable[..., Staff], muni_a: Municipality) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    Staff.objects.filter(pk=staff.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1), failed_logins=3)
    assert check_password_login(staff.username, PASSWORD).pk == staff.pk
    staff.refresh_from_db()
    assert staff.locked_until is None and staff.failed_logins == 0


def test_a_success_resets_the_failure_count(make_staff: Callable[..., Staff], muni_a: Municipality) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        with pytest.raises(LoginRefused):
            check_password_login(staff.username, "wrong")
    check_password_login(staff.username, PASSWORD)
    with pytest.raises(LoginRefused, match=BAD_CREDENTIALS):
        check_password_login(staff.username, "wrong")
    staff.refresh_from_db()
    assert staff.failed_logins == 1 and staff.locked_until is None


def test_web_login_lockout(make_staff: Callable[..., Staff], muni_a: Municipality) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _c, r = web_login(staff.username, "wrong password")
        assert r.status_code == 401
    assert "ロックしました" in r.content.decode()
    client, r = web_login(staff.username)
    assert r.status_code == 401
    assert "ロックされています" in r.content.decode()
    assert client.get("/").status_code == 302  # not logged in


def test_unknown_user_gets_the_same_message_as_a_wrong_password(
    make_staff: Callable[..., Staff], muni_a: Municipality
) -> None:
    make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    with pytest.raises(LoginRefused) as exc:
        check_password_login("nobody", PASSWORD)
    assert exc.value.message == BAD_CREDENTIALS
    _c, r = web_login("nobody")
    assert r.status_code == 401
    assert BAD_CREDENTIALS in r.content.decode()


def test_inactive_staff_is_refused(make_staff: Callable[..., Staff], muni_a: Municipality) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    Staff.objects.filter(pk=staff.pk).update(is_active=False)
    _c, r = web_login(staff.username)
    assert r.status_code == 401
    assert "このアカウントは無効にされています" in r.content.decode()


# --- membership ----------------------------------------------------------------------------------


def test_staff_of_a_former_member_is_refused_at_login(
    make_staff: Callable[..., Staff], muni_a: Municipality
) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    end_membership(muni_a, timezone.localdate() - dt.timedelta(days=1))
    client, r = web_login(staff.username)
    assert r.status_code == 401
    assert NOT_MEMBER in r.content.decode()
    assert client.get("/").status_code == 302
    assert AuditRecord.objects.filter(action="login.refused_not_member", chain=muni_a.code).count() == 1


def test_membership_ending_in_the_future_still_allows_login(
    make_staff: Callable[..., Staff], muni_a: Municipality
) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    end_membership(muni_a, timezone.localdate() + dt.timedelta(days=1))
    _client, r = web_login(staff.username)
    assert r.status_code == 302


def test_existing_session_of_a_former_member_stops_working(staff_of: dict[str, Staff], muni_a: Municipality) -> None:
    client = logged_in(staff_of[Role.COUNTER_CLERK])
    assert client.get("/").status_code == 200
    end_membership(muni_a)
    r = client.get("/")
    assert r.status_code == 302
    assert r.url.startswith("/login/")
    assert client.get("/testapp/notes/").status_code == 302


def test_secretariat_and_operator_are_not_affected_by_a_member_leaving(
    staff_of: dict[str, Staff], muni_a: Municipality
) -> None:
    end_membership(muni_a)
    assert logged_in(staff_of[Role.GROUP_SECRETARIAT]).get("/").status_code == 200
    assert logged_in(staff_of[Role.OPERATOR]).get("/").status_code == 200


# --- two-factor ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MUNICIPAL_ADMIN, Role.GROUP_SECRETARIAT, Role.OPERATOR])
def test_two_factor_setup_is_required_until_a_valid_code(role: str, staff_of: dict[str, Staff]) -> None:
    staff = staff_of[role]
    client, r = web_login(staff.username)
    assert r.status_code == 302 and r.url == "/"
    for path in ("/", "/municipality/parameters/", "/group/members/", "/testapp/notes/"):
        r = client.get(path)
        assert r.status_code == 302, path
        assert r.url == "/two-factor/setup/", path

    assert client.get("/two-factor/setup/").status_code == 200
    staff.refresh_from_db()
    assert staff.totp_secret and not staff.totp_enabled
    totp = pyotp.TOTP(staff.totp_secret)

    r = client.post("/two-factor/setup/", {"code": bad_code(staff.totp_secret)})
    assert r.status_code == 400
    assert "確認コードが正しくありません" in r.content.decode()
    assert client.get("/").url == "/two-factor/setup/"

    code = totp.now()
    r = client.post("/two-factor/setup/", {"code": code})
    assert r.status_code == 302 and r.url == "/"
    assert client.get("/").status_code == 200
    staff.refresh_from_db()
    assert staff.totp_enabled

    # A new login now asks for a code; the one already used is refused (no replay).
    client2, _ = web_login(staff.username)
    assert client2.get("/").url == "/two-factor/verify/"
    r = client2.post("/two-factor/verify/", {"code": code})
    assert r.status_code == 400
    assert client2.get("/").url == "/two-factor/verify/"
    r = client2.post("/two-factor/verify/", {"code": totp.at(time.time() + 30)})
    assert r.status_code == 302 and r.url == "/"
    assert client2.get("/").status_code == 200

    actions = list(AuditRecord.objects.filter(object_id=str(staff.pk)).values_list("action", flat=True))
    assert actions.count("login.totp_enrolled") == 1
    assert actions.count("login.totp_ok") == 1
    assert actions.count("login.totp_failed") == 2


def test_totp_code_cannot_be_replayed(staff_of: dict[str, Staff]) -> None:
    staff = staff_of[Role.MUNICIPAL_ADMIN]
    staff.totp_secret = pyotp.random_base32()
    staff.save()
    code = pyotp.TOTP(staff.totp_secret).now()
    verify_totp(staff, code)
    with pytest.raises(LoginRefused, match="確認コードが正しくありません"):
        verify_totp(staff, code)


def test_totp_accepts_full_width_digits_and_refuses_garbage(staff_of: dict[str, Staff]) -> None:
    staff = staff_of[Role.OPERATOR]
    staff.totp_secret = pyotp.random_base32()
    staff.save()
    for garbage in ("", "12345", "abcdef", "1234567", "²²²²²²"):
        with pytest.raises(LoginRefused):
            verify_totp(staff, garbage)
    code = pyotp.TOTP(staff.totp_secret).now()
    verify_totp(staff, code.translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    staff.refresh_from_db()
    assert staff.totp_enabled


@pytest.mark.parametrize("role", [Role.COUNTER_CLERK, Role.TAX, Role.COUNTER_CONTRACTOR])
def test_counter_roles_need_no_totp(role: str, make_staff: Callable[..., Staff], muni_a: Municipality) -> None:
    staff = make_staff(role, municipality=muni_a)
    client, r = web_login(staff.username)
    assert r.status_code == 302 and r.url == "/"
    assert client.get("/").status_code == 200


def test_two_factor_pages_need_a_login() -> None:
    r = Client().get("/two-factor/setup/")
    assert r.status_code == 302 and r.url.startswith("/login/")


# --- what each role reaches ----------------------------------------------------------------------

PAGES = ["/", "/group/members/", "/group/members/join/", "/group/deviations/",
         "/municipality/parameters/", "/municipality/audit/"]
ALLOWED: dict[str, set[str]] = {
    Role.COUNTER_CLERK: {"/"},
    Role.COUNTER_CONTRACTOR: {"/"},
    Role.TAX: {"/"},
    Role.INSURANCE: {"/"},
    Role.PENSION: {"/"},
    Role.WELFARE: {"/"},
    Role.MUNICIPAL_ADMIN: {"/", "/municipality/parameters/", "/municipality/audit/"},
    Role.GROUP_SECRETARIAT: {"/", "/group/members/", "/group/members/join/", "/group/deviations/"},
    Role.OPERATOR: {"/"},
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_reaches_only_permitted_pages(role: str, staff_of: dict[str, Staff]) -> None:
    client = logged_in(staff_of[role])
    for page in PAGES:
        r = client.get(page)
        if page in ALLOWED[role]:
            assert r.status_code == 200, page
        else:
            assert r.status_code == 403, page
            assert "権限がありません" in r.content.decode(), page


def test_anonymous_is_sent_to_login() -> None:
    for page in PAGES:
        r = Client().get(page)
        assert r.status_code == 302, page
        assert r.url.startswith("/login/?next="), page


# --- headers and cookies -------------------------------------------------------------------------


def test_security_headers_and_cookies(staff_of: dict[str, Staff]) -> None:
    client = Client()
    r = client.get("/login/")
    assert r.status_code == 200
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in r.headers["Cache-Control"]
    csrf = r.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["samesite"] == "Strict"

    r = client.post("/login/", {"username": staff_of[Role.COUNTER_CLERK].username, "password": PASSWORD})
    assert r.status_code == 302
    session = r.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Strict"
    assert session.value

    r = client.get("/")
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in r.headers


def test_logout_needs_post_and_ends_the_session(staff_of: dict[str, Staff]) -> None:
    client = logged_in(staff_of[Role.COUNTER_CLERK])
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


# --- throttling per (account, address) and per address; TOTP lock ------------------------------------


def _fail_n(username: str, n: int, address: str) -> str:
    message = ""
    for _ in range(n):
        with pytest.raises(LoginRefused) as exc:
            check_password_login(username, "wrong password", address=address)
        message = exc.value.message
    return message


def test_a_lock_from_one_address_does_not_lock_the_clerk_out_elsewhere(
    make_staff: Callable[..., Staff], muni_a: Municipality
) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    assert "ロックしました" in _fail_n(staff.username, settings.LOGIN_MAX_FAILURES, "203.0.113.9")
    with pytest.raises(LoginRefused, match="ロックされています"):
        check_password_login(staff.username, PASSWORD, address="203.0.113.9")
    # The clerk at the counter's own terminal is not locked out by someone else's attempts.
    assert check_password_login(staff.username, PASSWORD, address="10.1.2.3").pk == staff.pk


def test_an_unknown_username_gets_exactly_the_same_answers_including_the_lock(
    make_staff: Callable[..., Staff], muni_a: Municipality
) -> None:
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    known = [_fail_n(staff.username, 1, "198.51.100.1") for _ in range(settings.LOGIN_MAX_FAILURES)]
    unknown = [_fail_n("no-such-clerk", 1, "198.51.100.2") for _ in range(settings.LOGIN_MAX_FAILURES)]
    assert known == unknown
    with pytest.raises(LoginRefused) as a:
        check_password_login(staff.username, PASSWORD, address="198.51.100.1")
    with pytest.raises(LoginRefused) as b:
        check_password_login("no-such-clerk", PASSWORD, address="198.51.100.2")
    assert a.value.message.split("まで")[1] == b.value.message.split("まで")[1]


def test_one_address_trying_many_accounts_is_stopped(
    make_staff: Callable[..., Staff], muni_a: Municipality, settings: Any
) -> None:
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    staff = make_staff(Role.COUNTER_CLERK, municipality=muni_a)
    for i in range(6):
        _fail_n(f"guess{i}", 1, "192.0.2.77")
    with pytest.raises(LoginRefused, match="ロックされています"):
        check_password_login(staff.username, PASSWORD, address="192.0.2.77")
    assert check_password_login(staff.username, PASSWORD, address="192.0.2.78").pk == staff.pk


def test_totp_locks_after_repeated_wrong_codes(staff_of: dict[str, Staff]) -> None:
    staff = staff_of[Role.MUNICIPAL_ADMIN]
    staff.totp_secret = pyotp.random_base32()
    staff.save()
    totp = pyotp.TOTP(staff.totp_secret)
    wrong = f"{(int(totp.now()) + 500000) % 1000000:06d}"
    for _ in range(settings.TOTP_MAX_FAILURES - 1):
        with pytest.raises(LoginRefused, match="正しくありません"):
            verify_totp(staff, wrong)
    with pytest.raises(LoginRefused, match="続けて誤ったため"):
        verify_totp(staff, wrong)
    with pytest.raises(LoginRefused, match="受け付けません"):
        verify_totp(staff, totp.now())  # even the right code, while locked
    staff.refresh_from_db()
    assert not staff.totp_enabled and staff.totp_locked_until is not None
