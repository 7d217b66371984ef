"""Builders of lock logs as the audit plan's origin and Arena write them (no hand-typed figures).

Every figure comes from the thresholds under test: holds are spread below or above
the limit they are judged against, and counts are ``min_samples`` (or one short).

Fixture kinds, one writer each, all taking the same events:

- ``plan``: bare JSON lines in the plan's exact seven-field schema;
- ``stdlib``: an ``app.log`` written through stdlib ``logging`` with the origin's
  prefix (``%(asctime)s %(levelname)s %(name)s %(message)s``), unrelated lines,
  tracebacks, and a PostgreSQL ``deadlock detected`` traceback per deadlock;
- ``workers``: three worker processes (Arena's emitter fields: pid, host, wait_ms,
  hold_ms, outcome) interleaving into one stream a few milliseconds apart;
- ``rotated``: the stdlib log split over ``app.log.2.gz``, ``app.log.1.gz`` and ``app.log``.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from perf.lock_analysis import DEFAULT_THRESHOLDS

MIN_SAMPLES: int = DEFAULT_THRESHOLDS["min_samples"]
SKILL_LIMIT: float = DEFAULT_THRESHOLDS["pipeline_p95_warn_ms"]["skill"]
SEMESTER_LIMIT: float = DEFAULT_THRESHOLDS["entity_p95_warn_ms"]["Semester"]
# The plan's own call sites (§2) and the limit each is judged against.
PLAN_SITES = (
    ("skill", "UserLicense", "distribute_rewards_for_user.skill_writeback", SKILL_LIMIT),
    ("reward", "Semester", "TournamentFinalizer.finalize", SEMESTER_LIMIT),
)
WORKER_PIDS = (101, 102, 103)
HOST = "web-1"
# How far apart the workers' clocks and buffers put their lines: well inside the skew tolerance.
WORKER_JITTER = timedelta(milliseconds=3)


@dataclass(frozen=True)
class Event:
    """One lock event to write; ``kind`` is lock_released or lock_deadlock."""

    at: datetime
    kind: str = "lock_released"
    pipeline: str = "skill"
    entity_type: str = "UserLicense"
    caller: str = "distribute_rewards_for_user.skill_writeback"
    duration_ms: float = 0.0


def spread(limit: float, *, low: float, high: float, n: int = MIN_SAMPLES) -> list[float]:
    """``n`` holds spread evenly over [low × limit, high × limit]."""
    return [round(limit * (low + (high - low) * i / max(n - 1, 1)), 3) for i in range(n)]


def holds(*, at: datetime, low: float, high: float, n: int = MIN_SAMPLES, step=timedelta(seconds=1)) -> list[Event]:
    """Events of each plan call site, holds spread relative to that site's limit."""
    return [
        Event(at=at + i * step, pipeline=pipeline, entity_type=entity, caller=caller, duration_ms=value)
        for pipeline, entity, caller, limit in PLAN_SITES
        for i, value in enumerate(spread(limit, low=low, high=high, n=n))
    ]


def healthy(*, at: datetime, n: int = MIN_SAMPLES) -> list[Event]:
    return holds(at=at, low=0.25, high=0.75, n=n)


def skill_breach(*, at: datetime) -> list[Event]:
    """Skill holds between 1.25 and 1.9 × the limit (the issue's 350 ms P95), below critical."""
    return [e for e in holds(at=at, low=1.25, high=1.9) if e.pipeline == "skill"]


def deadlock(*, at: datetime) -> list[Event]:
    return [Event(at=at, kind="lock_deadlock", pipeline="reward", entity_type="Semester", caller="finalize")]


def iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds").replace("+00:00", "Z")


def plan_record(event: Event) -> dict[str, Any]:
    """The plan's seven fields, exactly."""
    return {
        "event": "lock_released",
        "pipeline": event.pipeline,
        "entity_type": event.entity_type,
        "entity_id": None,
        "caller": event.caller,
        "lock_released_at": iso(event.at),
        "duration_ms": event.duration_ms,
    }


def arena_record(event: Event, *, pid: int) -> dict[str, Any]:
    """What Arena's emitter writes: the plan's fields plus its extensions."""
    process = {"pid": pid, "host": HOST}
    if event.kind == "lock_deadlock":
        names = {"pipeline": event.pipeline, "entity_type": event.entity_type, "entity_id": None}
        return {
            "event": "lock_deadlock",
            **names,
            "caller": event.caller,
            "at": iso(event.at),
            "pid": pid,
            "host": HOST,
        }
    extensions = {"wait_ms": 0.5, "hold_ms": event.duration_ms, "outcome": "committed"} | process
    return plan_record(event) | extensions


# --- stdlib logging, as the origin writes app.log ------------------------------------------

ORIGIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class DeadlockDetected(Exception):
    pass


