"""One pytest-benchmark benchmark per registered scenario: the seed's own command.

``pytest tests/perf --benchmark-only --benchmark-json=FILE`` yields, per hot path,
pytest-benchmark's stats plus, in ``extra_info``, what its JSON lacks
(ionelmc/pytest-benchmark#92): p50/p95/p99 in milliseconds over the timed rounds
(``perf.stats.percentile``, the method docs/perf.md states) and the exact query
count of one call. Each call asserts its response (``Scenario.run``), so a broken
endpoint fails here instead of looking fast. Pass/fail on timings is the SLO
guard's job (test_slo_guard.py), not this file's.
"""

from __future__ import annotations

import pytest

from perf import stats
from perf.harness import REGISTRY, capture_queries, hot_path_names

ROUNDS = 30
WARMUP = 3


@pytest.mark.parametrize("name", hot_path_names())
def test_hot_path(benchmark, perf_db, name: str) -> None:
    scenario = REGISTRY[name]()
    scenario.setup()
    benchmark.extra_info["queries"] = len(capture_queries(scenario))
    items = iter(scenario.prepare(ROUNDS + WARMUP))
    benchmark.pedantic(scenario.run, setup=lambda: ((next(items),), {}), rounds=ROUNDS, warmup_rounds=WARMUP)
    samples = benchmark.stats.stats.data
    assert len(samples) == ROUNDS
    benchmark.extra_info.update({f"p{q}_ms": round(stats.percentile(samples, q) * 1000, 4) for q in (50, 95, 99)})
