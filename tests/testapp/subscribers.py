"""Toy subscribers for the events tests.

`testapp.births` records every call (so a test can count deliveries); with LGCLOUD_TEST_HANG_IN_HANDLER
set to a path it writes its row, touches that file and hangs inside its transaction (to be killed).
`testapp.census` keeps its own table of residents from every registry event: idempotent state.
`testapp.flaky` raises while FAILING is set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from lgcloud.platform.events import subscriber
from tests.testapp.models import Delivery, ToyResident

FAILING: set[str] = set()  # kinds testapp.flaky refuses
FAILING_IN: set[int] = set()  # municipalities (ids) where it refuses everything


@subscriber("testapp.births", kinds={"registry.birth"})
def on_birth(event: Any) -> None:
    Delivery.objects.create(subscriber="testapp.births", event_id=event.pk, kind=event.kind,
                            person_nos=[p["person_no"] for p in event.payload["persons"]])
    hang = os.environ.get("LGCLOUD_TEST_HANG_IN_HANDLER")
    if hang:
        Path(hang).write_text(str(os.getpid()))
        time.sleep(600)


@subscriber("testapp.census", kinds={"registry.*"})
def on_registry(event: Any) -> None:
    for p in event.payload["persons"]:
        ToyResident.objects.update_or_create(
            person_no=p["person_no"],
            defaults={"status": p["status"], "household_no": p["household_no"], "birth_date": p["birth_date"] or ""},
        )


@subscriber("testapp.flaky", kinds={"registry.birth", "registry.move_in"})
def flaky(event: Any) -> None:
    if event.kind in FAILING or event.municipality_id in FAILING_IN:
        raise RuntimeError(f"toy failure on {event.kind}")
    Delivery.objects.create(subscriber="testapp.flaky", event_id=event.pk, kind=event.kind)
