"""Own password, and an administrator's screens for staff accounts and API tokens (thin: services in
`accounts.credentials`)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lgcloud.platform.accounts import credentials
from lgcloud.platform.accounts.models import Staff
from lgcloud.platform.accounts.roles import Cap
from lgcloud.platform.common.errors import LgcloudError
from lgcloud.platform.web.decorators import require_cap, staff


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="現在のパスワード",
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label="新しいパスワード（12文字以上）",
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label="新しいパスワード（確認）",
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class TokenForm(forms.Form):
    username = forms.CharField(label="職員（ユーザー名）", max_length=150)
    name = forms.CharField(label="用途", max_length=100)
    read_only = forms.BooleanField(label="参照のみ（更新できないトークン）", required=False)
    totp = forms.CharField(label="あなたの確認コード（管理者用トークンの発行時のみ）", max_length=8, required=False,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            credentials.change_password(staff(request), form.cleaned_data["old_password"],
                                        form.cleaned_data["new_password1"], form.cleaned_data["new_password2"])
        except LgcloudError as e:
            error = e.message
        else:
            update_session_auth_hash(request, Staff.objects.get(pk=staff(request).pk))
            return redirect("home")
    return render(request, "web/password_change.html",
                  {"form": form, "error": error, "required": staff(request).password_change_required},
                  status=400 if error else 200)


def _accounts_page(request: HttpRequest, *, issued: credentials.IssuedToken | None = None,
                   temporary: tuple[str, str] | None = None, error: str | None = None,
                   form: TokenForm | None = None) -> HttpResponse:
    admin = staff(request)
    members = Staff.objects.filter(municipality=admin.municipality).order_by("username")
    return render(request, "web/staff_accounts.html", {
        "members": members, "tokens": credentials.tokens_of(admin.municipality_id),
        "form": form or TokenForm(), "issued": issued, "temporary": temporary, "error": error,
    }, status=400 if error else 200)


@require_cap(Cap.MUNICIPALITY_ADMIN)
def staff_accounts(request: HttpRequest) -> HttpResponse:
    return _accounts_page(request)


@require_cap(Cap.MUNICIPALITY_ADMIN)
@require_POST
def staff_password_reset(request: HttpRequest, username: str) -> HttpResponse:
    try:
        temporary = credentials.reset_password(staff(request), username)
    except LgcloudError as e:
        return _accounts_page(request, error=e.message)
    return _accounts_page(request, temporary=(username, temporary))


@require_cap(Cap.MUNICIPALITY_ADMIN)
@require_POST
def token_issue(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _accounts_page(request, error="職員と用途を入力してください。", form=form)
    d = form.cleaned_data
    try:
        issued = credentials.issue_token(staff(request), d["username"], d["name"], read_only=d["read_only"],
                                         totp=d.get("totp") or None)
    except LgcloudError as e:
        return _accounts_page(request, error=e.message, form=form)
    return _accounts_page(request, issued=issued)


@require_cap(Cap.MUNICIPALITY_ADMIN)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        credentials.revoke_token(token_id, admin=staff(request))
    except LgcloudError as e:
        return _accounts_page(request, error=e.message)
    return redirect("staff_accounts")
