"""perf.stats: percentiles by the documented method, the Mann-Whitney test, and
the guard's decisions on hand-built documents (no timing anywhere)."""

from __future__ import annotations

import math

import pytest

from perf import guard, stats


def test_percentile_interpolates_between_closest_ranks() -> None:
    samples = [4.0, 1.0, 3.0, 2.0]
    assert stats.percentile(samples, 0) == 1.0
    assert stats.percentile(samples, 50) == 2.5
    assert stats.percentile(samples, 100) == 4.0
    assert stats.percentile(list(range(1, 11)), 95) == pytest.approx(9.55)


def test_percentile_of_one_sample_is_that_sample() -> None:
    assert stats.percentile([7.0], 99) == 7.0


@pytest.mark.parametrize(("samples", "q"), [([], 50), ([1.0], 101), ([1.0], -1)])
def test_percentile_refuses_nonsense(samples: list[float], q: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        stats.percentile(samples, q)


def test_summarize_reports_milliseconds_and_throughput() -> None:
    summary = stats.summarize_ms([0.001, 0.002, 0.003, 0.004])
    assert summary == {
        "p50_ms": 2.5,
        "p95_ms": 3.85,
        "p99_ms": 3.97,
        "max_ms": 4.0,
        "mean_ms": 2.5,
        "ops_per_s": 400.0,
    }


def test_mann_whitney_exact_tail_of_complete_separation() -> None:
    # One arrangement in C(6, 3) = 20 puts all three x above all three y.
    assert stats.mann_whitney_greater([5, 6, 7], [1, 2, 3]) == pytest.approx(1 / 20)
    assert stats.mann_whitney_greater([1, 2, 3], [5, 6, 7]) == 1.0


def test_mann_whitney_exact_matches_hand_count() -> None:
    # x = [2, 4], y = [1, 3]: U = 3; arrangements with U >= 3 are U=3 and U=4: 2 of 6.
    assert stats.mann_whitney_greater([2, 4], [1, 3]) == pytest.approx(2 / 6)


def test_mann_whitney_with_ties_uses_normal_approximation() -> None:
    p_value = stats.mann_whitney_greater([5, 6, 7, 7], [1, 2, 3, 7])
    assert 0.05 < p_value < 0.15
    assert math.isclose(stats.mann_whitney_greater([1, 1], [1, 1]), 0.5, abs_tol=0.5)


def entry(blocks: list[float], *, queries: int = 3, p95: float = 2.0, samples: list[float] | None = None) -> dict:
    return {
        "normalized_samples": samples if samples is not None else [value * 0.9 for value in blocks * 5],
        "p50_ms": 1.0,
        "p95_ms": p95,
        "p99_ms": 3.0,
        "max_ms": 4.0,
        "ops_per_s": 500.0,
        "rounds": len(blocks),
        "queries": queries,
        "normalized_block_p95": blocks,
    }


def document(paths: dict[str, dict]) -> dict:
    return {"schema_version": 1, "vendor": "sqlite", "reference": entry([1.0]), "hot_paths": paths}


BASE = [1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.00, 1.02, 0.98]


def test_guard_passes_the_same_distribution() -> None:
    (verdict,) = guard.compare(document({"a": entry(BASE)}), document({"a": entry(BASE)}))
    assert (verdict.status, verdict.failed, verdict.ratio) == (guard.OK, False, 1.0)


def test_guard_fails_a_consistent_25_percent_slowdown() -> None:
    slower = [value * 1.25 for value in BASE]
    (verdict,) = guard.compare(document({"a": entry(BASE)}), document({"a": entry(slower)}))
    assert verdict.status == guard.REGRESSION
    assert verdict.ratio == pytest.approx(1.25)
    assert verdict.p_value is not None
    assert verdict.p_value < guard.ALPHA


def test_guard_ignores_a_slow_median_made_of_two_noisy_rounds() -> None:
    noisy = [*BASE[:8], 3.0, 3.0]
    (verdict,) = guard.compare(document({"a": entry(BASE)}), document({"a": entry(noisy)}))
    assert verdict.status == guard.OK


def test_guard_reports_but_does_not_fail_slow_blocks_without_slower_calls() -> None:
    slower_blocks = [value * 1.3 for value in BASE]
    unchanged_calls = entry(BASE)["normalized_samples"]
    (verdict,) = guard.compare(
        document({"a": entry(BASE)}), document({"a": entry(slower_blocks, samples=unchanged_calls)})
    )
    assert (verdict.status, verdict.failed) == (guard.SLOWER, False)
    assert verdict.p_value is not None
    assert verdict.p_value > guard.ALPHA


def test_guard_does_not_fail_a_slowdown_within_15_percent() -> None:
    slower = [value * 1.10 for value in BASE]
    (verdict,) = guard.compare(document({"a": entry(BASE)}), document({"a": entry(slower)}))
    assert (verdict.status, verdict.failed) == (guard.OK, False)


def test_guard_fails_query_growth_whatever_the_timings() -> None:
    faster = [value / 2 for value in BASE]
    (verdict,) = guard.compare(document({"a": entry(BASE, queries=3)}), document({"a": entry(faster, queries=4)}))
    assert (verdict.status, verdict.detail) == (guard.QUERY_GROWTH, "4 queries per request, baseline 3")


def test_guard_flags_a_hot_path_missing_from_the_baseline() -> None:
    (verdict,) = guard.compare(document({}), document({"new": entry(BASE)}))
    assert (verdict.status, verdict.failed) == (guard.NO_BASELINE, True)


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ([], "schema_version"),
        ({"schema_version": 99}, "schema_version"),
        ({"schema_version": 1, "vendor": "postgresql", "reference": {}, "hot_paths": {}}, "this database is"),
        ({"schema_version": 1, "vendor": "sqlite"}, "lacks 'reference'"),
        ({"schema_version": 1, "vendor": "sqlite", "reference": {"p50_ms": 1}, "hot_paths": {}}, "lacks"),
    ],
)
def test_validate_refuses_unusable_baselines(broken: object, message: str) -> None:
    with pytest.raises(guard.InvalidBaseline, match=message):
        guard.validate(broken, vendor="sqlite")
