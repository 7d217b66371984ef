"""Realtime broadcast against a real server process on loopback, with real WebSocket clients.

N ``websockets`` clients listen to one tournament; each round publishes 10 events inside
the server (``tests/realtime/server.py``'s control route) and measures the time until
EVERY listener holds all 10, in ``seq`` order. A lost, duplicated or reordered event
fails the benchmark. Run on the in-memory layer, and on Redis when ``REDIS_URL`` is set:

    .venv/bin/pytest tests/perf/test_broadcast_server.py -s
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/pytest tests/perf/test_broadcast_server.py -s

The figures are printed and written to ``.benchmarks/broadcast_server.json``. The issue's
targets (p50 ≤ 45 ms for 100 × 10, ≤ 450 ms for 1 000 × 10) are asserted only with
``REALTIME_ENFORCE_TARGETS=1``: on a shared 2-core machine a wall-clock p50 is not a
reliable gate; the SLO guard (perf/scenarios/broadcast.py) judges regressions.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.realtime.live import (
    broadcast_round,
    close_all,
    connect_listeners,
    running_raw_server,
    running_server,
    seed_world,
)

EVENTS = 10
TARGET_P50_SECONDS = {100: 0.045, 1000: 0.450}
ROUNDS = {100: 15, 1000: 5}
RESULTS = Path(__file__).resolve().parents[2] / ".benchmarks" / "broadcast_server.json"
SERVER = os.environ.get("REALTIME_BENCH_SERVER", "uvicorn")
#: Extra launcher options, e.g. "--fanout channels" or "--deflate" (see tests/realtime/server.py).
OPTIONS = tuple(os.environ.get("REALTIME_BENCH_OPTIONS", "").split())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return seed_world(tmp_path_factory.mktemp("broadcast"))


LAYERS = [pytest.param("memory", id="memory"), pytest.param("redis", id="redis", marks=pytest.mark.redis)]


async def _measure(server, world, listeners: int) -> dict:
    sockets = await connect_listeners(server, world, listeners)
    try:
        await broadcast_round(server, world, sockets, EVENTS)  # warm-up, not counted
        cpu_before, client_before = server.cpu_seconds(), time.process_time()
        seconds = [await broadcast_round(server, world, sockets, EVENTS) for _ in range(ROUNDS[listeners])]
        cpu_per_round = (server.cpu_seconds() - cpu_before) / len(seconds)
        client_per_round = (time.process_time() - client_before) / len(seconds)
    finally:
        await close_all(sockets)
    ordered = sorted(seconds)
    return {
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "rounds": len(seconds),
        # CPU figures survive a busy machine better than wall time (see docs/realtime.md).
        "server_cpu_ms_per_round": round(cpu_per_round * 1000, 1),
        "client_cpu_ms_per_round": round(client_per_round * 1000, 1),
    }


def _record(key: str, result: dict) -> None:
    RESULTS.parent.mkdir(exist_ok=True)
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[key] = result
    RESULTS.write_text(json.dumps(existing, indent=2, sort_keys=True))
    print(f"\nbroadcast {key}: {json.dumps(result)}")  # noqa: T201 - the benchmark's report


@pytest.mark.slow
@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("listeners", [100, 1000])
def test_every_listener_receives_every_event_in_order(world, layer, listeners):
    redis_url = settings.REDIS_URL if layer == "redis" else None
    prefix = f"{_prefix()}_bench"
    with running_server(world, server=SERVER, options=OPTIONS, redis_url=redis_url, redis_prefix=prefix) as server:
        result = asyncio.run(_measure(server, world, listeners))
    variant = " ".join((SERVER, *OPTIONS))
    result.update({"server": variant, "layer": layer, "listeners": listeners, "events": EVENTS})
    _record(f"{variant}/{layer}/{listeners}x{EVENTS}", result)
    if os.environ.get("REALTIME_ENFORCE_TARGETS") == "1":
        assert result["p50_ms"] <= TARGET_P50_SECONDS[listeners] * 1000


@pytest.mark.slow
@pytest.mark.parametrize("layer", LAYERS)
def test_hub_against_the_raw_websockets_broadcast_floor(world, layer):
    """100 × 10 through the application and through a bare ``websockets.broadcast()`` server,
    alternated in one run (raw, app, raw, app) so both see the same machine. The ratio of
    the medians is reported; the issue's bound (2×) is asserted with REALTIME_ENFORCE_TARGETS=1."""
    redis_url = settings.REDIS_URL if layer == "redis" else None
    prefix = f"{_prefix()}_floor"
    results: dict[str, list[dict]] = {"raw": [], "app": []}
    for _ in range(2):
        with running_raw_server() as raw:
            results["raw"].append(asyncio.run(_measure(raw, world, 100)))
        with running_server(world, server=SERVER, options=OPTIONS, redis_url=redis_url, redis_prefix=prefix) as app:
            results["app"].append(asyncio.run(_measure(app, world, 100)))
    summary = {
        side: {
            key: round(statistics.median(run[key] for run in runs), 1) for key in ("p50_ms", "server_cpu_ms_per_round")
        }
        for side, runs in results.items()
    }
    summary["p50_ratio"] = round(summary["app"]["p50_ms"] / summary["raw"]["p50_ms"], 2)
    summary["server_cpu_ratio"] = round(
        summary["app"]["server_cpu_ms_per_round"] / max(summary["raw"]["server_cpu_ms_per_round"], 0.1), 2
    )
    _record(f"floor/{layer}/100x{EVENTS}", summary)
    if os.environ.get("REALTIME_ENFORCE_TARGETS") == "1":
        assert summary["p50_ratio"] <= 2


def _prefix() -> str:
    from realtime.events import redis_prefix

    return redis_prefix()
