"""Hold-time percentiles, incident counts and verdicts: the lock report.

Percentiles
    ``perf.stats.percentile`` (type 7, linear interpolation, the one percentile
    of the project), rounded to 3 decimals: the emitter's resolution (µs), so
    the float error of the interpolation never flips a verdict at a limit.

Deadlocks and IntegrityErrors
    Counted from Arena's ``lock_deadlock`` / ``lock_integrity_error`` events and
    from log text (one per record, see ``readers``).  The same deadlock is
    often both (an event, and the error it raised in a traceback), so each
    count is the larger of the two sources, never their sum: no incident is
    missed, none is counted twice.  rate = IntegrityErrors / lock_released
    events in the window (every guarded insert releases a lock, so
    lock_released is the attempt count); "insufficient" below ``min_samples``
    events, undefined (None) with none.

Verdicts and exit codes
    A (pipeline, entity_type) group with fewer than ``min_samples`` holds is
    "insufficient"; otherwise P95 > ``p95_critical_ms`` is "critical" and P95
    above its warn limit (``Thresholds.warn_limit``) is "warn".  More than
    ``max_deadlocks`` deadlocks is "critical"; a rate above
    ``integrity_error_rate_warn`` is "warn".  Exit 1 if anything is warn or
    critical (a breach is never masked by a sparse group), else 2 if anything
    is insufficient, there are no lock_released events, or an expected
    pipeline is missing, else 0.  Per-caller rows are a drill-down judged by
    the same rules; they do not drive the exit code (the plan's thresholds are
    per pipeline/entity).  Each pipeline also gets the origin report's
    decision: OK, ACTION_REQUIRED, CRITICAL, NO_DATA or INSUFFICIENT_DATA.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from perf.lock_analysis.readers import ParseResult
from perf.lock_analysis.schema import (
    LOCK_DEADLOCK,
    LOCK_INTEGRITY_ERROR,
    RELEASED_EXTENSIONS,
    LockEvent,
    LockIncident,
    LockReleased,
)
from perf.lock_analysis.thresholds import (
    DECISIONS,
    Decision,
    Thresholds,
    Verdict,
    exit_code_for,
    playbook_section,
    worst,
)
from perf.lock_analysis.window import Window, select_window
from perf.stats import percentile

TEXT_GROUP = "(log text)"


@dataclass(frozen=True)
class HoldStats:
    n: int
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> HoldStats:
        def at(q: float) -> float:
            return round(percentile(values, q), 3)

        return cls(n=len(values), p50=at(50), p95=at(95), p99=at(99), max=float(max(values)))


@dataclass(frozen=True)
class HoldRow:
    pipeline: str
    entity_type: str
    caller: str | None  # None for a (pipeline, entity_type) group row
    stats: HoldStats
    verdict: Verdict
    reasons: tuple[str, ...]
    playbook: str | None = None  # the plan's section for a breach, None when there is none
    # Extensions, used when the events carry them: P95 of the time to acquire, rollbacks.
    wait_p95: float | None = None
    rolled_back: int | None = None
    # Extension fields present on none of the group's events (the plan's seven-field schema).
    absent: tuple[str, ...] = ()

    @property
    def decision(self) -> Decision:
        return DECISIONS[self.verdict]


@dataclass(frozen=True)
class DeadlockCheck:
    count: int
    events: int
    text: int
    by_group: dict[str, int]
    verdict: Verdict
    reasons: tuple[str, ...]
    playbook: str | None = None


@dataclass(frozen=True)
class IntegrityCheck:
    errors: int
    attempts: int
    rate: float | None
    verdict: Verdict
    reasons: tuple[str, ...]
    events: int = 0
    text: int = 0
    playbook: str | None = None


@dataclass(frozen=True)
class Report:
    groups: tuple[HoldRow, ...]
    callers: tuple[HoldRow, ...]
    deadlocks: DeadlockCheck
    integrity: IntegrityCheck
    thresholds: Thresholds
    verdict: Verdict
    pipelines: dict[str, Decision] = field(default_factory=dict)
    # Input bookkeeping, filled by build_report; summarise leaves defaults.
    window: Window | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.verdict)

    @property
    def decision(self) -> Decision:
        if not self.groups and self.verdict is Verdict.INSUFFICIENT:
            return Decision.NO_DATA
        return DECISIONS[self.verdict]


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


def _extensions(events: Sequence[LockReleased]) -> dict[str, Any]:
    present = {name for event in events for name in event.extensions}
    waits = [event.wait_ms for event in events if event.wait_ms is not None]
    outcomes = [event.outcome for event in events if event.outcome is not None]
    return {
        "wait_p95": round(percentile(waits, 95), 3) if waits else None,
        "rolled_back": outcomes.count("rolled_back") if outcomes else None,
        "absent": tuple(name for name in RELEASED_EXTENSIONS if name not in present),
    }


def _hold_rows(
    holds: Mapping[tuple[str, str, str | None], list[LockReleased]], *, thresholds: Thresholds
) -> tuple[HoldRow, ...]:
    rows = []
    for (pipeline, entity_type, caller), events in sorted(
        holds.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")
    ):
        stats = HoldStats.of([event.hold_ms for event in events])
        verdict, reasons = judge_hold(pipeline=pipeline, entity_type=entity_type, stats=stats, thresholds=thresholds)
        breached = verdict in (Verdict.WARN, Verdict.CRITICAL)
        section = playbook_section(pipeline=pipeline, entity_type=entity_type) if breached else None
        rows.append(HoldRow(pipeline, entity_type, caller, stats, verdict, reasons, section, **_extensions(events)))
    return tuple(rows)


def _deadlock_check(incidents: Sequence[LockIncident], *, thresholds: Thresholds) -> DeadlockCheck:
    by_group: dict[str, int] = defaultdict(int)
    for incident in incidents:
        group = TEXT_GROUP if incident.from_text else f"{incident.pipeline}.{incident.entity_type}"
        by_group[group] += 1
    events = sum(not incident.from_text for incident in incidents)
    text = len(incidents) - events
    count = max(events, text)
    by_group = dict(sorted(by_group.items()))
    if count > thresholds.max_deadlocks:
        reason = f"{count} deadlock(s) > {thresholds.max_deadlocks}"
        return DeadlockCheck(count, events, text, by_group, Verdict.CRITICAL, (reason,), "§4.3")
    return DeadlockCheck(count, events, text, by_group, Verdict.OK, ())


def _integrity_check(incidents: Sequence[LockIncident], *, attempts: int, thresholds: Thresholds) -> IntegrityCheck:
    events = sum(not incident.from_text for incident in incidents)
    text = len(incidents) - events
    errors = max(events, text)
    rate = errors / attempts if attempts else None
    if attempts == 0 or attempts < thresholds.min_samples:
        reason = f"{attempts} lock_released event(s) < min_samples={thresholds.min_samples}"
        return IntegrityCheck(errors, attempts, rate, Verdict.INSUFFICIENT, (reason,), events, text)
    # Exact comparison: 1 error in 20 attempts is exactly 5 %, which passes.
    if Fraction(errors, attempts) > Fraction(str(thresholds.integrity_error_rate_warn)):
        reason = f"rate {errors}/{attempts} > {thresholds.integrity_error_rate_warn:.2%}"
        return IntegrityCheck(errors, attempts, rate, Verdict.WARN, (reason,), events, text, "§3.4")
    return IntegrityCheck(errors, attempts, rate, Verdict.OK, (), events, text)


def _pipeline_decisions(rows: Sequence[HoldRow], *, thresholds: Thresholds) -> dict[str, Decision]:
    by_pipeline: dict[str, list[Verdict]] = defaultdict(list)
    for row in rows:
        by_pipeline[row.pipeline].append(row.verdict)
    decisions = {pipeline: DECISIONS[worst(verdicts)] for pipeline, verdicts in by_pipeline.items()}
    for pipeline in thresholds.expected_pipelines:
        decisions.setdefault(pipeline, Decision.NO_DATA)
    return dict(sorted(decisions.items()))


def summarise(events: Sequence[LockEvent], *, thresholds: Thresholds) -> Report:
    """Compute hold-time percentiles, incident counts and verdicts for ``events``."""
    groups: dict[tuple[str, str, str | None], list[LockReleased]] = defaultdict(list)
    callers: dict[tuple[str, str, str | None], list[LockReleased]] = defaultdict(list)
    incidents: dict[str, list[LockIncident]] = {LOCK_DEADLOCK: [], LOCK_INTEGRITY_ERROR: []}
    for event in events:
        if isinstance(event, LockReleased):
            groups[(event.pipeline, event.entity_type, None)].append(event)
            callers[(event.pipeline, event.entity_type, event.caller)].append(event)
        else:
            incidents[event.kind].append(event)
    group_rows = _hold_rows(groups, thresholds=thresholds)
    deadlock = _deadlock_check(incidents[LOCK_DEADLOCK], thresholds=thresholds)
    attempts = sum(len(values) for values in groups.values())
    integrity = _integrity_check(incidents[LOCK_INTEGRITY_ERROR], attempts=attempts, thresholds=thresholds)
    pipelines = _pipeline_decisions(group_rows, thresholds=thresholds)
    verdicts = [row.verdict for row in group_rows] + [deadlock.verdict, integrity.verdict]
    # No hold samples at all, or an expected pipeline without any, is never "all thresholds hold".
    if not group_rows or Decision.NO_DATA in pipelines.values():
        verdicts.append(Verdict.INSUFFICIENT)
    return Report(
        groups=group_rows,
        callers=_hold_rows(callers, thresholds=thresholds),
        deadlocks=deadlock,
        integrity=integrity,
        thresholds=thresholds,
        verdict=worst(verdicts),
        pipelines=pipelines,
    )


def build_report(parsed: ParseResult, *, thresholds: Thresholds, window: Window | None = None) -> Report:
    """Window the parsed log, summarise it and attach input bookkeeping."""
    events, outside = select_window(parsed.events, window=window)
    text_incidents, _ = select_window(parsed.text_incidents, window=window)
    malformed, _ = select_window(parsed.errors, window=window)
    report = summarise([*events, *text_incidents], thresholds=thresholds)
    counts = {
        "lines": parsed.lines,
        "events": len(events),
        "lock_released": sum(isinstance(e, LockReleased) for e in events),
        "malformed": len(malformed),
        "non_json": parsed.non_json,
        "foreign": parsed.foreign,
        "outside_window": outside,
        "text_incidents": len(text_incidents),
        "files": len(parsed.sources),
        "processes": len({e.process for e in events if e.process is not None}),
    }
    return replace(report, window=window, counts=counts)
