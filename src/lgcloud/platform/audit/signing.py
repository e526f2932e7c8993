"""The key that signs sealed heads, and the external store of signed heads.

The key is an Ed25519 private key in a PEM file outside the database
(LGCLOUD_AUDIT_SIGNING_KEY; the embedded default generates one under var/ the
first time, a production deployment provisions it — docs/operations.md). The
signed heads are appended, one JSON line per head, to
LGCLOUD_AUDIT_HEADS_DIR/<chain>.jsonl: a directory the application's database role
cannot touch (on production the backup repository, append-only). Someone who
can rewrite the database can recompute every hash, but not sign a new head,
nor take back a head already written there.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from lgcloud.platform.common.errors import LgcloudError


class SigningKeyMissing(LgcloudError):
    status_code = 500


def key_path() -> Path:
    return Path(settings.LGCLOUD_AUDIT_SIGNING_KEY)


def heads_dir() -> Path:
    return Path(settings.LGCLOUD_AUDIT_HEADS_DIR)


def generate_key(path: Path) -> Ed25519PrivateKey:
    """Write a new private key (mode 0600) and its public key beside it (<path>.pub)."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    Path(str(path) + ".pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def signing_key() -> Ed25519PrivateKey:
    path = key_path()
    if not path.exists():
        if not settings.LGCLOUD_AUDIT_GENERATE_KEY:
            raise SigningKeyMissing(f"監査ログの署名鍵 {path} がありません（docs/operations.md の手順で用意してください）。")
        try:
            return generate_key(path)
        except FileExistsError:  # another process generated it at the same moment
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing(f"監査ログの署名鍵 {path} は Ed25519 の秘密鍵ではありません。")
    return key


def verify_key() -> Ed25519PublicKey | None:
    """The public key that checks heads: LGCLOUD_AUDIT_VERIFY_KEY (an auditor need not hold the private key),
    else derived from the signing key. None when neither exists."""
    pub = getattr(settings, "LGCLOUD_AUDIT_VERIFY_KEY", "")
    if pub and Path(pub).exists():
        key = serialization.load_pem_public_key(Path(pub).read_bytes())
        return key if isinstance(key, Ed25519PublicKey) else None
    if key_path().exists():
        return signing_key().public_key()
    return None


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Head:
    chain: str
    municipality: str  # the member's code, "" for the platform chain
    last_seq: int
    last_hash: str
    sealed_at: str  # ISO 8601
    key_id: str = ""
    signature: str = ""

    def message(self) -> bytes:
        body = {"chain": self.chain, "municipality": self.municipality, "last_seq": self.last_seq,
                "last_hash": self.last_hash, "sealed_at": self.sealed_at}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def signed(self, key: Ed25519PrivateKey) -> Head:
        sig = base64.b64encode(key.sign(self.message())).decode()
        return Head(self.chain, self.municipality, self.last_seq, self.last_hash, self.sealed_at,
                    key_id(key.public_key()), sig)

    def signature_ok(self, public: Ed25519PublicKey) -> bool:
        try:
            public.verify(base64.b64decode(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def as_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True, separators=(",", ":"))


def _chain_file(chain: str) -> Path:
    if not chain.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"chain name {chain!r}")
    return heads_dir() / f"{chain}.jsonl"


def append_head(head: Head) -> None:
    """Append one signed head to the external store (O_APPEND, fsynced)."""
    path = _chain_file(head.chain)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, (head.as_json() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def external_chains() -> list[str]:
    d = heads_dir()
    return sorted(p.stem for p in d.glob("*.jsonl")) if d.is_dir() else []


def read_heads(chain: str) -> list[Head | str]:
    """The chain's heads in the order written; an unreadable line is returned as its text."""
    path = _chain_file(chain)
    if not path.exists():
        return []
    out: list[Head | str] = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        try:
            data: dict[str, Any] = json.loads(line)
            out.append(Head(**data))
        except (ValueError, TypeError):
            out.append(line)
    return out
