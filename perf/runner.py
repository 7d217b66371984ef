"""The in-process perf runner shared by ``pytest tests/perf`` and ``manage.py perf_baseline``.

One run: set every scenario up, count each one's queries on one exact call, warm it
up, then time ``rounds`` interleaved rounds (reference, A, B, ..., reference, A, B,
...) of ``block_size`` requests each. Inputs are prepared outside the timing, just
before their block; the garbage collector is off while a block is timed. Raw
samples are kept. ``run_suite`` returns a *document* with the baseline schema, so
a run and a saved baseline are compared by the same code (``perf.guard``).
"""

from __future__ import annotations

import gc
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import django
from django.db import connection
from django.test.utils import CaptureQueriesContext

from perf import stats
from perf.harness import REGISTRY, Scenario

SCHEMA_VERSION = 1
REFERENCE = "reference"
REFERENCE_PATH = "/api/perf/reference/"
DEFAULT_ROUNDS = 10
DEFAULT_BLOCK_SIZE = 20
DEFAULT_WARMUP = 5

Progress = Callable[[int, int, str], None]


class ScenarioFailed(AssertionError):
    """A scenario's response check failed: the hot path is broken, not slow."""

    def __init__(self, name: str, error: BaseException) -> None:
        super().__init__(f"hot path {name!r} is broken: {error}")
        self.name = name


@dataclass
class PathRun:
    scenario: Scenario
    queries: list[dict[str, str]] = field(default_factory=list)
    blocks: list[list[float]] = field(default_factory=list)
    service_blocks: list[list[float]] = field(default_factory=list)


def hot_path_names(registry: dict[str, type[Scenario]] | None = None) -> list[str]:
    """Every registered scenario but the reference, in a stable order."""
    return sorted(name for name in (registry or REGISTRY) if name != REFERENCE)


def capture_queries(scenario: Scenario) -> list[dict[str, str]]:
    """Run one prepared call under ``CaptureQueriesContext``: the exact statement list."""
    (item,) = scenario.prepare(1)
    with CaptureQueriesContext(connection) as captured:
        scenario.run(item)
    return list(captured.captured_queries)


