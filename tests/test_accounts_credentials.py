"""Own password change, reset by an administrator, API tokens: screen, command line, scope, second factor."""

from __future__ import annotations

import io
from collections.abc import Callable

import pyotp
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lgcloud.platform.accounts import credentials
from lgcloud.platform.accounts.models import ApiToken, Staff
from lgcloud.platform.accounts.roles import Role
from lgcloud.platform.audit.models import AuditRecord
from lgcloud.platform.common.errors import PermissionDenied, ValidationFailed
from lgcloud.platform.tenancy.models import Municipality
from tests.conftest import PASSWORD, logged_in

NEW = "a much longer passphrase 2026"


def _with_totp(staff: Staff) -> pyotp.TOTP:
    staff.totp_secret = pyotp.random_base32()
    staff.totp_enabled = True
    staff.save()
    return pyotp.TOTP(staff.totp_secret)


def test_staff_change_their_own_password_on_the_screen(staff_of: dict[str, Staff]) -> None:
    clerk = staff_of[Role.COUNTER_CLERK]
    client = logged_in(clerk)
    r = client.post("/account/password/", {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 400 and "現在のパスワードが正しくありません" in r.content.decode()
    r = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert r.status_code == 400 and "12" in r.content.decode()
    r = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password(NEW)
    assert client.get("/").status_code == 200  # still logged in
    assert AuditRecord.objects.filter(action="password.changed", object_id=str(clerk.pk)).count() == 1


def test_an_administrator_resets_a_password_and_the_clerk_must_change_it(staff_of: dict[str, Staff],
                                                                        make_staff: Callable[..., Staff],
                                                                        muni_b: Municipality) -> None:
    admin, clerk = staff_of[Role.MUNICIPAL_ADMIN], staff_of[Role.COUNTER_CLERK]
    temporary = credentials.reset_password(admin, clerk.username)
    clerk.refresh_from_db()
    assert clerk.check_password(temporary) and clerk.password_change_required
    client = logged_in(clerk)
    assert client.get("/").url == "/account/password/"
    client.post("/account/password/", {"old_password": temporary, "new_password1": NEW, "new_password2": NEW})
    assert client.get("/").status_code == 200
    other = make_staff(Role.COUNTER_CLERK, municipality=muni_b)
    with pytest.raises(Exception, match="見つかりません"):
        credentials.reset_password(admin, other.username)  # another municipality's clerk
    with pytest.raises(PermissionDenied):
        credentials.reset_password(clerk, admin.username)


def test_tokens_issued_listed_and_revoked_on_the_screen(staff_of: dict[str, Staff]) -> None:
    admin, clerk = staff_of[Role.MUNICIPAL_ADMIN], staff_of[Role.COUNTER_CLERK]
    client = logged_in(admin)
    r = client.post("/municipality/tokens/", {"username": clerk.username, "name": "連携システム"})
    body = r.content.decode()
    assert r.status_code == 200 and "lgc_" in body
    token = ApiToken.objects.get(staff=clerk)
    assert token.issued_by == admin.username and not token.read_only
    assert "連携システム" in client.get("/municipality/staff/").content.decode()
    r = client.post(f"/municipality/tokens/{token.pk}/revoke/")
    assert r.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    actions = set(AuditRecord.objects.filter(object_id=str(clerk.pk)).values_list("action", flat=True))
    assert {"token.issued", "token.revoked"} <= actions
    assert logged_in(clerk).get("/municipality/staff/").status_code == 403


def test_an_admin_token_needs_the_second_factor(staff_of: dict[str, Staff]) -> None:
    admin = staff_of[Role.MUNICIPAL_ADMIN]
    with pytest.raises(PermissionDenied, match="二要素認証"):
        credentials.issue_token(admin, admin.username, "管理用")
    totp = _with_totp(admin)
    with pytest.raises(ValidationFailed, match="確認コード"):
        credentials.issue_token(admin, admin.username, "管理用")
    with pytest.raises(ValidationFailed):
        credentials.issue_token(admin, admin.username, "管理用", totp="000000" if totp.now() != "000000" else "111111")
    issued = credentials.issue_token(admin, admin.username, "管理用", totp=totp.now())
    assert issued.raw.startswith("lgc_")


def test_a_read_only_token_reads_but_cannot_write(staff_of: dict[str, Staff]) -> None:
    clerk = staff_of[Role.COUNTER_CLERK]
    _token, raw = ApiToken.issue(clerk, "参照", read_only=True)
    from django.test import Client

    c = Client(headers={"Authorization": f"Bearer {raw}"})
    r = c.post("/api/v1/registry/search", data={"name": "ヤマダ"}, content_type="application/json")
    assert r.status_code == 200
    r = c.post("/api/v1/registry/events/move_in", data={}, content_type="application/json")
    assert r.status_code == 403 and "参照のみ" in r.json()["detail"]


def test_token_command_line(staff_of: dict[str, Staff]) -> None:
    clerk, admin = staff_of[Role.COUNTER_CLERK], staff_of[Role.MUNICIPAL_ADMIN]
    out = io.StringIO()
    call_command("token", "issue", "--username", clerk.username, "--name", "夜間バッチ", "--read-only", stdout=out,
                 stderr=io.StringIO())
    raw = out.getvalue().strip()
    assert raw.startswith("lgc_") and ApiToken.find(raw) is not None
    out = io.StringIO()
    call_command("token", "list", "--username", clerk.username, stdout=out)
    assert "夜間バッチ" in out.getvalue() and "参照のみ" in out.getvalue()
    with pytest.raises(CommandError, match=r"確認コード|二要素"):
        call_command("token", "issue", "--username", admin.username, "--name", "x", stdout=io.StringIO())
    token_id = ApiToken.objects.get(staff=clerk).pk
    call_command("token", "revoke", str(token_id), stdout=io.StringIO())
    assert ApiToken.find(raw) is None


def test_public_url_is_checked_at_start_up(settings: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from lgcloud.platform.web.checks import public_url

    settings.LGCLOUD_PUBLIC_URL = "https://lgcloud.example.lg.jp"  # type: ignore[attr-defined]
    settings.SECURE_COOKIES = True  # type: ignore[attr-defined]
    monkeypatch.setenv("LGCLOUD_PUBLIC_URL", "https://lgcloud.example.lg.jp")
    assert public_url() == []
    settings.LGCLOUD_PUBLIC_URL = "http://lgcloud.example.lg.jp"  # type: ignore[attr-defined]
    assert [m.id for m in public_url()] == ["web.E002"]
    settings.LGCLOUD_PUBLIC_URL = "lgcloud.example.lg.jp"  # type: ignore[attr-defined]
    assert [m.id for m in public_url()] == ["web.E001"]
    monkeypatch.delenv("LGCLOUD_PUBLIC_URL")
    settings.LGCLOUD_PUBLIC_URL = "https://lgcloud.example.lg.jp"  # type: ignore[attr-defined]
    assert [m.id for m in public_url()] == ["web.E003"]
    settings.SECURE_COOKIES = False  # type: ignore[attr-defined]
    settings.LGCLOUD_PUBLIC_URL = "http://127.0.0.1:8000"  # type: ignore[attr-defined]
    assert public_url() == []


def test_api_reference_is_served_under_the_projects_csp() -> None:
    from django.test import Client

    r = Client().get("/api/v1/docs")
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    body = r.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body and "cdn" not in body.lower()
