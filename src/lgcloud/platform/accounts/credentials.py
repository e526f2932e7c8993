"""Passwords and API tokens: a staff member changes their password; an administrator resets one, and
issues, lists and revokes API tokens for the staff of their municipality. Every step is audited.

A token for a role that needs two-factor (administrators) is only issued after the second factor:
the code of the administrator who issues it (on the screen) or of the staff member it is for (CLI).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from lgcloud.platform.accounts.models import ApiToken, Staff
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.accounts.services import LoginRefused, _audit_login, verify_totp
from lgcloud.platform.common.errors import NotFound, PermissionDenied, ValidationFailed


def _validate_new(staff: Staff, new: str, again: str) -> None:
    if new != again:
        raise ValidationFailed("新しいパスワードが確認用と一致しません。", field="new_password2")
    try:
        password_validation.validate_password(new, staff)
    except DjangoValidationError as e:
        raise ValidationFailed(" ".join(e.messages), field="new_password1") from None


@transaction.atomic
def change_password(staff: Staff, current: str, new: str, again: str) -> None:
    staff = Staff.objects.select_for_update().get(pk=staff.pk)
    if not staff.check_password(current):
        _audit_login(staff, "password.change_refused", "web")
        raise ValidationFailed("現在のパスワードが正しくありません。", field="old_password")
    if current == new:
        raise ValidationFailed("新しいパスワードは現在のものと異なるものにしてください。", field="new_password1")
    _validate_new(staff, new, again)
    staff.set_password(new)
    staff.password_change_required = False
    staff.save(update_fields=["password", "password_change_required"])
    _audit_login(staff, "password.changed", "web")


def _managed(admin: Staff, username: str) -> Staff:
    """A staff member of the administrator's own municipality (nobody else's)."""
    if not admin.has_cap(Cap.MUNICIPALITY_ADMIN) or admin.municipality_id is None:
        raise PermissionDenied("職員のアカウントを管理する権限がありません。")
    target = Staff.objects.filter(username=username, municipality_id=admin.municipality_id).first()
    if target is None:
        raise NotFound(f"職員「{username}」は見つかりません。")
    return target


@transaction.atomic
def reset_password(admin: Staff, username: str) -> str:
    """A temporary password (shown once); the staff member must change it at the next login."""
    from lgcloud.platform.tenancy.services import generate_password

    target = _managed(admin, username)
    temporary = generate_password()
    target.set_password(temporary)
    target.password_change_required = True
    target.failed_logins = 0
    target.save(update_fields=["password", "password_change_required", "failed_logins"])
    _audit_login(target, "password.reset", "web", {"by": admin.username})
    return temporary


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


def _second_factor(who: Staff, code: str | None) -> None:
    if not who.totp_enabled:
        raise PermissionDenied("管理者用の API トークンを発行するには、先に二要素認証を設定してください。")
    if not code:
        raise ValidationFailed("管理者用の API トークンの発行には確認コード（6桁）が必要です。", field="totp")
    try:
        verify_totp(who, code, channel="token")
    except LoginRefused as e:
        raise ValidationFailed(e.message, field="totp") from None


def _issue(target: Staff, name: str, read_only: bool, issued_by: str) -> IssuedToken:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("トークンの用途（名前）を入力してください。", field="name")
    if len(name) > 100:
        raise ValidationFailed("トークンの用途は100文字以内で入力してください。", field="name")
    token, raw = ApiToken.issue(target, name, read_only=read_only, issued_by=issued_by)
    _audit_login(target, "token.issued", "web", {"token": token.prefix, "name": name, "read_only": read_only,
                                                 "by": issued_by})
    return IssuedToken(token, raw)


def issue_token(admin: Staff, username: str, name: str, *, read_only: bool = False,
                totp: str | None = None) -> IssuedToken:
    """On the screen: an administrator issues a token for a staff member of their municipality."""
    target = _managed(admin, username)
    if target.needs_two_factor and not read_only:
        _second_factor(admin, totp)
    with transaction.atomic():
        return _issue(target, name, read_only, admin.username)


def issue_token_by_operator(username: str, name: str, *, read_only: bool = False,
                            totp: str | None = None) -> IssuedToken:
    """From the command line on the server: the staff member's own second factor for an admin token."""
    target = Staff.objects.filter(username=username).first()
    if target is None:
        raise NotFound(f"職員「{username}」は見つかりません。")
    if target.needs_two_factor and not read_only:
        _second_factor(target, totp)
    with transaction.atomic():
        return _issue(target, name, read_only, "command line")


def tokens_of(municipality_id: int | None, username: str | None = None) -> list[ApiToken]:
    qs = ApiToken.objects.select_related("staff").order_by("-created_at")
    if municipality_id is not None:
        qs = qs.filter(staff__municipality_id=municipality_id)
    if username:
        qs = qs.filter(staff__username=username)
    return list(qs)


@transaction.atomic
def revoke_token(token_id: int, *, admin: Staff | None = None) -> ApiToken:
    qs = ApiToken.objects.select_for_update().select_related("staff")
    if admin is not None:
        if not admin.has_cap(Cap.MUNICIPALITY_ADMIN) or admin.municipality_id is None:
            raise PermissionDenied("API トークンを管理する権限がありません。")
        qs = qs.filter(staff__municipality_id=admin.municipality_id)
    token = qs.filter(pk=token_id).first()
    if token is None:
        raise NotFound("その API トークンは見つかりません。")
    if not token.revoked:
        token.revoked, token.revoked_at = True, timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
        _audit_login(token.staff, "token.revoked", "web", {"token": token.prefix,
                                                          "by": admin.username if admin else "command line"})
    return token