class ServiceClock:
    """Wall time and *service time* of one call.

    Service time is the time the call spent working rather than waiting for a CPU:
    this process's CPU time (all threads: ``async_to_sync`` runs the channel layer
    in a worker thread), plus, when the database is another process
    (PostgreSQL), the wall time of its statements. On a shared machine wall time
    also counts every moment the scheduler gave our CPU to someone else, which no
    code change causes; the guard judges service time (docs/perf.md).
    """

    def __init__(self) -> None:
        self.in_process_db = connection.vendor == "sqlite"
        self.db_seconds = 0.0

    def _time_statement(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.db_seconds += time.perf_counter() - started

    @contextmanager
    def measure(self) -> Iterator[list[float]]:
        """Yields a list that holds ``[wall, service]`` seconds once the block exits."""
        result: list[float] = []
        self.db_seconds = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(self._time_statement):
            yield result
        cpu = time.process_time() - cpu
        result += [time.perf_counter() - wall, cpu if self.in_process_db else cpu + self.db_seconds]


def slowed(run: Callable[[Any], None], factor: float) -> Callable[[Any], None]:
    """``run`` made ``factor`` times slower: after each call, busy-wait (on this
    thread's CPU clock) for ``factor - 1`` times the call's own service time.
    How the guard's sharpness is proven (docs/perf.md)."""

    def slower(item: Any) -> None:
        with ServiceClock().measure() as measured:
            run(item)
        until = time.thread_time() + measured[1] * (factor - 1)
        while time.thread_time() < until:
            pass

    return slower


def time_block(scenario: Scenario, items: Sequence[Any]) -> tuple[list[float], list[float]]:
    """Wall and service seconds per call; GC off so a collection triggered by
    preparing the inputs is not billed to a call."""
    walls, services = [], []
    clock = ServiceClock()
    gc.collect()
    gc.disable()
    try:
        for item in items:
            with clock.measure() as measured:
                scenario.run(item)
            walls.append(measured[0])
            services.append(measured[1])
    finally:
        gc.enable()
    return walls, services


def run_suite(
    *,
    names: Sequence[str],
    rounds: int = DEFAULT_ROUNDS,
    block_size: int = DEFAULT_BLOCK_SIZE,
    warmup: int = DEFAULT_WARMUP,
    registry: dict[str, type[Scenario]] | None = None,
    progress: Progress | None = None,
    slowdowns: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Measure the reference and ``names``; return a baseline-schema document.

    ``slowdowns`` ({name: factor}) injects a CPU slowdown into those scenarios.
    """
    registry = registry or REGISTRY
    order = [REFERENCE, *(name for name in names if name != REFERENCE)]
    runs = {name: _guarded(name, _set_up, _instance(registry[name], slowdowns), warmup) for name in order}
    total = rounds * len(order)
    for round_index in range(rounds):
        for position, name in enumerate(order):
            run = runs[name]
            walls, services = _guarded(name, time_block, run.scenario, run.scenario.prepare(block_size))
            run.blocks.append(walls)
            run.service_blocks.append(services)
            if progress is not None:
                progress(round_index * len(order) + position + 1, total, name)
    return build_document(runs=runs, rounds=rounds, block_size=block_size, warmup=warmup)


def _instance(cls: type[Scenario], slowdowns: dict[str, float] | None) -> Scenario:
    scenario = cls()
    factor = (slowdowns or {}).get(cls.name)
    if factor is not None:
        # A per-instance override of the method; mypy checks it against the unbound signature.
        scenario.run = slowed(scenario.run, factor)  # type: ignore[method-assign,assignment]
    return scenario


def _guarded(name: str, function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except AssertionError as exc:
        raise ScenarioFailed(name, exc) from exc


def _set_up(scenario: Scenario, warmup: int) -> PathRun:
    scenario.setup()
    run = PathRun(scenario=scenario, queries=capture_queries(scenario))
    for item in scenario.prepare(warmup):
        scenario.run(item)
    return run


def build_document(*, runs: dict[str, PathRun], rounds: int, block_size: int, warmup: int) -> dict[str, Any]:
    reference_p50s = [stats.median(block) for block in runs[REFERENCE].service_blocks]
    return {
        "schema_version": SCHEMA_VERSION,
        "vendor": connection.vendor,
        "environment": environment(),
        "method": {
            "rounds": rounds,
            "block_size": block_size,
            "warmup": warmup,
            "percentiles": "linear interpolation between closest ranks (Hyndman & Fan 7)",
            "guard": "service time / reference service p50 of the round; median block-p95 ratio + Mann-Whitney",
        },
        "reference": path_document(runs[REFERENCE], reference_p50s),
        "hot_paths": {name: path_document(run, reference_p50s) for name, run in runs.items() if name != REFERENCE},
    }


def path_document(run: PathRun, reference_p50s: Sequence[float]) -> dict[str, Any]:
    samples = [sample for block in run.blocks for sample in block]
    services = [sample for block in run.service_blocks for sample in block]
    service = stats.summarize_ms(services)
    return {
        "description": run.scenario.description,
        **stats.summarize_ms(samples),
        "rounds": len(run.blocks),
        "samples": len(samples),
        "queries": len(run.queries),
        "service_ms": {key: service[key] for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")},
        # Per round: this path's service-time p95 over the reference's service-time median.
        "normalized_block_p95": [
            round(stats.percentile(block, 95) / reference, 5)
            for block, reference in zip(run.service_blocks, reference_p50s, strict=True)
        ],
        # Every call's service time over the reference's service-time median of its round.
        "normalized_samples": [
            round(sample / reference, 5)
            for block, reference in zip(run.service_blocks, reference_p50s, strict=True)
            for sample in block
        ],
        "samples_ms": [round(sample * 1000, 4) for sample in samples],
        "service_samples_ms": [round(sample * 1000, 4) for sample in services],
        "query_log": [{"sql": query["sql"], "time": query.get("time", "")} for query in run.queries],
    }


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": f"{connection.vendor} {database_version()}",
        "commit": git_commit(),
        "machine": f"{platform.node()} {platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": _cpu_count(),
        "date": datetime.now(tz=UTC).isoformat(timespec="seconds"),
    }


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def database_version() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT VERSION()")
        return str(cursor.fetchone()[0])


def git_commit() -> str:
    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        head = subprocess.run([git, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True)  # noqa: S603 - fixed argv
        dirty = subprocess.run([git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)  # noqa: S603
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
