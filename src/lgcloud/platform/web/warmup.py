"""A web worker's warm-up before it takes its first request (gunicorn's `post_worker_init`, see
`lgcloud.platform.observability.gunicorn_conf`).

A fresh worker process pays for a good deal on its first requests: importing every URL module and the API with its
~500 pydantic schemas (about 0.8 s of CPU, measured on a worker's first 照会 call), loading the translation
catalogue, reversing URLs for the first time, compiling each template. Without a warm-up that is spent on a
request's clock while its clerk (and every request queued behind it on the worker's GIL) waits — after each
deployment or restart, four workers at once on two cores. `warm()` does it before the worker accepts connections.

It reads code only: no database connection is opened, no personal data is read and no audit record is written
(`tests/test_web_warmup.py` checks that no statement runs and no connection is opened).
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings


def warm() -> dict[str, float]:
    """Import the URL configuration and the API, load the translations and compile the templates of the installed
    apps. Returns the seconds each step took (for the worker's log line)."""
    from django.apps import apps
    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import translation

    took: dict[str, float] = {}
    t = time.perf_counter()
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 — imports every URL module, the API and its schemas
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)  # cached per URLconf; asked on every request
    resolver.reverse_dict  # noqa: B018 — the reverse lookup tables ({% url %}, redirects)
    took["urls"] = time.perf_counter() - t
    t = time.perf_counter()
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("")
    took["translations"] = time.perf_counter() - t
    t = time.perf_counter()
    names: set[str] = set()
    for config in apps.get_app_configs():
        root = Path(config.path) / "templates"
        if root.is_dir():
            names.update(p.relative_to(root).as_posix() for p in root.rglob("*.html"))
    for engine in engines.all():
        for name in sorted(names):
            try:
                engine.get_template(name)  # compiled and kept by the cached loader (DEBUG off)
            except (TemplateDoesNotExist, TemplateSyntaxError):
                pass
    took["templates"] = time.perf_counter() - t
    return took
