"""Forms render the fields; the services validate (the web and the API give the same Japanese messages)."""

from __future__ import annotations

from typing import Any

from django import forms

from lgcloud.group.customization.models import BusinessArea, Reason


class _CheckedByService:
    """Marked required (label and aria), but the service checks it and names the field in Japanese."""

    def validate(self, value: Any) -> None:
        return None


class _Text(_CheckedByService, forms.CharField):
    pass


def _select(choices: Any) -> forms.Select:
    return forms.Select(choices=[("", "選んでください"), *choices])


class FileRequestForm(forms.Form):
    business_area = _Text(label="業務", widget=_select(BusinessArea.choices))
    topic = _Text(label="件名", widget=forms.TextInput(attrs={"list": "topic-suggestions", "autocomplete": "off"}))
    description = _Text(label="要望内容", widget=forms.Textarea(attrs={"rows": 5}))
    reason = _Text(label="理由", widget=_select(Reason.choices))
    estimated_cost = _Text(label="見積額（円）", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    cases_per_year = _Text(label="年間件数", widget=forms.TextInput(attrs={"inputmode": "numeric"}))


def show_errors(form: forms.Form, errors: dict[str, str]) -> None:
    """Put the service's messages on their fields (Django then marks the input aria-invalid, described by them)."""
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)


class CommentForm(forms.Form):
    body = _Text(label="意見", widget=forms.Textarea(attrs={"rows": 3}))

