"""Synthetic hot paths that prove the perf machinery independently of the product's.

Importing this module registers them: ``perf_baseline --with tests.perf.synthetic``
imports it in every worker. ``synthetic_me`` goes through a real endpoint and the
real middleware; ``synthetic_busy`` is a pure busy-wait of a controlled time. None of
them belongs in a committed baseline.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from django.contrib.auth import get_user_model

from accounts.services import user_create
from perf.harness import Scenario, api_client, expect, register

PASSWORD = "synthetic-horse-battery-staple"
#: SELECTs each ``synthetic_me`` call adds; a test's copy of the tree edits it to grow the count.
EXTRA_QUERIES = 1


@register
class MeScenario(Scenario):
    name = "synthetic_me"
    description = "Synthetic: GET /api/auth/me/ and EXTRA_QUERIES more SELECTs"

    def setup(self) -> None:
        self.user, token = user_create(username=f"synth-{uuid.uuid4().hex[:12]}", password=PASSWORD)
        self.client = api_client(token=token.key)

    def run(self, item: Any) -> None:
        expect(self.client.get("/api/auth/me/"), 200, lambda body: body["id"] == self.user.pk)
        for _ in range(EXTRA_QUERIES):
            list(get_user_model().objects.filter(pk=0))
        assert os.environ.get("SYNTHETIC_BROKEN") != "1", "synthetic response check failed"


@register
class BusyScenario(Scenario):
    name = "synthetic_busy"
    description = "Synthetic: 1 ms busy-wait, no I/O"
    seconds = 0.001

    def run(self, item: Any) -> None:
        deadline = time.perf_counter() + self.seconds
        while time.perf_counter() < deadline:
            pass
