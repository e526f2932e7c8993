from __future__ import annotations

import datetime as dt

from django import forms


class LoginForm(forms.Form):
    username = forms.CharField(
        label="ユーザー名",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="パスワード", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TotpForm(forms.Form):
    code = forms.CharField(
        label="確認コード（6桁）", max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class JoinMemberForm(forms.Form):
    code = forms.CharField(label="全国地方公共団体コード（6桁）", max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    joined_on = forms.DateField(label="加入日", initial=dt.date.today, widget=forms.DateInput(attrs={"type": "date"}))
    population = forms.IntegerField(label="人口（任意）", required=False, min_value=0)


class OverrideForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    fiscal_year = forms.IntegerField(widget=forms.HiddenInput)
    value = forms.CharField(label="設定値", max_length=100)
    reason = forms.CharField(label="理由", max_length=300, required=False)
