"""One pytest-benchmark benchmark per registered scenario (the reference included).

Each call asserts its response (``Scenario.run``), so a broken endpoint fails here
instead of looking fast; the exact query count of one call is stored in the
benchmark's ``extra_info``. Raw samples stay in pytest-benchmark's stats (saved with
``--benchmark-save-data``). Pass/fail on timings is the SLO guard's job
(test_slo_guard.py), not this file's.
"""

from __future__ import annotations

import pytest

from perf.harness import REGISTRY
from perf.runner import capture_queries

ROUNDS = 30
WARMUP = 3


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_hot_path(benchmark, perf_db, name: str) -> None:
    scenario = REGISTRY[name]()
    scenario.setup()
    benchmark.extra_info["queries"] = len(capture_queries(scenario))
    items = iter(scenario.prepare(ROUNDS + WARMUP))
    benchmark.pedantic(scenario.run, setup=lambda: ((next(items),), {}), rounds=ROUNDS, warmup_rounds=WARMUP)
    assert len(benchmark.stats.stats.data) == ROUNDS
