"""Supply chain: the vendored front-end files are the ones listed, and every Python dependency is locked
with hashes (issue: continuity, item 7)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "src/lgcloud/platform/web/static/lgcloud/vendor"


def test_every_vendored_file_is_listed_with_its_checksum():
    listed = dict(re.findall(r"^\| ([\w.-]+) \|.*\| `([0-9a-f]{64})` \|$", (VENDOR / "README.md").read_text(), re.M))
    files = {p.name for p in VENDOR.iterdir() if p.name != "README.md"}
    assert files == set(listed), "every vendored file is listed in vendor/README.md, and only those"
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, f"{name} differs from its listing"


def test_every_locked_requirement_is_pinned_with_a_hash():
    for lock in ("run.lock", "test.lock"):
        text = (ROOT / "requirements" / lock).read_text()
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1] if text.startswith("#") else text)
        packages = [e for e in entries if re.match(r"^[A-Za-z0-9][\w.-]*==", e)]
        assert len(packages) > 20, lock
        for entry in packages:
            assert "--hash=sha256:" in entry, f"{lock}: {entry.splitlines()[0]} has no hash"
        names = {e.split("==")[0].lower() for e in packages}
        assert {"django", "psycopg", "reportlab"} <= names
