"""Small helpers for driving PostgreSQL's own tools (pg_ctl, pgBackRest) from the drill and the backups."""

from __future__ import annotations

import glob
import os
from pathlib import Path


def as_postgres(cmd: list[str]) -> list[str]:
    """The command run as the postgres user when we are root (the server refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def pgbin() -> Path:
    """PostgreSQL's binaries: $PGBIN, else the newest /usr/lib/postgresql/*/bin."""
    found = os.environ.get("PGBIN") or (sorted(glob.glob("/usr/lib/postgresql/*/bin")) or [""])[-1]
    return Path(found)