class OperationalError(Exception):
    pass


def _formatter() -> logging.Formatter:
    formatter = logging.Formatter(ORIGIN_FORMAT)
    formatter.converter = time.gmtime  # asctime in UTC, as a container's clock is
    return formatter


def _record(at: datetime, name: str, level: int, message: str, exc_info: Any = None) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 0, message, None, exc_info)
    record.created = at.timestamp()
    record.msecs = at.microsecond // 1000
    return record


def _deadlock_traceback() -> Any:
    # A chained traceback, as psycopg under an ORM raises it: "deadlock detected" twice, one deadlock.
    try:
        try:
            raise DeadlockDetected("deadlock detected\nDETAIL:  Process 4242 waits for ShareLock on transaction 77")
        except DeadlockDetected as cause:
            raise OperationalError("(psycopg.errors.DeadlockDetected) deadlock detected") from cause
    except OperationalError:
        return sys.exc_info()


def _unrelated_traceback() -> Any:
    try:
        raise KeyError("session")
    except KeyError:
        return sys.exc_info()


def stdlib_records(events: Sequence[Event]) -> list[str]:
    """The events as the origin's ``lock_timer`` logs them, among an application's other records."""
    formatter = _formatter()
    records = []
    for index, event in enumerate(sorted(events, key=lambda e: e.at)):
        if event.kind == "lock_deadlock":
            records.append(_record(event.at, "app.api", logging.ERROR, "finalize failed", _deadlock_traceback()))
            continue
        records.append(_record(event.at, "app.utils.lock_logger", logging.INFO, json.dumps(plan_record(event))))
        if index % 7 == 0:
            records.append(_record(event.at, "uvicorn.access", logging.INFO, '"GET /health HTTP/1.1" 200'))
        if index % 11 == 0:
            records.append(_record(event.at, "app.api", logging.ERROR, "request failed", _unrelated_traceback()))
    return [formatter.format(record) for record in records]


def stdlib_lines(events: Sequence[Event]) -> list[str]:
    return [line for record in stdlib_records(events) for line in record.splitlines()]


# --- writers -------------------------------------------------------------------------------


def _write(path: Path, lines: Sequence[str], *, compress: bool = False) -> Path:
    data = "".join(f"{line}\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def write_plan(tmp_path: Path, events: Sequence[Event]) -> list[str]:
    lines = []
    for event in sorted(events, key=lambda e: e.at):
        if event.kind == "lock_deadlock":
            # The plan's origin has no deadlock event: PostgreSQL's error line is the record.
            lines.append(f"{event.at:%Y-%m-%d %H:%M:%S},000 ERROR app.db ERROR:  deadlock detected")
        else:
            lines.append(json.dumps(plan_record(event)))
    return [str(_write(tmp_path / "app.log", lines))]


def write_stdlib(tmp_path: Path, events: Sequence[Event]) -> list[str]:
    return [str(_write(tmp_path / "app.log", stdlib_lines(events)))]


def worker_lines(events: Sequence[Event], *, jitter: timedelta = WORKER_JITTER) -> list[str]:
    """Round-robin over three workers writing one stream; their lines cross by a few ms.

    Consecutive events are stamped two milliseconds apart, and worker k's line reaches
    the stream (2 - k) × ``jitter`` after it was stamped, so the stream goes back in
    time across workers, never within one.
    """
    arrivals = []
    for index, event in enumerate(sorted(events, key=lambda e: e.at)):
        worker = index % len(WORKER_PIDS)
        stamped = replace(event, at=event.at + timedelta(milliseconds=2 * index))
        arrival = stamped.at + (len(WORKER_PIDS) - 1 - worker) * jitter
        arrivals.append((arrival, json.dumps(arena_record(stamped, pid=WORKER_PIDS[worker]))))
    return [line for _, line in sorted(arrivals, key=lambda item: item[0])]


def write_workers(tmp_path: Path, events: Sequence[Event]) -> list[str]:
    return [str(_write(tmp_path / "app.log", worker_lines(events)))]


def write_rotated(tmp_path: Path, events: Sequence[Event]) -> list[str]:
    # A handler rotates between records, never inside one.
    records = stdlib_records(events)
    third = len(records) // 3
    _write(tmp_path / "app.log.2.gz", records[:third], compress=True)
    _write(tmp_path / "app.log.1.gz", records[third : 2 * third], compress=True)
    _write(tmp_path / "app.log", records[2 * third :])
    return [str(tmp_path / "app.log*")]


WRITERS: dict[str, Callable[[Path, Sequence[Event]], list[str]]] = {
    "plan": write_plan,
    "stdlib": write_stdlib,
    "workers": write_workers,
    "rotated": write_rotated,
}


def stdin_of(lines: Sequence[str]) -> io.StringIO:
    return io.StringIO("".join(f"{line}\n" for line in lines))
