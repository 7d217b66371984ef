"""``manage.py lock_validate``: schema and ordering check of a lock log.

All checks live in :mod:`perf.lock_analysis`; this command only reads
options, prints, and maps the result to an exit code.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from perf import lock_analysis as la
from perf.management.lock_log_command import LockLogCommand, positive_int

HELP = """Validate a JSON-lines lock log (daily sanity check).

Every lock event (lock_released, lock_deadlock, lock_integrity_error) must
have its required fields with the right types: non-empty strings, finite
non-negative numbers, timezone-aware ISO-8601 timestamps, outcome in
{committed, rolled_back}.  Timestamps must not decrease in file order.
Non-JSON lines are ignored unless --strict; JSON lines from other loggers
are always ignored.  Each problem is listed with its line number and reason.

Exit codes:
  0  all lock events are valid
  1  malformed events (or, with --strict, non-JSON lines) or out-of-order
     timestamps found
  2  empty log, no lock events in the window, or missing/unreadable file
"""


class Command(LockLogCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--since-hours",
            type=positive_int,
            default=None,
            help="Only check events stamped within the last N hours (default: whole log).",
        )
        parser.add_argument("--strict", action="store_true", help="Treat non-JSON lines as errors.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["log_file"]
        try:
            parsed = la.load_log(path, strict=options["strict"])
        except OSError as exc:
            self.stderr.write(f"Cannot read log file {path}: {exc}")
            raise SystemExit(la.EXIT_NO_DATA) from exc
        window = None
        if options["since_hours"] is not None:
            now: datetime = options.get("now") or timezone.now()
            window = la.Window.last(now=now, span=timedelta(hours=options["since_hours"]))
        result = la.validate(parsed, window=window)
        self._write(result, verbosity=options["verbosity"])
        if result.exit_code:
            raise SystemExit(result.exit_code)

    def _write(self, result: la.ValidationResult, *, verbosity: int) -> None:
        styles = {
            la.Verdict.OK: self.style.SUCCESS,
            la.Verdict.INSUFFICIENT: self.style.NOTICE,
            la.Verdict.CRITICAL: self.style.ERROR,
        }
        for text, verdict in la.render_validation(result, verbosity=verbosity):
            self.stdout.write(text, style_func=styles.get(verdict) if verdict else None)
