"""文書の照合 (/verify/): anyone holding a document can check that it was issued, and that a PDF is the one issued.

Reads only the public index through services.verify (no tenant context, nothing personal): the municipality, the
date, the title and the page count — for a document of any kind, from any app.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from lgcloud.platform.common.wareki import format_wareki
from lgcloud.platform.documents.codes import normalize_code
from lgcloud.platform.documents.services import verify

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The multipart envelope around the file (boundary, headers, CSRF token) on top of the file itself.
_ENVELOPE_BYTES = 64 * 1024

UNKNOWN = "この番号の証明書は発行されていません"
TOO_BIG = "ファイルが大きすぎます。10MBまでのPDFファイルを選択してください。"


class CodeForm(forms.Form):
    code = forms.CharField(label="照合番号（16文字）", max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class UploadForm(forms.Form):
    pdf = forms.FileField(label="証明書のPDFファイル（10MBまで）",
                          widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))

    def clean_pdf(self) -> object:
        f = self.cleaned_data["pdf"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_BIG)
        return f


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """Typing in the printed code: a GET form that leads to the document's page."""
    form = CodeForm(request.GET or None)
    if form.is_valid():
        code = normalize_code(form.cleaned_data["code"])
        if code is not None:
            return redirect("verify:document", code=code)
        form.add_error("code", "照合番号は16文字の英字と数字（2〜7）です。証明書に印字された番号をご確認ください。")
    return render(request, "documents/verify_lookup.html", {"form": form})


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # CSRF is checked in _document, after the size check: the token sits in the multipart body
@require_http_methods(["GET", "HEAD", "POST"])
def document(request: HttpRequest, code: str) -> HttpResponse:
    if request.method == "POST" and _content_length(request) > MAX_UPLOAD_BYTES + _ENVELOPE_BYTES:
        return _page(request, code, status=413, error=TOO_BIG)
    return _document(request, code)


@csrf_protect
def _document(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, code)


def _page(request: HttpRequest, raw_code: str, *, status: int = 200, error: str = "") -> HttpResponse:
    found = verify(raw_code)
    if found is None:
        return render(request, "documents/verify.html", {"unknown": UNKNOWN, "code_form": CodeForm()}, status=404)
    form = UploadForm()
    matches = None
    if request.method == "POST" and not error:
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            matches = found.matches(form.cleaned_data["pdf"].chunks())
        else:
            status = 400
    issued = timezone.localtime(found.issued_at)
    return render(request, "documents/verify.html", {
        "entry": found,
        "code": found.code,
        "municipality": found.municipality,
        "issued_on": format_wareki(issued.date()),
        "issued_time": f"{issued.hour}時{issued.minute:02d}分",
        "form": form,
        "matches": matches,
        "error": error,
    }, status=status)
