"""Statistics of the perf suite, in plain Python (no numpy/scipy dependency).

Percentiles: linear interpolation between closest ranks on the sorted raw samples
(Hyndman & Fan definition 7, the default of numpy, R and Excel's PERCENTILE.INC):
for ``q`` in [0, 100] the rank is ``h = (n - 1) * q / 100`` and the value is
``x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h])``.

The guard's estimates of a slowdown (the floor's, the median's) and their seeded
bootstrap uncertainty are in ``perf.guard``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import TypeVar

T = TypeVar("T")


def percentile(samples: Sequence[float], q: float) -> float:
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside [0, 100]")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def summarize_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds and throughput of one-at-a-time requests."""
    total = sum(samples_s)
    return {
        "p50_ms": round(percentile(samples_s, 50) * 1000, 4),
        "p95_ms": round(percentile(samples_s, 95) * 1000, 4),
        "p99_ms": round(percentile(samples_s, 99) * 1000, 4),
        "max_ms": round(max(samples_s) * 1000, 4),
        "mean_ms": round(total / len(samples_s) * 1000, 4),
        # Sequential requests in one thread: ops/s is samples over the time they took.
        "ops_per_s": round(len(samples_s) / total, 2) if total > 0 else 0.0,
    }


def hodges_lehmann(values: Sequence[float]) -> float:
    """The median of all pairwise means (Walsh averages, self-pairs included): a
    location estimate as robust as the median (29% breakdown) and nearly as
    efficient as the mean."""
    if not values:
        raise ValueError("hodges_lehmann of no values")
    return median([(values[i] + values[j]) / 2 for i in range(len(values)) for j in range(i, len(values))])


def bootstrap(
    values: Sequence[T],
    estimators: Sequence[Callable[[Sequence[T]], float]],
    *,
    resamples: int = 400,
    seed: int = 0,
) -> list[tuple[float, ...]]:
    """Each estimator on the same ``resamples`` resamples with replacement (seeded: the
    same values always give the same answer): one tuple per resample."""
    draw = random.Random(seed).choices  # noqa: S311 - resampling, not a secret
    return [
        tuple(estimator(sample) for estimator in estimators)
        for sample in (draw(values, k=len(values)) for _ in range(resamples))
    ]


def sd(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((value - mean) ** 2 for value in values) / (len(values) - 1))


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom: the Cornish-Fisher
    expansion about the normal quantile to 1/df^4 (Abramowitz & Stegun 26.7.5), within
    0.1% of the exact value for ``df >= 7`` at the tails the guard uses."""
    if df < 1:
        raise ValueError(f"t quantile with {df} degrees of freedom")
    z = NormalDist().inv_cdf(p)
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * df**4)
    )


def precision_weight(a: Sequence[float], b: Sequence[float]) -> float:
    """The weight ``w`` in [0, 1] that gives ``w * A + (1 - w) * B`` its smallest variance,
    from paired draws of two estimates of the same quantity (inverse-variance
    weighting, their covariance included)."""
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    var_a = sum((x - mean_a) ** 2 for x in a)
    var_b = sum((y - mean_b) ** 2 for y in b)
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))
    spread = var_a + var_b - 2 * cov
    if spread <= 0:
        return 0.5
    return min(1.0, max(0.0, (var_b - cov) / spread))
