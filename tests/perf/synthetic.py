"""Synthetic hot paths that prove the perf machinery independently of the product's.

Importing this module registers them (``perf_baseline --with tests.perf.synthetic``;
the unit tests add them with ``monkeypatch``). They go through real endpoints and
the real middleware, at different costs, plus one pure busy-wait of a controlled
time; none of them belongs in a committed baseline.
"""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

from accounts.services import user_create
from perf.harness import Scenario, api_client, expect, register

PASSWORD = "synthetic-horse-battery-staple"


class _Authenticated(Scenario):
    def setup(self) -> None:
        self.user, token = user_create(username=f"synth-{uuid.uuid4().hex[:12]}", password=PASSWORD)
        self.client = api_client(token=token.key)
        self.counter = itertools.count(1)

    def prepare(self, count: int) -> list[Any]:
        return [f"{uuid.uuid4().hex[:8]}-{next(self.counter)}" for _ in range(count)]


@register
class MeScenario(_Authenticated):
    name = "synthetic_me"
    description = "Synthetic: GET /api/auth/me/"

    def run(self, item: Any) -> None:
        expect(self.client.get("/api/auth/me/"), 200, lambda body: body["id"] == self.user.pk)


@register
class BurstScenario(_Authenticated):
    name = "synthetic_burst"
    description = "Synthetic: three reference POSTs in a row"

    def run(self, item: Any) -> None:
        for part in range(3):
            response = self.client.post("/api/perf/reference/", {"payload": f"{item}-{part}"}, format="json")
            expect(response, 201)


@register
class BusyScenario(Scenario):
    name = "synthetic_busy"
    description = "Synthetic: 1 ms busy-wait, no I/O"
    seconds = 0.001

    def run(self, item: Any) -> None:
        deadline = time.perf_counter() + self.seconds
        while time.perf_counter() < deadline:
            pass
