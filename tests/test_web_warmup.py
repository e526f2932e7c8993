"""A web worker warms up before its first request (gunicorn's post_worker_init): URLs, API schemas, translations,
templates — and nothing of the database: no connection, no statement, no personal data, no audit record."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.template import engines


def test_warm_up_compiles_templates_and_touches_no_database() -> None:
    # No `db` fixture: pytest-django refuses any database access here, so a query or a connection would fail.
    from lgcloud.platform.web import warmup

    took = warmup.warm()
    assert set(took) == {"urls", "translations", "templates"}
    # The web shell's base template is compiled and kept by the cached loader (DEBUG off, as in production).
    engine: Any = engines["django"].engine
    cached = [loader for loader in engine.template_loaders if hasattr(loader, "get_template_cache")]
    assert cached and "web/base.html" in cached[0].get_template_cache


def test_gunicorn_runs_the_warm_up_after_a_worker_starts_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import lgcloud.platform.observability.gunicorn_conf as conf
    from lgcloud.platform.web import warmup

    calls: list[str] = []
    monkeypatch.setattr(warmup, "warm", lambda: calls.append("warm") or {"urls": 0.5})
    logged: list[str] = []
    worker = SimpleNamespace(log=SimpleNamespace(info=logged.append))
    monkeypatch.delenv("LGCLOUD_GUNICORN_WARMUP", raising=False)
    importlib.reload(conf).post_worker_init(worker)
    assert calls == ["warm"] and logged == ["warm-up: urls 500 ms"]
    monkeypatch.setenv("LGCLOUD_GUNICORN_WARMUP", "0")
    importlib.reload(conf).post_worker_init(worker)
    assert calls == ["warm"]
