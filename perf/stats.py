"""Statistics of the perf suite, in plain Python (no numpy/scipy dependency).

Percentiles: linear interpolation between closest ranks on the sorted raw samples
(Hyndman & Fan definition 7, the default of numpy, R and Excel's PERCENTILE.INC):
for ``q`` in [0, 100] the rank is ``h = (n - 1) * q / 100`` and the value is
``x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h])``.

The regression test is a one-sided Mann-Whitney U test (exact distribution without
ties, normal approximation with tie correction otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache


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


def _ranks(values: Sequence[float]) -> tuple[list[float], bool]:
    """Mid-ranks (1-based) and whether any tie occurred."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    ties = False
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        ties = ties or end > start
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks, ties


@cache
def _arrangements(n: int, m: int, u: int) -> int:
    """How many orderings of n x's and m y's have exactly u (x > y) pairs."""
    if u < 0 or u > n * m:
        return 0
    if n == 0 or m == 0:
        return 1 if u == 0 else 0
    # The largest element is either an x (beating all m y's) or a y.
    return _arrangements(n - 1, m, u - m) + _arrangements(n, m - 1, u)


def mann_whitney_greater(x: Sequence[float], y: Sequence[float]) -> float:
    """One-sided p-value of H1 "x tends to be larger than y"."""
    n, m = len(x), len(y)
    if n == 0 or m == 0:
        raise ValueError("Mann-Whitney needs two non-empty samples")
    ranks, ties = _ranks([*x, *y])
    u = sum(ranks[:n]) - n * (n + 1) / 2
    if not ties and n + m <= 40:
        tail = sum(_arrangements(n, m, k) for k in range(math.ceil(u), n * m + 1))
        return tail / math.comb(n + m, n)
    return _normal_tail(u, n, m, [*x, *y])


def _normal_tail(u: float, n: int, m: int, pooled: Sequence[float]) -> float:
    total = n + m
    counts: dict[float, int] = {}
    for value in pooled:
        counts[value] = counts.get(value, 0) + 1
    tie_term = sum(c**3 - c for c in counts.values()) / (total * (total - 1))
    variance = n * m / 12 * ((total + 1) - tie_term)
    if variance <= 0:
        return 1.0
    z = (u - n * m / 2 - 0.5) / math.sqrt(variance)  # continuity correction
    return 0.5 * math.erfc(z / math.sqrt(2))
