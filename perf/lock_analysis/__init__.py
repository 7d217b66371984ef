"""Lock-log analysis: read lock events out of real logs, validate them, judge them.

Pure Python, no Django import anywhere in this package: ``python -m
perf.lock_analysis.lock_report`` (and ``lock_validate``, ``lock_decision``)
run on any team's logs, and the manage.py commands of the same names are
thin wrappers around :mod:`perf.lock_analysis.cli`.

Modules, in the order data flows through them:

- ``schema``: the event kinds and their fields (the plan's seven-field
  ``lock_released``; Arena's extensions and incident events).
- ``readers``: lines, prefixes, records, files, globs, gzip, stdin.
- ``window``: the ``--since-*`` window.
- ``thresholds``: verdicts, decisions, defaults, playbook sections.
- ``report``: percentiles (``perf.stats``), incident counts, verdicts.
- ``render``: JSON and text.
- ``validate``: schema and per-process order.
- ``decision``: the plan's §5 outcome of a window.
- ``cli``: options and runs shared by both entry points.

docs/locks.md is the user's guide.
"""

from perf.lock_analysis.decision import WeeklyDecision, decide, decision_to_json, render_decision
from perf.lock_analysis.readers import ParseResult, find_object, load_log, load_logs, parse_events
from perf.lock_analysis.render import StyledLine, render_report, report_to_json
from perf.lock_analysis.report import HoldRow, HoldStats, Report, build_report, judge_hold, summarise
from perf.lock_analysis.schema import (
    LOCK_DEADLOCK,
    LOCK_INTEGRITY_ERROR,
    LOCK_RELEASED,
    LineError,
    LockEvent,
    LockIncident,
    LockReleased,
    parse_timestamp,
)
from perf.lock_analysis.thresholds import (
    DEFAULT_THRESHOLDS,
    EXIT_FAILED,
    EXIT_NO_DATA,
    EXIT_OK,
    Decision,
    Thresholds,
    Verdict,
    resolve_thresholds,
)
from perf.lock_analysis.validate import ValidationResult, ordering_errors, render_validation, validate
from perf.lock_analysis.window import Window, select_window

__all__ = [
    "DEFAULT_THRESHOLDS",
    "EXIT_FAILED",
    "EXIT_NO_DATA",
    "EXIT_OK",
    "LOCK_DEADLOCK",
    "LOCK_INTEGRITY_ERROR",
    "LOCK_RELEASED",
    "Decision",
    "HoldRow",
    "HoldStats",
    "LineError",
    "LockEvent",
    "LockIncident",
    "LockReleased",
    "ParseResult",
    "Report",
    "StyledLine",
    "Thresholds",
    "ValidationResult",
    "Verdict",
    "WeeklyDecision",
    "Window",
    "build_report",
    "decide",
    "decision_to_json",
    "find_object",
    "judge_hold",
    "load_log",
    "load_logs",
    "ordering_errors",
    "parse_events",
    "parse_timestamp",
    "render_decision",
    "render_report",
    "render_validation",
    "report_to_json",
    "resolve_thresholds",
    "select_window",
    "summarise",
    "validate",
]
