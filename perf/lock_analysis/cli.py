"""Options and runs shared by ``python -m perf.lock_analysis.<command>`` and the manage.py commands.

Each ``run_*`` takes the parsed options as a mapping, writes through
``out(text, verdict)`` / ``err(text)`` and returns the exit code, so the
standalone entry points and the Django wrappers behave identically.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from perf.lock_analysis.decision import decide, decision_to_json, render_decision
from perf.lock_analysis.readers import ParseResult, load_logs
from perf.lock_analysis.render import StyledLine, render_report, report_to_json
from perf.lock_analysis.report import Report, build_report
from perf.lock_analysis.thresholds import EXIT_NO_DATA, Thresholds, Verdict, resolve_thresholds
from perf.lock_analysis.validate import render_validation, validate
from perf.lock_analysis.window import Window

Out = Callable[[str, Verdict | None], None]
Err = Callable[[str], None]

EXIT_CODES = """
Exit codes:
  0  {ok}
  1  {failed}
  2  {no_data}
"""
INPUTS = """
--log-file may repeat; each is a path, a glob (quote it) or - for stdin;
gzip rotations are read as they are.  A lock event is the first JSON object
on a line, after any logging prefix.  See docs/locks.md.
"""
REPORT_HELP = (
    """Summarise lock hold times from lock logs (the audit plan's report).

Reports P50/P95/P99/max hold time per (pipeline, entity_type) and per caller,
the deadlock count and the IntegrityError rate, a decision per pipeline (OK,
ACTION_REQUIRED, CRITICAL, NO_DATA, INSUFFICIENT_DATA) and, for each breach,
the audit plan's playbook section (§4.1, §4.2, §4.3).
"""
    + INPUTS
    + EXIT_CODES.format(
        ok="all thresholds hold",
        failed="a threshold is breached (warn or critical); wins over exit 2",
        no_data="insufficient data (a group below min_samples, no lock_released events,\n"
        "     an expected pipeline missing), missing/unreadable log file, or invalid thresholds",
    )
)
VALIDATE_HELP = (
    """Validate lock logs (the daily sanity check).

Every lock event must have its required fields with the right types, and
timestamps must not go back within a process (pid), nor by more than
--skew-ms across the processes writing one stream.  Lines without JSON are
ignored unless --strict; JSON from other loggers is always ignored.  Each
problem is listed with its line (file:line for several files) and reason.
"""
    + INPUTS
    + EXIT_CODES.format(
        ok="all lock events are valid",
        failed="malformed events (or, with --strict, non-JSON lines) or out-of-order timestamps",
        no_data="no lock events in the window, or a missing/unreadable file",
    )
)
DECISION_HELP = (
    """The audit plan's §5 decision for one window (§6: run it in weekly CI).

Reads the window's log (default: the last 7 days) and prints NO_ACTION_REQUIRED,
OPTIMIZATION_REQUIRED (with a sprint per playbook section) or INSUFFICIENT_DATA,
and the P50/P95 baseline per pipeline/entity.
"""
    + INPUTS
    + EXIT_CODES.format(
        ok="NO_ACTION_REQUIRED",
        failed="OPTIMIZATION_REQUIRED",
        no_data="INSUFFICIENT_DATA, or a missing/unreadable file",
    )
)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    # Required, but checked by the run, not argparse: Django's call_command cannot pass a
    # list to a required "append" option.
    parser.add_argument(
        "--log-file", action="append", help="Log file, glob or - (stdin); repeat for several. Required."
    )


def add_report_arguments(parser: argparse.ArgumentParser, *, default_days: int | None = None) -> None:
    add_input_arguments(parser)
    since = "the whole log" if default_days is None else f"{default_days}"
    parser.add_argument(
        "--since-days",
        type=positive_int,
        default=default_days,
        help=f"Only events stamped within the last N days (default: {since}).",
    )
    parser.add_argument("--json", action="store_true", help="Print a machine-readable JSON document instead.")
    parser.add_argument(
        "--thresholds", type=Path, default=None, help="JSON file of threshold overrides (keys as in docs/locks.md)."
    )


def add_validate_arguments(parser: argparse.ArgumentParser) -> None:
    add_input_arguments(parser)
    parser.add_argument(
        "--since-hours",
        type=positive_int,
        default=None,
        help="Only check events stamped within the last N hours (default: whole log).",
    )
    parser.add_argument("--strict", action="store_true", help="Treat lines without JSON as errors.")
    parser.add_argument(
        "--skew-ms", type=positive_int, default=1000, help="Clock skew tolerated across processes (default: 1000)."
    )


def log_specs(value: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    # call_command(log_file=path) hands the value over as given, not as argparse's list.
    if isinstance(value, str | os.PathLike):
        return [os.fspath(value)]
    return [os.fspath(item) for item in value]


def _load(options: Mapping[str, Any], *, err: Err, stdin: IO[str] | None, strict: bool = False) -> ParseResult | None:
    if not options.get("log_file"):
        err("--log-file is required (a path, a glob or - for stdin)")
        return None
    specs = log_specs(options["log_file"])
    try:
        parsed = load_logs(specs, strict=strict, stdin=stdin)
    except OSError as exc:
        err(f"Cannot read log file: {exc}")
        return None
    if parsed.lines == 0:
        # Still produce a report (all "insufficient", exit 2) so --json
        # consumers get a document; just say why on stderr.
        err(f"Log file {', '.join(specs)} is empty.")
    return parsed


def _thresholds(options: Mapping[str, Any], overrides: Mapping[str, Any], *, err: Err) -> Thresholds | None:
    merged = dict(overrides)
    path: Path | None = options.get("thresholds")
    try:
        if path is not None:
            from_file = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(from_file, dict):
                raise TypeError(f"{path} must hold a JSON object")
            merged |= from_file
        return resolve_thresholds(merged)
    except (OSError, TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        err(f"Invalid LOCK_REPORT_THRESHOLDS: {exc}")
        return None


def _window(options: Mapping[str, Any], *, now: datetime) -> Window | None:
    if options.get("since_days") is not None:
        return Window.last(now=now, span=timedelta(days=options["since_days"]))
    if options.get("since_hours") is not None:
        return Window.last(now=now, span=timedelta(hours=options["since_hours"]))
    return None


def _emit(lines: list[StyledLine], out: Out) -> None:
    for text, verdict in lines:
        out(text, verdict)


def _report(
    options: Mapping[str, Any], *, now: datetime, overrides: Mapping[str, Any], err: Err, stdin: IO[str] | None
) -> Report | None:
    thresholds = _thresholds(options, overrides, err=err)
    if thresholds is None:
        return None
    parsed = _load(options, err=err, stdin=stdin)
    if parsed is None:
        return None
    return build_report(parsed, thresholds=thresholds, window=_window(options, now=now))


def _present_report(report: Report, options: Mapping[str, Any], out: Out) -> int:
    if options.get("json"):
        out(json.dumps(report_to_json(report), indent=2), None)
    else:
        _emit(render_report(report, verbosity=options.get("verbosity", 1)), out)
    return report.exit_code


def _present_decision(report: Report, options: Mapping[str, Any], out: Out) -> int:
    decision = decide(report)
    if options.get("json"):
        out(json.dumps({"decision": decision_to_json(decision), "report": report_to_json(report)}, indent=2), None)
    else:
        _emit(render_decision(decision, verbosity=options.get("verbosity", 1)), out)
    return decision.exit_code


def _judging(present: Callable[[Report, Mapping[str, Any], Out], int]) -> Callable[..., int]:
    """A run that builds the report of the window, then ``present``s it."""

    def run(
        options: Mapping[str, Any],
        *,
        now: datetime,
        out: Out,
        err: Err,
        overrides: Mapping[str, Any] | None = None,
        stdin: IO[str] | None = None,
    ) -> int:
        report = _report(options, now=now, overrides=overrides or {}, err=err, stdin=stdin)
        return EXIT_NO_DATA if report is None else present(report, options, out)

    return run


run_report = _judging(_present_report)
run_decision = _judging(_present_decision)


def run_validate(options: Mapping[str, Any], *, now: datetime, out: Out, err: Err, stdin: IO[str] | None = None) -> int:
    parsed = _load(options, err=err, stdin=stdin, strict=options.get("strict", False))
    if parsed is None:
        return EXIT_NO_DATA
    skew = timedelta(milliseconds=options.get("skew_ms", 1000))
    result = validate(parsed, window=_window(options, now=now), skew=skew)
    _emit(render_validation(result, verbosity=options.get("verbosity", 1)), out)
    return result.exit_code


def add_decision_arguments(parser: argparse.ArgumentParser) -> None:
    # One week: the window §6's weekly run decides on.
    add_report_arguments(parser, default_days=7)


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[..., int]


COMMANDS = {
    "lock_report": Command(REPORT_HELP, add_report_arguments, run_report),
    "lock_validate": Command(VALIDATE_HELP, add_validate_arguments, run_validate),
    "lock_decision": Command(DECISION_HELP, add_decision_arguments, run_decision),
}


def main(name: str, argv: Sequence[str] | None = None) -> int:
    """The standalone entry point of command ``name``: no Django, the same options and exit codes."""
    command = COMMANDS[name]
    parser = argparse.ArgumentParser(
        prog=f"python -m perf.lock_analysis.{name}",
        description=command.help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_arguments(parser)
    parser.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3], default=1, help="0 prints nothing.")
    options = vars(parser.parse_args(argv))

    def out(text: str, verdict: Verdict | None) -> None:
        print(text)

    def err(text: str) -> None:
        print(text, file=sys.stderr)

    return command.run(options, now=datetime.now(tz=UTC), out=out, err=err)
