"""Mixed counter load for the registry benchmark: 80% reads (search by full-name kana, person view), 20% 転居
writes, spread over the members in proportion to their residents (each member's clerk and token).
FastHttpUser (geventhttpclient): the load generator's own CPU use is printed by registry_bench.py."""

from __future__ import annotations

import json
import os
import random
import time

from locust import FastHttpUser, constant_throughput, events, task
from names import NameMaker

TARGETS = json.loads(os.environ["BENCH_TARGETS"])  # [{"token", "residents", "households", "place"}]
WEIGHTS = [t["residents"] for t in TARGETS]
PER_USER = float(os.environ.get("BENCH_PER_USER_RPS", "5"))

if os.environ.get("BENCH_REQUEST_LOG"):  # the soak (bench/soak.py) reads every request: time, kind, ms, error
    _log = open(os.environ["BENCH_REQUEST_LOG"], "a", encoding="utf-8", buffering=1)

    @events.request.add_listener
    def _logged(request_type, name, response_time, response_length, exception=None, **_kw) -> None:  # type: ignore[no-untyped-def]
        error = "" if exception is None else str(exception).replace("\t", " ").replace("\n", " ")[:200]
        _log.write(f"{time.time():.3f}\t{name}\t{response_time:.1f}\t{error}\n")


class Clerk(FastHttpUser):
    wait_time = constant_throughput(PER_USER)

    def on_start(self) -> None:
        self.names = NameMaker(random.Random())

    def _target(self) -> dict:
        return random.choices(TARGETS, weights=WEIGHTS)[0]

    def _headers(self, target: dict) -> dict[str, str]:
        return {"Authorization": f"Bearer {target['token']}"}

    @task(40)
    def search(self) -> None:
        t = self._target()
        self.client.post("/api/v1/registry/search", json={"kana": self.names.full_kana()}, headers=self._headers(t),
                         name="read: search")

    @task(40)
    def person(self) -> None:
        t = self._target()
        self.client.get(f"/api/v1/registry/persons/{random.randint(1, t['residents'])}", headers=self._headers(t),
                        name="read: person")

    @task(20)
    def move_within(self) -> None:
        t = self._target()
        body = {"household_no": random.randint(1, t["households"]),
                "address": {"address": f"{t['place']}小室{random.randint(1, 10**9)}"},
                "effective_on": "2026-11-01", "notified_on": "2026-11-02", "acknowledge_alerts": True}
        with self.client.post("/api/v1/registry/events/move_within", json=body, headers=self._headers(t),
                              name="write: 転居", catch_response=True) as r:
            # A household left without residents by the generated data answers 4xx: not a platform error.
            if r.status_code in (400, 404):
                r.success()
