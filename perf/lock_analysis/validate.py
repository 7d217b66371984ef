"""``lock_validate``: every lock event well formed, timestamps in order per process.

Order
    Order is a property of one stream (one file, or stdin).  Within a stream,
    the events of one process (``pid``, with ``host`` when present) must not go
    back in time at all: the emitter stamps and writes them under one lock.
    Across processes, and for events that do not name their process (the
    plan's seven-field schema), an event may be up to ``skew`` earlier than
    the line before it: workers stamp before they write, and a log
    collector interleaves their lines a few milliseconds apart.  An event
    further back than that is reported.  The default tolerance is
    ``DEFAULT_SKEW`` (1 s, ``--skew-ms``).

Exit codes
    1 if any malformed lock event (or, with strict, non-JSON line) or any
    ordering problem is found; else 2 if no lock events were checked; else 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from perf.lock_analysis.readers import ParseResult
from perf.lock_analysis.render import StyledLine
from perf.lock_analysis.schema import LineError, LockEvent
from perf.lock_analysis.thresholds import EXIT_FAILED, EXIT_NO_DATA, EXIT_OK, Verdict
from perf.lock_analysis.window import Window, select_window

DEFAULT_SKEW = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Timed:
    line_no: int
    at: datetime
    source: str


@dataclass(frozen=True)
class ValidationResult:
    checked: int  # well-formed lock events in the window
    errors: tuple[LineError, ...]
    outside_window: int
    non_json: int
    foreign: int
    sources: int = 1
    processes: int = 0

    @property
    def exit_code(self) -> int:
        if self.errors:
            return EXIT_FAILED
        return EXIT_OK if self.checked else EXIT_NO_DATA


def _inversion(event: Timed, earlier_than: Timed, *, why: str) -> LineError:
    return LineError(
        event.line_no,
        f"timestamp {event.at.isoformat()} is earlier than line {earlier_than.line_no} "
        f"({earlier_than.at.isoformat()}){why}",
        event.at,
        event.source,
    )


def ordering_errors(events: Sequence[LockEvent], *, skew: timedelta = DEFAULT_SKEW) -> list[LineError]:
    """Each event that goes back in time within its process, or by more than ``skew`` in its stream."""
    problems: list[LineError] = []
    # Each event is compared with the one before it (in its process, then in its stream),
    # not with a running max: that flags the inversion points only, so one bad clock does
    # not flag every later line.
    in_process: dict[tuple[str, str], Timed] = {}  # (stream, process) -> its previous event
    in_stream: dict[str, Timed] = {}  # stream -> its previous event
    for event in events:
        if event.at is None:  # a text incident; JSON events always carry a time
            continue
        timed = Timed(event.line_no, event.at, event.source)
        before = in_stream.get(event.source)
        in_stream[event.source] = timed
        if event.process is not None:
            previous = in_process.get((event.source, event.process))
            in_process[(event.source, event.process)] = timed
            if previous is not None and event.at < previous.at:
                problems.append(_inversion(timed, previous, why=f" of the same process {event.process}"))
                continue
        if before is not None and event.at < before.at - skew:
            problems.append(_inversion(timed, before, why=f" by more than the {skew.total_seconds():g} s skew"))
    return problems


def validate(parsed: ParseResult, *, window: Window | None = None, skew: timedelta = DEFAULT_SKEW) -> ValidationResult:
    events, outside = select_window(parsed.events, window=window)
    errors, _ = select_window(parsed.errors, window=window)
    errors += ordering_errors(events, skew=skew)
    return ValidationResult(
        checked=len(events),
        errors=tuple(sorted(errors, key=lambda e: (parsed.sources.index(e.source), e.line_no))),
        outside_window=outside,
        non_json=parsed.non_json,
        foreign=parsed.foreign,
        sources=len(parsed.sources),
        processes=len({(e.source, e.process) for e in events if e.process is not None}),
    )


def render_validation(result: ValidationResult, *, verbosity: int = 1) -> list[StyledLine]:
    """Human-readable validation lines; verbosity 0 renders nothing."""
    if verbosity < 1:
        return []

    def where(error: LineError) -> str:
        return f"{error.source}:{error.line_no}" if result.sources > 1 else f"line {error.line_no}"

    lines: list[StyledLine] = [(f"{where(error)}: {error.reason}", Verdict.CRITICAL) for error in result.errors]
    if verbosity >= 2:
        counts = (
            f"non_json={result.non_json}, foreign={result.foreign}, outside_window={result.outside_window}, "
            f"files={result.sources}, processes={result.processes}"
        )
        lines.append((counts, None))
    verdict = {EXIT_OK: Verdict.OK, EXIT_FAILED: Verdict.CRITICAL}.get(result.exit_code, Verdict.INSUFFICIENT)
    summary = {
        EXIT_OK: f"OK: {result.checked} lock event(s) valid",
        EXIT_FAILED: f"FAILED: {len(result.errors)} problem(s); {result.checked} well-formed",
        EXIT_NO_DATA: "NO DATA: no lock events to validate",
    }[result.exit_code]
    lines.append((summary, verdict))
    return lines
