"""The reference workload: the SLO guard's yardstick (docs/perf.md).

An authenticated DRF POST doing one SELECT and one INSERT through the same
middleware as every hot path. Each hot path's latency is divided by this one's,
measured in the same round, so a machine that is slower right now (another
process on the core, a cold cache) moves both and cancels out.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from accounts.services import user_create
from perf.harness import Scenario, api_client, expect, register

PATH = "/api/perf/reference/"


@register
class ReferenceScenario(Scenario):
    name = "reference"
    description = "Calibration: token-authenticated DRF POST, one SELECT + one INSERT"

    def setup(self) -> None:
        _user, token = user_create(username=f"perf-ref-{uuid.uuid4().hex[:12]}", password=uuid.uuid4().hex)
        self.client = api_client(token=token.key)
        self.counter = itertools.count(1)

    def prepare(self, count: int) -> list[Any]:
        return [f"payload-{next(self.counter)}" for _ in range(count)]

    def run(self, item: Any) -> None:
        response = self.client.post(PATH, {"payload": item}, format="json")
        expect(response, 201, lambda body: body["payload"] == item)
