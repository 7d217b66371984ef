"""Per hot path counters and the table the load test prints."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class PathStats:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float | None = None
    finished: float | None = None

    def record(self, *, began: float, ended: float, ok: bool, error: str = "") -> None:
        self.started = began if self.started is None else min(self.started, began)
        self.finished = ended if self.finished is None else max(self.finished, ended)
        self.latencies_ms.append((ended - began) * 1000)
        if not ok:
            self.errors.append(error)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    def row(self) -> dict:
        elapsed = (self.finished or 0) - (self.started or 0)
        return {
            "path": self.name,
            "requests": self.requests,
            "errors": len(self.errors),
            "rps": round(self.requests / elapsed, 1) if elapsed > 0 else 0.0,
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
        }


@dataclass
class BroadcastStats:
    listeners: int = 0
    expected: int = 0
    delivered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict:
        return {
            "listeners": self.listeners,
            "delivered": self.delivered,
            "expected": self.expected,
            "lost": self.expected - self.delivered,
            "errors": len(self.errors),
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 1) if self.latencies_ms else 0.0,
        }


def render(*, workers: int, wall_s: float, paths: list[PathStats], broadcast: BroadcastStats) -> str:
    lines = [
        f"workers={workers} wall={wall_s:.1f}s",
        f"{'hot path':<14}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}",
    ]
    for stats in paths:
        r = stats.row()
        lines.append(
            f"{r['path']:<14}{r['requests']:>9}{r['errors']:>8}{r['rps']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
        )
    b = broadcast.row()
    lines.append(
        f"{'websocket':<14}listeners={b['listeners']} delivered={b['delivered']}/{b['expected']} lost={b['lost']} "
        f"errors={b['errors']} latency p50={b['p50_ms']} p95={b['p95_ms']} p99={b['p99_ms']} ms"
    )
    for stats in paths:
        lines.extend(f"  {stats.name} error: {message}" for message in stats.errors[:5])
    lines.extend(f"  websocket error: {message}" for message in broadcast.errors[:5])
    return "\n".join(lines)
