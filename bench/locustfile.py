"""Mixed counter load for the registry benchmark: 80% reads (search, person view), 20% 異動 writes."""

from __future__ import annotations

import os
import random

from locust import HttpUser, constant_throughput, task

KANA = "サトウ スズキ タカハシ タナカ イトウ ワタナベ ヤマモト ナカムラ コバヤシ カトウ".split()
RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "1000"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "400"))
TOKEN = os.environ["BENCH_TOKEN"]
PER_USER = float(os.environ.get("BENCH_PER_USER_RPS", "5"))


class Clerk(HttpUser):
    wait_time = constant_throughput(PER_USER)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"

    @task(40)
    def search(self) -> None:
        body = {"kana": random.choice(KANA) + random.choice(["", "ヒロト", "ミサキ", "レン"])}
        self.client.post("/api/v1/registry/search", json=body, name="read: search")

    @task(40)
    def person(self) -> None:
        self.client.get(f"/api/v1/registry/persons/{random.randint(1, RESIDENTS)}", name="read: person")

    @task(20)
    def move_within(self) -> None:
        hno = random.randint(1, HOUSEHOLDS)
        body = {"household_no": hno, "address": {"address": f"埼玉県北足立郡伊奈町小室{random.randint(1, 10**9)}"},
                "effective_on": "2026-11-01", "notified_on": "2026-11-02", "acknowledge_alerts": True}
        with self.client.post("/api/v1/registry/events/move_within", json=body, name="write: 転居",
                              catch_response=True) as r:
            # A household left without residents by the generated data answers 4xx: not a platform error.
            if r.status_code in (400, 404):
                r.success()
