"""Login with lockout, and TOTP two-factor for administrators, secretariat and operator."""

from __future__ import annotations

import datetime as dt

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lgcloud.platform.accounts import throttle
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.audit import services as audit
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.tenancy.context import Actor, municipality_scope

TOTP_ISSUER = "lgcloud"


class LoginRefused(LgcloudError):
    status_code = 401


BAD_CREDENTIALS = "ユーザー名またはパスワードが正しくありません。"


def _as_actor(staff: Staff, channel: str) -> Actor:
    return Actor(username=staff.username, role=staff.role, channel=channel, staff_id=staff.pk)


def _audit_login(staff: Staff, action: str, channel: str, detail: dict | None = None) -> None:
    with municipality_scope(staff.municipality, _as_actor(staff, channel)):
        audit.record(action, obj=staff, object_type="Staff", detail=detail or {})


def check_password_login(username: str, password: str, *, channel: str = "web", address: str = "") -> Staff:
    """Return the staff member, or raise LoginRefused with what the person should know.

    Failures are counted per (username, address) and per address (`throttle`), for unknown usernames
    exactly as for known ones, and committed before the refusal is raised: a rollback must not erase
    them. A lock stops that address only, so nobody can lock a clerk out from elsewhere.
    """
    refusal = _password_login(username, password, channel, address)
    if isinstance(refusal, str):
        raise LoginRefused(refusal)
    return refusal


def _locked_message(until: dt.datetime) -> str:
    local = timezone.localtime(until)
    return (
        f"ログインに続けて失敗したため、この端末からのこのアカウントへのログインは{local:%H時%M分}まで"
        "ロックされています。時間をおいて再度お試しいただくか、管理者に連絡してください。"
    )


@transaction.atomic
def _password_login(username: str, password: str, channel: str, address: str) -> Staff | str:
    now = timezone.now()
    pair, addr = throttle.pair_key(username, address), throttle.address_key(address)
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to municipality.
    staff = (
        Staff.objects.select_for_update(of=("self",)).select_related("municipality").filter(username=username).first()
    )
    blocked = throttle.locked_until(addr, now) or throttle.locked_until(pair, now)
    if blocked:
        if staff is not None:
            _audit_login(staff, "login.refused_locked", channel)
        return _locked_message(blocked)
    if staff is None or not staff.check_password(password):
        if staff is None:
            Staff().set_password(password)  # spend the same time as a real check; same answers as a wrong password
        else:
            staff.failed_logins += 1
        locked = throttle.fail(pair, settings.LOGIN_MAX_FAILURES, now)
        throttle.fail(addr, throttle.address_limit(), now)
        if staff is not None:
            if locked:
                staff.failed_logins = 0
            staff.save(update_fields=["failed_logins"])
            _audit_login(staff, "login.failed", channel, {"locked": bool(locked)})
        if locked:
            return (
                f"ログインに{settings.LOGIN_MAX_FAILURES}回続けて失敗したため、この端末からのこのアカウントへの"
                f"ログインを{settings.LOGIN_LOCKOUT_MINUTES}分間ロックしました。"
            )
        return BAD_CREDENTIALS
    if not staff.is_active:
        _audit_login(staff, "login.refused_inactive", channel)
        return "このアカウントは無効にされています。管理者に連絡してください。"
    if staff.municipality is not None and not staff.municipality.is_active_member():
        _audit_login(staff, "login.refused_not_member", channel)
        return f"{staff.municipality}は現在グループの構成団体ではないため、ログインできません。"
    throttle.clear(pair)
    staff.failed_logins = 0
    staff.locked_until = None
    staff.last_login = now
    # check_password may have upgraded the hash; keep that write.
    staff.save(update_fields=["failed_logins", "locked_until", "last_login", "password"])
    _audit_login(staff, "login.password_ok", channel)
    return staff


def totp_for(staff: Staff) -> pyotp.TOTP:
    return pyotp.TOTP(staff.totp_secret)


def start_totp_enrolment(staff: Staff) -> str:
    """Create (or keep) an unconfirmed secret; returns the otpauth:// URI for the QR code."""
    if not staff.totp_secret or not staff.totp_enabled:
        if not staff.totp_secret:
            staff.totp_secret = pyotp.random_base32()
            staff.save(update_fields=["totp_secret"])
    return totp_for(staff).provisioning_uri(name=staff.username, issuer_name=TOTP_ISSUER)


def _clean_code(code: str) -> str:
    return (code or "").strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(" ", "")


def _well_formed(code: str) -> bool:
    code = _clean_code(code)
    return len(code) == 6 and all(c in "0123456789" for c in code)


def _matching_counter(staff: Staff, code: str) -> int | None:
    code = _clean_code(code)
    if not _well_formed(code) or not staff.totp_secret:
        return None
    totp = totp_for(staff)
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=30 * drift)
        if totp.verify(code, for_time=at, valid_window=0):
            return totp.timecode(at)
    return None


def verify_totp(staff: Staff, code: str, *, channel: str = "web") -> None:
    """Check a one-time code; a code is accepted once only (no replay). After `TOTP_MAX_FAILURES` wrong
    codes in a row the step locks for the lockout period (only someone who knew the password gets here)."""
    refusal = _verify_totp(staff, code, channel)
    if refusal:
        raise LoginRefused(refusal)


@transaction.atomic
def _verify_totp(staff: Staff, code: str, channel: str) -> str:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    now = timezone.now()
    if staff.totp_locked_until and staff.totp_locked_until > now:
        _audit_login(staff, "login.totp_refused_locked", channel)
        local = timezone.localtime(staff.totp_locked_until)
        return f"確認コードを続けて誤ったため、{local:%H時%M分}まで確認コードを受け付けません。管理者に連絡してください。"
    counter = _matching_counter(staff, code)
    if counter is None or counter <= staff.totp_last_counter:
        if not _well_formed(code):  # a typo, not a guess: not counted towards the lock
            _audit_login(staff, "login.totp_failed", channel, {"malformed": True})
            return "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。"
        staff.totp_failures += 1
        locked = staff.totp_failures >= settings.TOTP_MAX_FAILURES
        if locked:
            staff.totp_failures = 0
            staff.totp_locked_until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        staff.save(update_fields=["totp_failures", "totp_locked_until"])
        _audit_login(staff, "login.totp_failed", channel, {"locked": locked})
        if locked:
            return (f"確認コードを{settings.TOTP_MAX_FAILURES}回続けて誤ったため、"
                    f"{settings.LOGIN_LOCKOUT_MINUTES}分間確認コードを受け付けません。")
        return "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。"
    staff.totp_last_counter = counter
    staff.totp_failures = 0
    staff.totp_locked_until = None
    first = not staff.totp_enabled
    staff.totp_enabled = True
    staff.save(update_fields=["totp_last_counter", "totp_enabled", "totp_failures", "totp_locked_until"])
    _audit_login(staff, "login.totp_enrolled" if first else "login.totp_ok", channel)
    return ""
