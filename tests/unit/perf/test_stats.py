"""perf.stats and perf.guard: percentiles by the documented method, the robust
estimators, and the guard's decisions on hand-built blocks (no timing anywhere)."""

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


def test_hodges_lehmann_is_the_median_of_pairwise_means() -> None:
    # Walsh averages of [0, 1, 10]: 0, 0.5, 5, 1, 5.5, 10 -> median 3.0.
    assert stats.hodges_lehmann([0.0, 1.0, 10.0]) == 3.0
    # One wild value among nine barely moves it, unlike the mean.
    assert stats.hodges_lehmann([1.0] * 8 + [100.0]) == 1.0


def test_the_bootstrap_is_seeded_and_flat_for_constant_values() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert stats.bootstrap(values, [stats.median]) == stats.bootstrap(values, [stats.median])
    assert {draw for (draw,) in stats.bootstrap([2.0] * 6, [stats.median])} == {2.0}


def blocks(per_round: list[float], *, size: int = 5) -> list[list[float]]:
    """Blocks of calls whose median is each round's value (a spread of +-1% around it)."""
    return [[value * (1 + (k - size // 2) / 100) for k in range(size)] for value in per_round]


#: A base whose rounds wander by +-3%, as interleaved rounds on a quiet machine do.
BASE = [1.00, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.00, 1.02, 0.98, 1.01, 0.99]
JITTER = [0.01, -0.02, 0.0, 0.015, -0.01, 0.02, -0.015, 0.005, 0.0, -0.005, 0.01, -0.01]


def judge(head: list[float], *, base: list[float] = BASE, queries: tuple[int, int] = (3, 3)) -> guard.Verdict:
    return guard.judge(
        "a", base_blocks=blocks(base), head_blocks=blocks(head), base_queries=queries[0], head_queries=queries[1]
    )


def scaled(factor: float) -> list[float]:
    return [value * factor * (1 + jitter) for value, jitter in zip(BASE, JITTER, strict=True)]


def test_guard_passes_the_same_latencies() -> None:
    verdict = judge(scaled(1.0))
    assert (verdict.status, verdict.failed, verdict.rounds) == (guard.OK, False, len(BASE))
    assert verdict.change == pytest.approx(0.0, abs=0.02)
    assert verdict.mde is not None
    assert guard.GATE < verdict.mde < 0.2


def test_guard_fails_a_consistent_20_percent_slowdown() -> None:
    verdict = judge(scaled(1.2))
    assert (verdict.status, verdict.failed) == (guard.REGRESSION, True)
    assert verdict.change == pytest.approx(0.2, abs=0.02)
    assert verdict.low is not None
    assert guard.MARGIN < verdict.low < 0.2


def test_guard_does_not_fail_a_slowdown_under_the_gate() -> None:
    verdict = judge(scaled(1.06))
    assert (verdict.status, verdict.failed) == (guard.OK, False)


def test_guard_ignores_two_rounds_that_noise_spoiled() -> None:
    noisy = scaled(1.0)
    noisy[3] = noisy[7] = 3.0
    assert judge(noisy).status == guard.OK


def test_guard_reports_but_does_not_fail_an_insignificant_slowdown() -> None:
    # Rounds that wander by +-25% and do not wander together: the estimate is above the
    # gate, but the bootstrap sees that the noise could have made it.
    wide = [1.0, 1.3, 0.8, 1.2, 0.85, 1.25, 0.9, 1.1, 0.95, 1.3, 0.8, 1.15]
    head = [value * 1.12 for value in wide[6:] + wide[:6]]
    verdict = judge(head, base=wide)
    assert (verdict.status, verdict.failed) == (guard.SLOWER, False)
    assert verdict.change == pytest.approx(0.12, abs=0.01)
    assert verdict.low is not None
    assert verdict.low < guard.MARGIN


def test_two_lucky_base_rounds_do_not_make_a_slowdown() -> None:
    # Two base rounds that ran 20% fast lower the pooled floor of the base by 20%; the
    # paired minima of the other ten rounds outvote them.
    lucky = list(BASE)
    lucky[4] = lucky[9] = 0.8
    verdict = judge(scaled(1.02), base=lucky)
    assert (verdict.status, verdict.failed) == (guard.OK, False)
    assert verdict.change is not None
    assert verdict.change < guard.GATE


def test_the_precision_weight_favours_the_steadier_estimate() -> None:
    steady, shaky = [0.10, 0.11, 0.09, 0.10], [0.0, 0.3, -0.2, 0.25]
    assert stats.precision_weight(steady, shaky) > 0.9
    assert stats.precision_weight(shaky, steady) < 0.1
    assert stats.precision_weight(steady, steady) == 0.5


def test_the_median_catches_a_slowdown_of_most_calls_that_leaves_the_floor() -> None:
    # Three calls of every five 40% slower: the fastest calls are not, the typical one is.
    most = [[call * (1.4 if k >= 2 else 1.0) for k, call in enumerate(block)] for block in blocks(scaled(1.0))]
    verdict = guard.judge("a", base_blocks=blocks(BASE), head_blocks=most, base_queries=3, head_queries=3)
    assert (verdict.status, verdict.failed) == (guard.REGRESSION, True)
    assert verdict.change == pytest.approx(0.0, abs=0.02)
    assert verdict.detail.startswith("median +40")


def test_guard_calls_a_clear_speed_up_faster() -> None:
    assert judge(scaled(0.7)).status == guard.FASTER


def test_guard_fails_query_growth_whatever_the_timings() -> None:
    verdict = judge(scaled(0.5), queries=(3, 4))
    assert (verdict.status, verdict.detail) == (guard.QUERY_GROWTH, "4 queries per request, base 3")


def test_a_hot_path_missing_from_the_base_is_new_and_passes() -> None:
    verdict = guard.judge("a", base_blocks=None, head_blocks=blocks(BASE), base_queries=None, head_queries=3)
    assert (verdict.status, verdict.failed) == (guard.NEW, False)


def test_too_few_rounds_are_not_judged_on_timing() -> None:
    verdict = judge(scaled(2.0)[: guard.MIN_PAIRED_ROUNDS - 1], base=BASE[: guard.MIN_PAIRED_ROUNDS - 1])
    assert (verdict.status, verdict.failed) == (guard.OK, False)
    assert "not judged" in verdict.detail


def test_a_path_stays_undecided_while_its_interval_spans_the_gate() -> None:
    assert guard.undecided(blocks(BASE), blocks(scaled(1.0))) is False
    assert guard.undecided(blocks(BASE), blocks(scaled(1.10))) is True
    assert guard.undecided(blocks(BASE[:3]), blocks(scaled(1.0)[:3])) is True


def test_a_clear_verdict_stays_undecided_while_the_run_is_too_blunt() -> None:
    # Clearly not slower, but a 15% slowdown could have hidden in this noise.
    wide = [1.0, 1.3, 0.8, 1.2, 0.85, 1.25, 0.9, 1.1, 0.95, 1.3, 0.8, 1.15]
    found = guard.floor_estimate(blocks(wide), blocks([value * 0.6 for value in wide[6:] + wide[:6]]))
    assert found is not None
    assert found.clear
    assert found.mde > guard.TARGET_MDE
    assert guard.undecided(blocks(wide), blocks([value * 0.6 for value in wide[6:] + wide[:6]])) is True


def test_the_minimal_detectable_effect_grows_with_the_noise() -> None:
    # 20 rounds: Student's t with 19 degrees of freedom, 2.539 at 99% and 1.729 at 95%.
    quiet = guard.Estimate(log_change=0.0, standard_error=0.015, rounds=20)
    noisy = guard.Estimate(log_change=0.0, standard_error=0.06, rounds=20)
    assert quiet.mde == pytest.approx(math.expm1(math.log1p(guard.GATE) + 1.729 * 0.015), rel=1e-3)
    assert noisy.mde == pytest.approx(math.expm1(math.log1p(guard.MARGIN) + (2.539 + 1.729) * 0.06), rel=1e-3)


@pytest.mark.parametrize(
    ("p", "df", "table"),
    [
        (0.95, 7, 1.895),
        (0.99, 7, 2.998),
        (0.995, 13, 3.012),
        (0.999, 20, 3.552),
        (0.99, 30, 2.457),
        (0.99, 1000, 2.330),
    ],
)
def test_t_quantiles_match_the_tables(p: float, df: int, table: float) -> None:
    assert stats.t_quantile(p, df) == pytest.approx(table, abs=0.002)


def test_few_rounds_widen_the_bound() -> None:
    # The same standard error over 8 rounds is itself less certain than over 80.
    few = guard.Estimate(log_change=0.15, standard_error=0.03, rounds=8)
    many = guard.Estimate(log_change=0.15, standard_error=0.03, rounds=80)
    assert few.low < many.low


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ([], "schema"),
        ({"schema_version": 99}, "schema"),
        ({"schema_version": 2, "vendor": "postgresql", "hot_paths": {}}, "this database is"),
        ({"schema_version": 2, "vendor": "sqlite", "hot_paths": {}}, "environment.commit"),
        ({"schema_version": 2, "vendor": "sqlite", "environment": {"commit": "abc"}, "hot_paths": {"a": {}}}, "lacks"),
    ],
)
def test_validate_refuses_unusable_baselines(broken: object, message: str) -> None:
    with pytest.raises(guard.InvalidBaseline, match=message):
        guard.validate(broken, vendor="sqlite")


def test_validate_reads_the_committed_baselines() -> None:
    for vendor in ("sqlite", "postgresql"):
        document = guard.load_baseline(guard.baseline_path(vendor), vendor=vendor)
        assert document["environment"]["commit"]
