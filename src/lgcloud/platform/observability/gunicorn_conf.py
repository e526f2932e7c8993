"""gunicorn settings `make run` loads (`-c python:lgcloud.platform.observability.gunicorn_conf`).

The access log is off: gunicorn would write each request's full path and query, and a search query holds
a resident's name. The application's own JSON line per request (route pattern, status, duration, request id)
replaces it. A worker that exits has its live metrics files marked dead for the multiprocess collector.
"""

from __future__ import annotations

import os
from typing import Any

accesslog = None


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
