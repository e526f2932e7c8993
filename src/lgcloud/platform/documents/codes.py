"""The verification code (照合番号) printed on every document, and the public URL it leads to."""

from __future__ import annotations

import base64
import os
import re
import secrets
import unicodedata

from django.conf import settings
from django.urls import reverse

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
_CODE_RE = re.compile(r"[A-Z2-7]{16}")


def new_verification_code() -> str:
    """80 random bits in base32 (16 characters, no 0/1/8/9 to misread)."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def normalize_code(text: str) -> str | None:
    """The code as typed or scanned (full-width, lower case, hyphens) → canonical, or None if it cannot be one."""
    code = unicodedata.normalize("NFKC", text or "").upper()
    code = re.sub(r"[\s\-ー－]", "", code)
    return code if _CODE_RE.fullmatch(code) else None


def format_code(code: str) -> str:
    """As printed: four groups of four."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def public_url() -> str:
    base = getattr(settings, "LGCLOUD_PUBLIC_URL", "") or os.environ.get("LGCLOUD_PUBLIC_URL") or DEFAULT_PUBLIC_URL
    return base.rstrip("/")


def verification_url(code: str) -> str:
    return public_url() + reverse("verify:document", args=[code], urlconf="lgcloud.platform.documents.public_urls")


class VerificationUrl(str):
    """What `build_pdf` receives: the URL to print (as text and as QR code), which also carries the code and the
    number the document was given, for the page that prints them."""

    code: str
    number: int

    def __new__(cls, code: str, number: int) -> VerificationUrl:
        url = super().__new__(cls, verification_url(code))
        url.code = code
        url.number = number
        return url
