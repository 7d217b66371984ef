"""Fixtures of the perf suite: a real database, the reference route, the scenarios,
and the slowdown injector that proves the guard is sharp."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from perf.harness import REGISTRY
from perf.runner import DEFAULT_BLOCK_SIZE, DEFAULT_ROUNDS, slowed
from perf.scenarios import load_all

load_all()

#: CI can trade precision for time; the defaults are what the baselines were saved with.
GUARD_ROUNDS = int(os.environ.get("PERF_ROUNDS", DEFAULT_ROUNDS))
GUARD_BLOCK_SIZE = int(os.environ.get("PERF_BLOCK_SIZE", DEFAULT_BLOCK_SIZE))


@pytest.fixture
def perf_db(transactional_db: None) -> None:
    """A real, committing test database: hot paths broadcast on commit and take row
    locks, which a test wrapped in one rolled-back transaction would never do."""


@pytest.fixture
def slow_down(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, float], None]:
    """``slow_down(name, 1.25)``: after each call of that scenario, busy-wait for a
    quarter of the call's own service time (a CPU-bound 25% regression)."""

    def inject(name: str, factor: float) -> None:
        original = REGISTRY[name].run

        def run(self, item):  # type: ignore[no-untyped-def]
            slowed(lambda each: original(self, each), factor)(item)

        monkeypatch.setattr(REGISTRY[name], "run", run)

    return inject
