"""What the benchmarks read from /proc: CPU seconds of a process (user + system, `/proc/PID/stat` fields 14–15) or of
this connection's PostgreSQL backend (the server runs on the same machine), and this process's resident memory (current
and peak, `/proc/self/status`). Linux only; every reader returns None (or 0 for memory) where /proc does not show it."""

from __future__ import annotations

import os
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (index 1 is the parent's pid, 11/12 utime/stime,
    13/14 the reaped children's), or None if the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def pid_cpu(pid: int | str) -> float | None:
    """User + system CPU seconds a process has used so far."""
    fields = stat_fields(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / TICK


def backend_pid() -> int | None:
    """The pid of this Django connection's PostgreSQL backend (None on another database)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return int(cur.fetchone()[0])


def backend_cpu(pid: int | None = None) -> float | None:
    """CPU seconds this connection's PostgreSQL backend (or the backend `pid`) has used so far."""
    pid = backend_pid() if pid is None else pid
    return None if pid is None else pid_cpu(pid)


def status_bytes(field: str, pid: int | str = "self") -> int:
    """A memory line of /proc/PID/status (VmRSS, VmHWM, RssAnon …) in bytes; 0 if absent."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def reset_peak_rss() -> int:
    """Reset this process's peak RSS (VmHWM) so that a later `peak_rss()` reads the peak of what follows alone;
    returns the current RSS in bytes."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return status_bytes("VmRSS")


def peak_rss() -> int:
    """This process's peak RSS in bytes (since start or the last `reset_peak_rss`)."""
    return status_bytes("VmHWM")
