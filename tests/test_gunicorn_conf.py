"""The project's gunicorn configuration spreads connections over the workers: a worker takes no more
connections than it has threads and keeps none alive, so a busy worker stops accepting."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config


def _conf(monkeypatch: pytest.MonkeyPatch, keepalive: str | None) -> Any:
    if keepalive is None:
        monkeypatch.delenv("LGCLOUD_GUNICORN_KEEPALIVE", raising=False)
    else:
        monkeypatch.setenv("LGCLOUD_GUNICORN_KEEPALIVE", keepalive)
    import lgcloud.platform.observability.gunicorn_conf as conf

    return importlib.reload(conf)


def test_a_worker_accepts_no_more_connections_than_threads_and_keeps_none_alive(
        monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _conf(monkeypatch, None)
    cfg = Config()
    cfg.set("threads", 4)
    cfg.set("keepalive", conf.keepalive)
    conf.on_starting(SimpleNamespace(cfg=cfg))
    assert cfg.keepalive == 0
    assert cfg.worker_connections == 4
    assert conf.accesslog is None


def test_keep_alive_can_be_brought_back_with_room_beside_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    conf = _conf(monkeypatch, "2")
    cfg = Config()
    cfg.set("threads", 3)
    conf.on_starting(SimpleNamespace(cfg=cfg))
    assert conf.keepalive == 2
    assert cfg.worker_connections == 6
    _conf(monkeypatch, None)
