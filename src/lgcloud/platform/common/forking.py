"""Forking a worker process safely: the one way the project's batches start a child.

The child closes the descriptors it must not keep, ignores ^C (the caller's ^C stops the caller, which ends its
workers), runs `run` and leaves by `os._exit` — 0, or 1 if `run` raised — so it never returns into the caller's code
(no `finally` of the caller, no atexit, no flush of the inherited database connections). Whether forking is safe at
all (a single-threaded caller) is the caller's to decide before it calls.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable


def fork_child(run: Callable[[], object], *, close: Iterable[int] = ()) -> int:
    """Start `run` in a forked child; returns the child's pid in the caller."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            for fd in close:
                os.close(fd)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            run()
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid
