"""Login with lockout, and TOTP two-factor for administrators, secretariat and operator."""

from __future__ import annotations

import datetime as dt

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

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


def check_password_login(username: str, password: str, *, channel: str = "web") -> Staff:
    """Return the staff member, or raise LoginRefused with what the person should know.

    The failure count and the audit record of a refused login are committed
    before the refusal is raised: a rollback must not erase them.
    """
    refusal = _password_login(username, password, channel)
    if isinstance(refusal, str):
        raise LoginRefused(refusal)
    return refusal


@transaction.atomic
def _password_login(username: str, password: str, channel: str) -> Staff | str:
    now = timezone.now()
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to municipality.
    staff = (
        Staff.objects.select_for_update(of=("self",)).select_related("municipality").filter(username=username).first()
    )
    if staff is None:
        # Same message as a wrong password, so usernames cannot be probed.
        Staff().set_password(password)  # spend the same time as a real check
        return BAD_CREDENTIALS
    if staff.locked_until and staff.locked_until > now:
        local = timezone.localtime(staff.locked_until)
        _audit_login(staff, "login.refused_locked", channel)
        return (
            f"ログインに{settings.LOGIN_MAX_FAILURES}回続けて失敗したため、このアカウントは"
            f"{local:%H時%M分}までロックされています。時間をおいて再度お試しいただくか、管理者に連絡してください。"
        )
    if not staff.check_password(password):
        staff.failed_logins += 1
        locked = staff.failed_logins >= settings.LOGIN_MAX_FAILURES
        if locked:
            staff.locked_until = now + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            staff.failed_logins = 0
        staff.save(update_fields=["failed_logins", "locked_until"])
        _audit_login(staff, "login.failed", channel, {"locked": locked})
        if locked:
            return (
                f"ログインに{settings.LOGIN_MAX_FAILURES}回続けて失敗したため、アカウントを"
                f"{settings.LOGIN_LOCKOUT_MINUTES}分間ロックしました。"
            )
        return BAD_CREDENTIALS
    if not staff.is_active:
        _audit_login(staff, "login.refused_inactive", channel)
        return "このアカウントは無効にされています。管理者に連絡してください。"
    if staff.municipality is not None and not staff.municipality.is_active_member():
        _audit_login(staff, "login.refused_not_member", channel)
        return f"{staff.municipality}は現在グループの構成団体ではないため、ログインできません。"
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


def _matching_counter(staff: Staff, code: str) -> int | None:
    code = (code or "").strip().translate(str.maketrans("０１２３４５６７８９", "0123456789")).replace(" ", "")
    if not (code.isdigit() and len(code) == 6) or not staff.totp_secret:
        return None
    totp = totp_for(staff)
    now = timezone.now()
    for drift in (0, -1, 1):
        at = now + dt.timedelta(seconds=30 * drift)
        if totp.verify(code, for_time=at, valid_window=0):
            return totp.timecode(at)
    return None


def verify_totp(staff: Staff, code: str, *, channel: str = "web") -> None:
    """Check a one-time code; a code is accepted once only (no replay)."""
    if not _verify_totp(staff, code, channel):
        raise LoginRefused("確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。")


@transaction.atomic
def _verify_totp(staff: Staff, code: str, channel: str) -> bool:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    counter = _matching_counter(staff, code)
    if counter is None or counter <= staff.totp_last_counter:
        _audit_login(staff, "login.totp_failed", channel)
        return False
    staff.totp_last_counter = counter
    first = not staff.totp_enabled
    staff.totp_enabled = True
    staff.save(update_fields=["totp_last_counter", "totp_enabled"])
    _audit_login(staff, "login.totp_enrolled" if first else "login.totp_ok", channel)
    return True
