"""個人番号: check digit, encryption at rest with a per-municipality key, masking, keyed search hash.

Keys derive from one master key (LGCLOUD_MASTER_KEY, or var/master_key generated on first use) by HKDF
with the municipality code, so a leak of one municipality's derived key exposes no other's.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from lgcloud.platform.common.errors import ValidationFailed

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def individual_number_check_digit(first_eleven: str) -> int:
    """番号法施行令の検査用数字: P_n is the n-th digit from the right, Q_n = n+1 (n ≤ 6) or n−5."""
    total = 0
    for n in range(1, 12):
        p = int(first_eleven[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    return 0 if r <= 1 else 11 - r


def validate_individual_number(value: str) -> str:
    digits = (value or "").strip().translate(_FULLWIDTH).replace("-", "").replace(" ", "")
    if len(digits) != 12 or not digits.isdigit():
        raise ValidationFailed("個人番号は12桁の数字で入力してください。", field="individual_number")
    if int(digits[11]) != individual_number_check_digit(digits[:11]):
        raise ValidationFailed("個人番号の検査用数字が正しくありません。番号をご確認ください。", field="individual_number")
    return digits


def validate_resident_code(value: str) -> str:
    digits = (value or "").strip().translate(_FULLWIDTH)
    if len(digits) != 11 or not digits.isdigit():
        raise ValidationFailed("住民票コードは11桁の数字で入力してください。", field="resident_code")
    return digits


def mask(number: str | None) -> str:
    return "" if not number else "*" * 8 + number[-4:]


@functools.cache
def _master_key() -> bytes:
    env = os.environ.get("LGCLOUD_MASTER_KEY")
    if env:
        return base64.urlsafe_b64decode(env)
    path = settings.VAR_DIR / "master_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        path.chmod(0o600)
    return base64.urlsafe_b64decode(path.read_text().strip())


@functools.cache
def _key(municipality_code: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"lgcloud", info=purpose + municipality_code.encode()).derive(
        _master_key()
    )


def encrypt(municipality_code: str, plaintext: str) -> str:
    nonce = secrets.token_bytes(12)
    ct = AESGCM(_key(municipality_code, b"enc:")).encrypt(nonce, plaintext.encode(), municipality_code.encode())
    return "v1:" + base64.urlsafe_b64encode(nonce + ct).decode()


def decrypt(municipality_code: str, token: str) -> str:
    raw = base64.urlsafe_b64decode(token.removeprefix("v1:"))
    return AESGCM(_key(municipality_code, b"enc:")).decrypt(raw[:12], raw[12:], municipality_code.encode()).decode()


def search_hash(municipality_code: str, number: str) -> str:
    """Keyed hash so a clerk can search by 個人番号 without the number being stored in clear."""
    return hmac.new(_key(municipality_code, b"idx:"), number.encode(), hashlib.sha256).hexdigest()
