"""Lock-log analysis: parse, validate and summarise structured lock events.

This is the analysis half of lock observability (the emitter lives elsewhere).
It is pure Python with no Django import, so it can be unit tested without
settings; the ``lock_report`` and ``lock_validate`` management commands are
thin wrappers around it.

Input format
    One JSON object per line.  Blank lines are skipped.  A line that does not
    parse as a JSON *object* is "non-JSON" (ignored and counted; an error only
    in strict validation).  A JSON object whose ``event`` is not one of the
    three lock kinds below is "foreign" (another logger's output) and is always
    ignored.  Lines are expected to be bare JSON: a logging prefix such as
    ``INFO lock_logger {...}`` makes a line non-JSON.

Event kinds and required fields (extra fields are allowed)
    ``lock_released``: pipeline, entity_type, caller (non-empty strings),
    entity_id (string, integer or null; the key must be present),
    lock_released_at (ISO-8601 timestamp with an offset), duration_ms,
    wait_ms, hold_ms (finite numbers >= 0; duration_ms must equal hold_ms),
    outcome ("committed" or "rolled_back").
    ``lock_deadlock`` and ``lock_integrity_error``: pipeline, entity_type,
    caller (non-empty strings) and at (timestamp).
    Timestamps are normalised to UTC; naive timestamps are malformed.

Percentiles
    Linear interpolation between closest ranks, Hyndman & Fan "type 7" (the
    default of numpy, R and Excel PERCENTILE.INC): for sorted x[0..n-1] and
    percentile q, h = (n - 1) * q / 100 and the result is
    x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)]).
    The arithmetic is done in exact fractions and rounded once, so a result
    never lies outside the data's min/max and small-n values are exact
    (n=1 gives the sample; n=2 gives P50 = the mean).

IntegrityError rate
    rate = lock_integrity_error events / lock_released events, both counted
    over the whole (windowed) log.  Every guarded section releases a lock
    whether or not its insert raised, so lock_released is the attempt count.
    The rate is "insufficient" when there are fewer than ``min_samples``
    lock_released events, and undefined (None) when there are none.

Verdicts and exit codes (``lock_report``)
    Each (pipeline, entity_type) group with fewer than ``min_samples`` holds is
    "insufficient"; otherwise P95 > ``p95_critical_ms`` is "critical", and P95
    above the strictest matching warn limit (``pipeline_p95_warn_ms`` by
    pipeline, ``entity_p95_warn_ms`` by entity type) is "warn".  Pipelines
    with no warn limit are still judged by the critical limit.  More than
    ``max_deadlocks`` deadlocks is "critical"; an IntegrityError rate above
    ``integrity_error_rate_warn`` is "warn".  Comparisons are strict (a P95 of
    exactly 200 ms passes a 200 ms limit), matching the audit plan.
    Exit code: 1 if anything is warn/critical (a real breach is never masked by
    a sparse group), else 2 if anything is insufficient or there are no
    lock_released events, else 0.  Per-caller rows are a drill-down judged by
    the same rules but do not affect the exit code, because the audit plan's
    thresholds are defined per pipeline/entity.

Validation (``lock_validate``)
    Exit 1 if any malformed lock event (or, with strict, non-JSON line) or any
    timestamp going backwards (compared with the previous well-formed event in
    file order) is found; else 2 if no lock events were checked; else 0.

Time window
    ``Window.last(now=..., span=...)`` keeps events with
    ``now - span <= timestamp <= now``.  Events outside are counted, not
    silently lost.  Malformed lines whose timestamp could not be read are
    always kept, since they cannot be shown to be outside the window.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

LOCK_RELEASED = "lock_released"
LOCK_DEADLOCK = "lock_deadlock"
LOCK_INTEGRITY_ERROR = "lock_integrity_error"
EVENT_KINDS = frozenset({LOCK_RELEASED, LOCK_DEADLOCK, LOCK_INTEGRITY_ERROR})
OUTCOMES = frozenset({"committed", "rolled_back"})

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NO_DATA = 2

DEFAULT_THRESHOLDS: dict[str, Any] = {
    # Audit plan §3.1: skill pipeline (UserLicense write-back) P95 > 200 ms.
    "pipeline_p95_warn_ms": {"skill": 200.0},
    # Audit plan §3.2: the season-level finalisation lock P95 > 500 ms.
    "entity_p95_warn_ms": {"Season": 500.0},
    # Any lock held this long blocks concurrent users: critical everywhere.
    "p95_critical_ms": 2000.0,
    # §3.3: a single deadlock is an incident.
    "max_deadlocks": 0,
    # §3.4: some IntegrityErrors are expected from SAVEPOINT guards.
    "integrity_error_rate_warn": 0.05,
    # Below this a P95 is noise, not evidence.
    "min_samples": 20,
}


class Verdict(StrEnum):
    """Outcome of one check, declared in increasing order of severity."""

    OK = "ok"
    INSUFFICIENT = "insufficient"
    WARN = "warn"
    CRITICAL = "critical"

    @property
    def severity(self) -> int:
        return list(Verdict).index(self)


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=lambda v: v.severity, default=Verdict.OK)


def exit_code_for(verdict: Verdict) -> int:
    if verdict in (Verdict.WARN, Verdict.CRITICAL):
        return EXIT_FAILED
    if verdict is Verdict.INSUFFICIENT:
        return EXIT_NO_DATA
    return EXIT_OK


# --------------------------------------------------------------------------
# Events and parsing
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LockReleased:
    line_no: int
    pipeline: str
    entity_type: str
    entity_id: str | int | None
    caller: str
    at: datetime
    hold_ms: float
    wait_ms: float
    outcome: str


@dataclass(frozen=True, slots=True)
class LockIncident:
    """A ``lock_deadlock`` or ``lock_integrity_error`` event."""

    line_no: int
    kind: str
    pipeline: str
    entity_type: str
    caller: str
    at: datetime


LockEvent = LockReleased | LockIncident


@dataclass(frozen=True, slots=True)
class LineError:
    line_no: int
    reason: str
    # Kept when readable so malformed lines can still be windowed.
    at: datetime | None = None


@dataclass(frozen=True)
class ParseResult:
    events: tuple[LockEvent, ...]
    errors: tuple[LineError, ...]
    lines: int  # non-blank lines read
    non_json: int
    foreign: int


class _Invalid(ValueError):
    """A field value that breaks the schema; the message is the reason."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {type(value).__name__}")
    if not value.strip():
        raise _Invalid("must not be empty")
    return value


