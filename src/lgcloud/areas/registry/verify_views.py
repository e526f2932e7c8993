"""証明書の照合: anyone holding a certificate can check that it was issued, and that a PDF is the one issued.

Reads only IssuedCertificateIndex (no tenant context, nothing personal): the municipality, the date,
the kind and the page count.
"""

from __future__ import annotations

import hashlib
import hmac

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from lgcloud.areas.registry.certificates import format_code, normalize_code
from lgcloud.areas.registry.models import IssuedCertificateIndex
from lgcloud.platform.common.wareki import format_wareki

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The multipart envelope around the file (boundary, headers, CSRF token) on top of the file itself.
_ENVELOPE_BYTES = 64 * 1024

UNKNOWN = "この番号の証明書は発行されていません"


class CodeForm(forms.Form):
    code = forms.CharField(label="照合番号（16文字）", max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class UploadForm(forms.Form):
    pdf = forms.FileField(label="証明書のPDFファイル（10MBまで）",
                          widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def clean_pdf(self) -> object:
        f = self.cleaned_data["pdf"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます。10MBまでのPDFファイルを選択してください。")
        return f


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """Typing in the printed code: a GET form that leads to the certificate's page."""
    form = CodeForm(request.GET or None)
    if form.is_valid():
        code = normalize_code(form.cleaned_data["code"])
        if code is not None:
            return redirect("verify:certificate", code=code)
        form.add_error("code", "照合番号は16文字の英字と数字（2〜7）です。証明書に印字された番号をご確認ください。")
    return render(request, "registry/verify_lookup.html", {"form": form})


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # CSRF is checked in _certificate, after the size check: the token sits in the multipart body
@require_http_methods(["GET", "HEAD", "POST"])
def certificate(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST" and _content_length(request) > MAX_UPLOAD_BYTES + _ENVELOPE_BYTES:
        return _page(request, code, status=413,
                     error="ファイルが大きすぎます。10MBまでのPDFファイルを選択してください。")
    return _certificate(request, code)


@csrf_protect
def _certificate(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, code)


def _page(request: HttpRequest, raw_code: str, *, status: int = 200, error: str = "") -> HttpResponse:
    code = normalize_code(raw_code)
    entry = None
    if code is not None:
        entry = IssuedCertificateIndex.objects.select_related("municipality").filter(code=code).first()
    if entry is None:
        return render(request, "registry/verify.html", {"unknown": UNKNOWN, "code_form": CodeForm()}, status=404)
    form = UploadForm()
    matches = None
    if request.method == "POST" and not error:
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            digest = hashlib.sha256()
            for chunk in form.cleaned_data["pdf"].chunks():
                digest.update(chunk)
            matches = hmac.compare_digest(digest.hexdigest(), entry.content_sha256)
        else:
            status = 400
    issued = timezone.localtime(entry.issued_at)
    return render(request, "registry/verify.html", {
        "entry": entry,
        "code": format_code(entry.code),
        "municipality": f"{entry.municipality.prefecture}{entry.municipality.name}",
        "issued_on": format_wareki(issued.date()),
        "issued_time": f"{issued.hour}時{issued.minute:02d}分",
        "form": form,
        "matches": matches,
        "error": error,
    }, status=status)
