"""Structured logs: one JSON object per line (python-json-logger), each with the request id.

`LGCLOUD_LOG_FORMAT=text` gives plain lines for a developer's terminal; JSON is the default so that a
log shipper can index `request_id`, `route`, `status` and `duration_ms` without parsing prose.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from lgcloud.platform.observability import request_id

REQUEST_LOGGER = "lgcloud.request"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id.current()
        return True


def logging_config(level: str | None = None, fmt: str | None = None) -> dict[str, Any]:
    """The LOGGING setting: JSON (default) or text, always with the request id."""
    level = level or os.environ.get("LGCLOUD_LOG_LEVEL", "INFO")
    fmt = fmt or os.environ.get("LGCLOUD_LOG_FORMAT", "json")
    formatters: dict[str, Any] = {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "lgcloud.platform.observability.logs.RequestIdFilter"}},
        "formatters": formatters,
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt if fmt in formatters else "json",
                                 "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "lgcloud": {"handlers": ["console"], "level": level, "propagate": False},
            "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        },
    }