def _entity_id(value: Any) -> str | int | None:
    # bool is an int subclass; True is never a sensible primary key.
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Invalid(f"expected a string, integer or null, got {type(value).__name__}")


def _millis(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid(f"expected a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:
        raise _Invalid("number out of range") from None
    if not math.isfinite(number):
        raise _Invalid(f"must be finite, got {value!r}")
    if number < 0:
        raise _Invalid(f"must be non-negative, got {value!r}")
    return number


def _outcome(value: Any) -> str:
    if value not in OUTCOMES:
        raise _Invalid(f"must be one of {sorted(OUTCOMES)}, got {value!r}")
    return str(value)


def parse_timestamp(value: Any) -> datetime:
    """Parse an ISO-8601 timestamp with an offset (``Z`` allowed) into UTC."""
    if not isinstance(value, str):
        raise _Invalid(f"expected an ISO-8601 string, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"not an ISO-8601 timestamp: {value!r}") from None
    if parsed.utcoffset() is None:
        raise _Invalid(f"timestamp has no timezone: {value!r}")
    return parsed.astimezone(UTC)


_Check = Callable[[Any], Any]

_RELEASED_SPEC: dict[str, _Check] = {
    "pipeline": _text,
    "entity_type": _text,
    "entity_id": _entity_id,
    "caller": _text,
    "lock_released_at": parse_timestamp,
    "duration_ms": _millis,
    "wait_ms": _millis,
    "hold_ms": _millis,
    "outcome": _outcome,
}

_INCIDENT_SPEC: dict[str, _Check] = {
    "pipeline": _text,
    "entity_type": _text,
    "caller": _text,
    "at": parse_timestamp,
}


def _check_fields(record: Mapping[str, Any], *, spec: Mapping[str, _Check]) -> tuple[dict[str, Any], list[str]]:
    # Collect every problem on the line, not just the first, so one run of
    # the validator is enough to fix an emitter bug.
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, check in spec.items():
        if name not in record:
            problems.append(f"missing field {name!r}")
            continue
        try:
            values[name] = check(record[name])
        except _Invalid as exc:
            problems.append(f"{name}: {exc}")
    return values, problems


def _released(record: Mapping[str, Any], *, line_no: int) -> LockEvent | LineError:
    values, problems = _check_fields(record, spec=_RELEASED_SPEC)
    duration, hold = values.get("duration_ms"), values.get("hold_ms")
    if duration is not None and hold is not None and not math.isclose(duration, hold):
        problems.append(f"duration_ms ({duration}) differs from hold_ms ({hold})")
    if problems:
        return LineError(line_no, "; ".join(problems), values.get("lock_released_at"))
    return LockReleased(
        line_no=line_no,
        pipeline=values["pipeline"],
        entity_type=values["entity_type"],
        entity_id=values["entity_id"],
        caller=values["caller"],
        at=values["lock_released_at"],
        hold_ms=values["hold_ms"],
        wait_ms=values["wait_ms"],
        outcome=values["outcome"],
    )


def _incident(record: Mapping[str, Any], *, line_no: int) -> LockEvent | LineError:
    values, problems = _check_fields(record, spec=_INCIDENT_SPEC)
    if problems:
        return LineError(line_no, "; ".join(problems), values.get("at"))
    return LockIncident(
        line_no=line_no,
        kind=record["event"],
        pipeline=values["pipeline"],
        entity_type=values["entity_type"],
        caller=values["caller"],
        at=values["at"],
    )


def _load_object(text: str) -> dict[str, Any] | None:
    try:
        record = json.loads(text)
    except ValueError:  # JSONDecodeError and over-deep nesting alike
        return None
    return record if isinstance(record, dict) else None


def parse_events(lines: Iterable[str], *, strict: bool = False) -> ParseResult:
    """Parse log lines into well-formed lock events and per-line errors.

    Streams ``lines`` once, so a large log file object can be passed directly.
    With ``strict`` a non-JSON line is also reported as an error.
    """
    events: list[LockEvent] = []
    errors: list[LineError] = []
    read = non_json = foreign = 0
    for line_no, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        read += 1
        record = _load_object(text)
        if record is None:
            non_json += 1
            if strict:
                errors.append(LineError(line_no, "not a JSON object"))
            continue
        kind = record.get("event")
        if kind not in EVENT_KINDS:
            foreign += 1
            continue
        parse = _released if kind == LOCK_RELEASED else _incident
        outcome = parse(record, line_no=line_no)
        if isinstance(outcome, LineError):
            errors.append(outcome)
        else:
            events.append(outcome)
    return ParseResult(tuple(events), tuple(errors), read, non_json, foreign)


def load_log(path: Path, *, strict: bool = False) -> ParseResult:
    """Parse a log file; raises OSError when it cannot be read."""
    # Undecodable bytes become U+FFFD so a corrupt line is just non-JSON
    # instead of aborting the whole run.
    with path.open(encoding="utf-8", errors="replace") as handle:
        return parse_events(handle, strict=strict)


# --------------------------------------------------------------------------
# Time window
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def last(cls, *, now: datetime, span: timedelta) -> Window:
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return cls(start=now - span, end=now)

    def contains(self, at: datetime | None) -> bool:
        # An unknown timestamp cannot be proven outside, so it stays in.
        return at is None or self.start <= at <= self.end


def select_window(items: Sequence[Any], *, window: Window | None) -> tuple[list[Any], int]:
    """Split events or line errors by ``window``; return (kept, dropped count)."""
    if window is None:
        return list(items), 0
    kept = [item for item in items if window.contains(item.at)]
    return kept, len(items) - len(kept)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ValidationResult:
    checked: int  # well-formed lock events in the window
    errors: tuple[LineError, ...]
    outside_window: int
    non_json: int
    foreign: int

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_FAILED
        return EXIT_OK if self.checked else EXIT_NO_DATA


def ordering_errors(events: Sequence[LockEvent]) -> list[LineError]:
    """Report each event whose timestamp is earlier than the one before it."""
    # Comparing with the previous event (not the running max) flags only the
    # inversion points, so one bad clock does not flag every later line.
    problems: list[LineError] = []
    for previous, current in pairwise(events):
        if current.at < previous.at:
            problems.append(
                LineError(
                    current.line_no,
                    f"timestamp {current.at.isoformat()} is earlier than line "
                    f"{previous.line_no} ({previous.at.isoformat()})",
                    current.at,
                )
            )
    return problems


def validate(parsed: ParseResult, *, window: Window | None = None) -> ValidationResult:
    events, outside = select_window(parsed.events, window=window)
    errors, _ = select_window(parsed.errors, window=window)
    errors += ordering_errors(events)
    return ValidationResult(
        checked=len(events),
        errors=tuple(sorted(errors, key=lambda e: e.line_no)),
        outside_window=outside,
        non_json=parsed.non_json,
        foreign=parsed.foreign,
    )


# --------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    pipeline_p95_warn_ms: Mapping[str, float]
    entity_p95_warn_ms: Mapping[str, float]
    p95_critical_ms: float
    max_deadlocks: int
    integrity_error_rate_warn: float
    min_samples: int

    def warn_limit(self, *, pipeline: str, entity_type: str) -> float | None:
        # When both a pipeline and an entity rule match, the stricter wins.
        limits = [
            self.pipeline_p95_warn_ms.get(pipeline),
            self.entity_p95_warn_ms.get(entity_type),
        ]
        present = [limit for limit in limits if limit is not None]
        return min(present) if present else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "pipeline_p95_warn_ms": dict(self.pipeline_p95_warn_ms),
            "entity_p95_warn_ms": dict(self.entity_p95_warn_ms),
            "p95_critical_ms": self.p95_critical_ms,
            "max_deadlocks": self.max_deadlocks,
            "integrity_error_rate_warn": self.integrity_error_rate_warn,
            "min_samples": self.min_samples,
        }


def _limit_map(value: Any, *, name: str) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of name -> milliseconds")
    return {str(key): _number(limit, name=f"{name}[{key!r}]") for key, limit in value.items()}


def _number(value: Any, *, name: str) -> float:
    try:
        return _millis(value)
    except _Invalid as exc:
        raise ValueError(f"{name}: {exc}") from None


def _count(value: Any, *, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def resolve_thresholds(overrides: Mapping[str, Any] | None = None) -> Thresholds:
    """Merge ``overrides`` (e.g. settings.LOCK_REPORT_THRESHOLDS) over defaults.

    The two per-name limit maps are merged key by key, so adding a limit for
    one pipeline keeps the defaults for the others; set a limit to ``None``
    to remove a default rule.  Unknown keys or bad values raise ValueError
    (TypeError for a non-mapping) so a typo in settings cannot silently
    disable a threshold.
    """
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ValueError(f"unknown LOCK_REPORT_THRESHOLDS keys: {', '.join(unknown)}")
    merged = {**DEFAULT_THRESHOLDS, **overrides}
    for key in ("pipeline_p95_warn_ms", "entity_p95_warn_ms"):
        if not isinstance(overrides.get(key, {}), Mapping):
            raise TypeError(f"{key} must be a mapping of name -> milliseconds")
        combined = {**DEFAULT_THRESHOLDS[key], **overrides.get(key, {})}
        merged[key] = {k: v for k, v in combined.items() if v is not None}
    return Thresholds(
        pipeline_p95_warn_ms=_limit_map(merged["pipeline_p95_warn_ms"], name="pipeline_p95_warn_ms"),
        entity_p95_warn_ms=_limit_map(merged["entity_p95_warn_ms"], name="entity_p95_warn_ms"),
        p95_critical_ms=_number(merged["p95_critical_ms"], name="p95_critical_ms"),
        max_deadlocks=_count(merged["max_deadlocks"], name="max_deadlocks"),
        integrity_error_rate_warn=_number(merged["integrity_error_rate_warn"], name="integrity_error_rate_warn"),
        min_samples=_count(merged["min_samples"], name="min_samples"),
    )


# --------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------


def _exact(value: float) -> Fraction:
    # str() keeps the decimal a human wrote (0.95 -> 19/20) instead of the
    # binary approximation, which is what makes small-n results exact.
    return Fraction(str(value))


def _interpolate(ordered: Sequence[float], *, q: float) -> float:
    rank = (len(ordered) - 1) * _exact(q) / 100
    low = math.floor(rank)
    weight = rank - low
    if weight == 0:
        return float(ordered[low])
    a, b = _exact(ordered[low]), _exact(ordered[low + 1])
    return float(a + (b - a) * weight)


def percentile(values: Sequence[float], *, q: float) -> float:
    """Type-7 percentile of ``values`` for ``q`` in [0, 100] (see module doc)."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within [0, 100], got {q}")
    return _interpolate(sorted(values), q=q)


@dataclass(frozen=True)
class HoldStats:
    n: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> HoldStats:
        ordered = sorted(values)  # sort once for all three percentiles
        return cls(
            n=len(ordered),
            p50=_interpolate(ordered, q=50),
            p95=_interpolate(ordered, q=95),
            p99=_interpolate(ordered, q=99),
            max=float(ordered[-1]),
        )


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class HoldRow:
    pipeline: str
    entity_type: str
    caller: str | None  # None for a (pipeline, entity_type) group row
    stats: HoldStats
    verdict: Verdict
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DeadlockCheck:
    count: int
    by_group: dict[str, int]
    verdict: Verdict
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class IntegrityCheck:
    errors: int
    attempts: int
    rate: float | None
    verdict: Verdict
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    groups: tuple[HoldRow, ...]
    callers: tuple[HoldRow, ...]
    deadlocks: DeadlockCheck
    integrity: IntegrityCheck
    thresholds: Thresholds
    verdict: Verdict
    # Input bookkeeping, filled by build_report; summarise leaves defaults.
    window: Window | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.verdict)


def judge_hold(
    *, pipeline: str, entity_type: str, stats: HoldStats, thresholds: Thresholds
) -> tuple[Verdict, tuple[str, ...]]:
    if stats.n < thresholds.min_samples:
        return Verdict.INSUFFICIENT, (f"n={stats.n} < min_samples={thresholds.min_samples}",)
    if stats.p95 > thresholds.p95_critical_ms:
        return Verdict.CRITICAL, (f"p95 {stats.p95:g} ms > {thresholds.p95_critical_ms:g} ms",)
    limit = thresholds.warn_limit(pipeline=pipeline, entity_type=entity_type)
    if limit is not None and stats.p95 > limit:
        return Verdict.WARN, (f"p95 {stats.p95:g} ms > {limit:g} ms",)
    return Verdict.OK, ()


def _hold_rows(
    holds: Mapping[tuple[str, str, str | None], list[float]], *, thresholds: Thresholds
) -> tuple[HoldRow, ...]:
    rows = []
    for (pipeline, entity_type, caller), values in sorted(
        holds.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")
    ):
        stats = HoldStats.of(values)
        verdict, reasons = judge_hold(
            pipeline=pipeline,
            entity_type=entity_type,
            stats=stats,
            thresholds=thresholds,
        )
        rows.append(HoldRow(pipeline, entity_type, caller, stats, verdict, reasons))
    return tuple(rows)


def _deadlock_check(incidents: Sequence[LockIncident], *, thresholds: Thresholds) -> DeadlockCheck:
    by_group: dict[str, int] = defaultdict(int)
    for incident in incidents:
        by_group[f"{incident.pipeline}.{incident.entity_type}"] += 1
    count = len(incidents)
    if count > thresholds.max_deadlocks:
        reason = f"{count} deadlock(s) > {thresholds.max_deadlocks}"
        return DeadlockCheck(count, dict(sorted(by_group.items())), Verdict.CRITICAL, (reason,))
    return DeadlockCheck(count, dict(sorted(by_group.items())), Verdict.OK, ())


def _integrity_check(*, errors: int, attempts: int, thresholds: Thresholds) -> IntegrityCheck:
    rate = errors / attempts if attempts else None
    if attempts == 0 or attempts < thresholds.min_samples:
        reason = f"{attempts} lock_released event(s) < min_samples={thresholds.min_samples}"
        return IntegrityCheck(errors, attempts, rate, Verdict.INSUFFICIENT, (reason,))
    # Exact comparison: 1 error in 20 attempts is exactly 5 %, which passes.
    if Fraction(errors, attempts) > _exact(thresholds.integrity_error_rate_warn):
        reason = f"rate {errors}/{attempts} > {thresholds.integrity_error_rate_warn:.2%}"
        return IntegrityCheck(errors, attempts, rate, Verdict.WARN, (reason,))
    return IntegrityCheck(errors, attempts, rate, Verdict.OK, ())


def summarise(events: Sequence[LockEvent], *, thresholds: Thresholds) -> Report:
    """Compute hold-time percentiles, counts and verdicts for ``events``."""
    groups: dict[tuple[str, str, str | None], list[float]] = defaultdict(list)
    callers: dict[tuple[str, str, str | None], list[float]] = defaultdict(list)
    deadlocks: list[LockIncident] = []
    integrity_errors = 0
    for event in events:
        if isinstance(event, LockReleased):
            groups[(event.pipeline, event.entity_type, None)].append(event.hold_ms)
            callers[(event.pipeline, event.entity_type, event.caller)].append(event.hold_ms)
        elif event.kind == LOCK_DEADLOCK:
            deadlocks.append(event)
        else:
            integrity_errors += 1
    group_rows = _hold_rows(groups, thresholds=thresholds)
    deadlock = _deadlock_check(deadlocks, thresholds=thresholds)
    attempts = sum(len(values) for values in groups.values())
    integrity = _integrity_check(errors=integrity_errors, attempts=attempts, thresholds=thresholds)
    verdicts = [row.verdict for row in group_rows] + [
        deadlock.verdict,
        integrity.verdict,
    ]
    # No hold samples at all can never be "all thresholds hold".
    verdict = worst(verdicts + ([] if group_rows else [Verdict.INSUFFICIENT]))
    return Report(
        groups=group_rows,
        callers=_hold_rows(callers, thresholds=thresholds),
        deadlocks=deadlock,
        integrity=integrity,
        thresholds=thresholds,
        verdict=verdict,
    )


def build_report(parsed: ParseResult, *, thresholds: Thresholds, window: Window | None = None) -> Report:
    """Window the parsed log, summarise it and attach input bookkeeping."""
    events, outside = select_window(parsed.events, window=window)
    malformed, _ = select_window(parsed.errors, window=window)
    report = summarise(events, thresholds=thresholds)
    counts = {
        "lines": parsed.lines,
        "events": len(events),
        "lock_released": sum(isinstance(e, LockReleased) for e in events),
        "malformed": len(malformed),
        "non_json": parsed.non_json,
        "foreign": parsed.foreign,
        "outside_window": outside,
    }
    return replace(report, window=window, counts=counts)


# --------------------------------------------------------------------------
# Rendering (plain data; the commands map verdicts to terminal styles)
# --------------------------------------------------------------------------

StyledLine = tuple[str, Verdict | None]


def _row_json(row: HoldRow) -> dict[str, Any]:
    data: dict[str, Any] = {"pipeline": row.pipeline, "entity_type": row.entity_type}
    if row.caller is not None:
        data["caller"] = row.caller
    stats = row.stats
    data |= {
        "n": stats.n,
        "p50_ms": stats.p50,
        "p95_ms": stats.p95,
        "p99_ms": stats.p99,
        "max_ms": stats.max,
        "verdict": row.verdict.value,
        "reasons": list(row.reasons),
    }
    return data


def report_to_json(report: Report) -> dict[str, Any]:
    """Machine-readable report; the layout is versioned by ``schema_version``."""
    window = report.window
    return {
        "schema_version": 1,
        "verdict": report.verdict.value,
        "exit_code": report.exit_code,
        "window": None if window is None else {"start": window.start.isoformat(), "end": window.end.isoformat()},
        "counts": dict(report.counts),
        "thresholds": report.thresholds.as_dict(),
        "groups": [_row_json(row) for row in report.groups],
        "callers": [_row_json(row) for row in report.callers],
        "deadlocks": {
            "count": report.deadlocks.count,
            "by_group": dict(report.deadlocks.by_group),
            "verdict": report.deadlocks.verdict.value,
            "reasons": list(report.deadlocks.reasons),
        },
        "integrity_errors": {
            "count": report.integrity.errors,
            "attempts": report.integrity.attempts,
            "rate": report.integrity.rate,
            "verdict": report.integrity.verdict.value,
            "reasons": list(report.integrity.reasons),
        },
    }


def _table(header: Sequence[str], rows: Sequence[tuple[Sequence[str], Verdict]]) -> list[StyledLine]:
    widths = [len(h) for h in header]
    for cells, _ in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines: list[StyledLine] = [
        (fmt(header), None),
        (fmt(["-" * w for w in widths]), None),
    ]
    lines += [(fmt(cells), verdict) for cells, verdict in rows]
    return lines


def _stat_cells(row: HoldRow) -> list[str]:
    s = row.stats
    return [str(s.n)] + [f"{v:.1f}" for v in (s.p50, s.p95, s.p99, s.max)] + [row.verdict.value]


_STAT_HEADER = ["n", "p50", "p95", "p99", "max", "verdict"]


def render_report(report: Report, *, verbosity: int = 1) -> list[StyledLine]:
    """Human-readable report lines; verbosity 0 renders nothing."""
    if verbosity < 1:
        return []
    lines: list[StyledLine] = [("Lock hold times (ms) per pipeline/entity", None)]
    if report.groups:
        lines += _table(
            ["pipeline", "entity", *_STAT_HEADER],
            [([r.pipeline, r.entity_type, *_stat_cells(r)], r.verdict) for r in report.groups],
        )
        lines += [("", None), ("Per caller", None)]
        lines += _table(
            ["caller", "pipeline", "entity", *_STAT_HEADER],
            [
                (
                    [r.caller or "", r.pipeline, r.entity_type, *_stat_cells(r)],
                    r.verdict,
                )
                for r in report.callers
            ],
        )
    else:
        lines.append(("  no lock_released events", Verdict.INSUFFICIENT))
    lines.append(("", None))
    lines += _check_lines(report)
    malformed = report.counts.get("malformed", 0)
    if malformed:
        # Skipped silently these would bias the percentiles; point at the fix.
        note = f"{malformed} malformed lock event line(s) skipped; see lock_validate"
        lines.append((note, Verdict.WARN))
    if verbosity >= 2:
        lines += _detail_lines(report)
    lines.append((f"Overall: {report.verdict.value} (exit {report.exit_code})", report.verdict))
    return lines


def _check_lines(report: Report) -> list[StyledLine]:
    dl, ie = report.deadlocks, report.integrity
    rate = "n/a" if ie.rate is None else f"{ie.rate:.2%}"
    return [
        (f"Deadlocks: {dl.count} ({dl.verdict.value})", dl.verdict),
        (
            f"IntegrityError rate: {ie.errors}/{ie.attempts} = {rate} ({ie.verdict.value})",
            ie.verdict,
        ),
    ]


def _detail_lines(report: Report) -> list[StyledLine]:
    lines: list[StyledLine] = [("", None)]
    if report.window is not None:
        window = report.window
        lines.append((f"Window: {window.start.isoformat()} .. {window.end.isoformat()}", None))
    lines.append((", ".join(f"{k}={v}" for k, v in report.counts.items()), None))
    labelled: list[tuple[str, HoldRow | DeadlockCheck | IntegrityCheck]]
    labelled = [(f"{r.pipeline}.{r.entity_type}", r) for r in report.groups]
    labelled += [("deadlocks", report.deadlocks), ("integrity", report.integrity)]
    for label, check in labelled:
        lines += [(f"  {label}: {why}", check.verdict) for why in check.reasons]
    return lines


def render_validation(result: ValidationResult, *, verbosity: int = 1) -> list[StyledLine]:
    """Human-readable validation lines; verbosity 0 renders nothing."""
    if verbosity < 1:
        return []
    lines: list[StyledLine] = [(f"line {error.line_no}: {error.reason}", Verdict.CRITICAL) for error in result.errors]
    if verbosity >= 2:
        lines.append(
            (
                (f"non_json={result.non_json}, foreign={result.foreign}, outside_window={result.outside_window}"),
                None,
            )
        )
    verdict = {EXIT_OK: Verdict.OK, EXIT_FAILED: Verdict.CRITICAL}.get(result.exit_code, Verdict.INSUFFICIENT)
    summary = {
        EXIT_OK: f"OK: {result.checked} lock event(s) valid",
        EXIT_FAILED: f"FAILED: {len(result.errors)} problem(s); {result.checked} well-formed",
        EXIT_NO_DATA: "NO DATA: no lock events to validate",
    }[result.exit_code]
    lines.append((summary, verdict))
    return lines
