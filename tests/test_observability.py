"""What the operator sees: request ids, JSON request logs without personal data, Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.test import Client

from lgcloud.platform.observability import metrics
from lgcloud.platform.observability.logs import logging_config
from tests.conftest import logged_in


@pytest.fixture
def request_log() -> io.StringIO:
    """The `lgcloud.request` lines as the JSON formatter writes them."""
    config = logging_config(fmt="json")
    formatter = logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["json"])  # type: ignore[attr-defined]
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    handler.addFilter(logging.config.DictConfigurator(config).configure_filter(config["filters"]["request_id"]))  # type: ignore[attr-defined]
    logger = logging.getLogger("lgcloud.request")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield out
    logger.removeHandler(handler)
    logger.setLevel(old)


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_every_response_carries_a_request_id_and_a_well_formed_one_offered_is_kept(db):
    r = Client().get("/login/")
    assert len(r.headers["X-Request-ID"]) == 32
    r = Client().get("/login/", HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert r.headers["X-Request-ID"] == "proxy-1234abcd"
    r = Client().get("/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert r.headers["X-Request-ID"] != "bad id\nwith newline"


def test_the_request_log_is_json_with_the_route_pattern_not_the_searched_name(staff_of, request_log):
    client = logged_in(staff_of["counter_clerk"])
    r = client.get("/registry/search/", {"q": "山田太郎"})
    rid = r.headers["X-Request-ID"]
    lines = [json.loads(x) for x in request_log.getvalue().splitlines() if x.strip()]
    mine = [x for x in lines if x.get("request_id") == rid]
    assert mine, lines
    entry = mine[-1]
    assert entry["route"].startswith("registry/")
    assert entry["status"] == r.status_code
    assert entry["role"] == "counter_clerk"
    assert "山田" not in request_log.getvalue()
    assert "q=" not in request_log.getvalue()


def test_metrics_count_requests_per_route_and_role_and_are_served_only_to_the_monitor(staff_of, settings):
    client = logged_in(staff_of["counter_clerk"])
    before = _sample(metrics.exposition().decode(), "lgcloud_http_requests_total", route="registry/search/",
                     role="counter_clerk", status="2xx")
    client.get("/registry/search/", {"q": "山田"})
    r = Client().get("/metrics")
    assert r.status_code == 200
    text = r.content.decode()
    after = _sample(text, "lgcloud_http_requests_total", route="registry/search/", role="counter_clerk", status="2xx")
    assert after == before + 1
    assert "lgcloud_http_request_duration_seconds_bucket" in text
    assert "lgcloud_domain_event_backlog" in text
    assert "山田" not in text

    settings.LGCLOUD_METRICS_ALLOW = ("10.0.0.9",)
    assert Client().get("/metrics").status_code == 403
    settings.LGCLOUD_METRICS_TOKEN = "scrape-secret"
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code == 200


def test_a_batch_reports_its_progress_on_the_metrics(db):
    metrics.report_progress("tax-assess-11111", 250, 1000)
    text = metrics.exposition().decode()
    assert _sample(text, "lgcloud_batch_done", job="tax-assess-11111") == 250
    assert _sample(text, "lgcloud_batch_total", job="tax-assess-11111") == 1000


def test_a_batch_command_draws_its_bar_and_reports_to_the_metrics(db):
    from lgcloud.platform.observability.progress import progress_bar

    out = io.StringIO()
    bar = progress_bar("nhi-assess-22222", unit="世帯", stream=out)
    for done in range(1, 1001):
        bar(done, 1000)
    drawn = out.getvalue()
    assert drawn.count("\r") < 20  # throttled, not one line per household
    assert drawn.endswith("1,000/1,000 世帯\033[K\n")
    text = metrics.exposition().decode()
    assert _sample(text, "lgcloud_batch_done", job="nhi-assess-22222") == 1000
    assert _sample(text, "lgcloud_batch_total", job="nhi-assess-22222") == 1000
