"""A tiny synthetic hot path for the perf machinery's own tests."""

from __future__ import annotations

import contextlib
import time
from typing import Any, ClassVar

import pytest
from django.contrib.auth import get_user_model

from perf.harness import REGISTRY, Scenario
from perf.management.commands import perf_baseline
from perf.scenarios import load_all


class CountingScenario(Scenario):
    """Runs ``queries`` SELECTs and busy-waits ``seconds``; fails when ``broken``."""

    name = "synthetic"
    description = "Synthetic: N SELECTs and a busy-wait"
    queries: ClassVar[int] = 1
    seconds: ClassVar[float] = 0.0002
    broken: ClassVar[bool] = False

    def run(self, item: Any) -> None:
        for _ in range(self.queries):
            list(get_user_model().objects.filter(pk=0))
        deadline = time.perf_counter() + self.seconds
        while time.perf_counter() < deadline:
            pass
        assert not self.broken, "synthetic response check failed"


@pytest.fixture
def synthetic(monkeypatch: pytest.MonkeyPatch, db) -> type[CountingScenario]:
    """Registers the synthetic scenario; the command runs in the test's database."""
    load_all()
    monkeypatch.setitem(REGISTRY, CountingScenario.name, CountingScenario)
    monkeypatch.setattr(perf_baseline, "throwaway_database", lambda verbosity: contextlib.nullcontext())
    return CountingScenario
