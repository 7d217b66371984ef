"""The lock events a log may contain, and the checks that make one well formed.

``lock_released`` is the audit plan's seven-field event: event, pipeline,
entity_type, entity_id, caller, lock_released_at, duration_ms.  Those are
required.  ``wait_ms``, ``hold_ms``, ``outcome``, ``pid`` and ``host`` are
extensions (Arena's emitter writes them): checked and used when present,
reported as absent when not.  ``hold_ms``, when present, must equal
``duration_ms`` (the hold time the percentiles are computed from).

``lock_deadlock`` and ``lock_integrity_error`` (Arena's incident events) need
pipeline, entity_type, caller and ``at``; ``pid`` and ``host`` are optional.

Timestamps are ISO-8601 with an offset (``Z`` allowed), normalised to UTC; a
naive timestamp is malformed, since a window over it would be a guess.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

LOCK_RELEASED = "lock_released"
LOCK_DEADLOCK = "lock_deadlock"
LOCK_INTEGRITY_ERROR = "lock_integrity_error"
EVENT_KINDS = frozenset({LOCK_RELEASED, LOCK_DEADLOCK, LOCK_INTEGRITY_ERROR})
OUTCOMES = frozenset({"committed", "rolled_back"})
# The fields a lock_released event may leave out (see the module docstring).
RELEASED_EXTENSIONS = ("wait_ms", "hold_ms", "outcome", "pid", "host")


@dataclass(frozen=True, slots=True)
class LockReleased:
    line_no: int
    pipeline: str
    entity_type: str
    entity_id: str | int | None
    caller: str
    at: datetime
    hold_ms: float  # the plan's duration_ms
    wait_ms: float | None = None
    outcome: str | None = None
    process: str | None = None  # "host:pid" or "pid", None when the event does not say
    source: str = ""  # the file (or "-") it was read from
    extensions: tuple[str, ...] = ()  # the RELEASED_EXTENSIONS the line carried


@dataclass(frozen=True, slots=True)
class LockIncident:
    """A deadlock or IntegrityError: an Arena event, or a line of log text."""

    line_no: int
    kind: str  # LOCK_DEADLOCK or LOCK_INTEGRITY_ERROR
    at: datetime | None
    pipeline: str | None = None  # None for a text mention (the text does not say)
    entity_type: str | None = None
    caller: str | None = None
    process: str | None = None
    source: str = ""
    from_text: bool = False


LockEvent = LockReleased | LockIncident


@dataclass(frozen=True, slots=True)
class LineError:
    line_no: int
    reason: str
    # Kept when readable so malformed lines can still be windowed.
    at: datetime | None = None
    source: str = ""


class Invalid(ValueError):
    """A field value that breaks the schema; the message is the reason."""


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise Invalid("must not be empty")
    return value


def entity_id(value: Any) -> str | int | None:
    # bool is an int subclass; True is never a sensible primary key.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise Invalid(f"expected a string, integer or null, got {type(value).__name__}")


def millis(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"expected a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise Invalid("number out of range") from None
    if not math.isfinite(number):
        raise Invalid(f"must be finite, got {value!r}")
    if number < 0:
        raise Invalid(f"must be non-negative, got {value!r}")
    return number


def outcome(value: Any) -> str:
    if value not in OUTCOMES:
        raise Invalid(f"must be one of {sorted(OUTCOMES)}, got {value!r}")
    return str(value)


def pid(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return text(value)


def parse_timestamp(value: Any) -> datetime:
    """Parse an ISO-8601 timestamp with an offset (``Z`` allowed) into UTC."""
    if not isinstance(value, str):
        raise Invalid(f"expected an ISO-8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"not an ISO-8601 timestamp: {value!r}") from None
    if parsed.utcoffset() is None:
        raise Invalid(f"timestamp has no timezone: {value!r}")
    return parsed.astimezone(UTC)


Check = Callable[[Any], Any]

RELEASED_REQUIRED: dict[str, Check] = {
    "pipeline": text,
    "entity_type": text,
    "entity_id": entity_id,
    "caller": text,
    "lock_released_at": parse_timestamp,
    "duration_ms": millis,
}
INCIDENT_REQUIRED: dict[str, Check] = {"pipeline": text, "entity_type": text, "caller": text, "at": parse_timestamp}
OPTIONAL: dict[str, Check] = {"wait_ms": millis, "hold_ms": millis, "outcome": outcome, "pid": pid, "host": text}


def check_fields(record: Mapping[str, Any], *, required: Mapping[str, Check]) -> tuple[dict[str, Any], list[str]]:
    """Check every required field and every optional one present.

    Every problem on the line is collected, not just the first, so one run of
    the validator is enough to fix an emitter bug.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, check in {**required, **OPTIONAL}.items():
        if name not in record:
            if name in required:
                problems.append(f"missing field {name!r}")
            continue
        try:
            values[name] = check(record[name])
        except Invalid as exc:
            problems.append(f"{name}: {exc}")
    return values, problems


def process_of(values: Mapping[str, Any]) -> str | None:
    if "pid" not in values:
        return None
    return f"{values['host']}:{values['pid']}" if "host" in values else values["pid"]


def released_event(record: Mapping[str, Any], *, line_no: int, source: str) -> LockReleased | LineError:
    values, problems = check_fields(record, required=RELEASED_REQUIRED)
    duration, hold = values.get("duration_ms"), values.get("hold_ms")
    if duration is not None and hold is not None and not math.isclose(duration, hold):
        problems.append(f"duration_ms ({duration}) differs from hold_ms ({hold})")
    if problems:
        return LineError(line_no, "; ".join(problems), values.get("lock_released_at"), source)
    return LockReleased(
        line_no=line_no,
        pipeline=values["pipeline"],
        entity_type=values["entity_type"],
        entity_id=values["entity_id"],
        caller=values["caller"],
        at=values["lock_released_at"],
        hold_ms=values["duration_ms"],
        wait_ms=values.get("wait_ms"),
        outcome=values.get("outcome"),
        process=process_of(values),
        source=source,
        extensions=tuple(name for name in RELEASED_EXTENSIONS if name in values),
    )


def incident_event(record: Mapping[str, Any], *, line_no: int, source: str) -> LockIncident | LineError:
    values, problems = check_fields(record, required=INCIDENT_REQUIRED)
    if problems:
        return LineError(line_no, "; ".join(problems), values.get("at"), source)
    return LockIncident(
        line_no=line_no,
        kind=record["event"],
        at=values["at"],
        pipeline=values["pipeline"],
        entity_type=values["entity_type"],
        caller=values["caller"],
        process=process_of(values),
        source=source,
    )
