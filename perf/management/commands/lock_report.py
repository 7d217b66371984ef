"""``manage.py lock_report``: hold-time percentiles and threshold verdicts.

All analysis lives in :mod:`perf.lock_analysis`; this command only reads
options and settings, prints, and maps the verdict to an exit code.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from perf import lock_analysis as la
from perf.management.lock_log_command import LockLogCommand, positive_int

HELP = """Summarise lock hold times from a JSON-lines lock log.

Reports P50/P95/P99/max hold time per (pipeline, entity_type) and per caller,
the deadlock count and the IntegrityError rate, judged against
settings.LOCK_REPORT_THRESHOLDS merged over the defaults in
perf.lock_analysis.DEFAULT_THRESHOLDS.

Exit codes:
  0  all thresholds hold
  1  a threshold is breached (warn or critical); wins over exit 2
  2  insufficient data (a group below min_samples, no lock_released events),
     empty window, missing/unreadable log file, or invalid thresholds setting
"""


class Command(LockLogCommand):
    help = HELP

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--since-days",
            type=positive_int,
            default=None,
            help="Only events stamped within the last N days (default: whole log).",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print a machine-readable JSON report instead.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        thresholds = self._thresholds()
        parsed = self._load(options["log_file"])
        window = None
        if options["since_days"] is not None:
            now: datetime = options.get("now") or timezone.now()
            window = la.Window.last(now=now, span=timedelta(days=options["since_days"]))
        report = la.build_report(parsed, thresholds=thresholds, window=window)
        if options["json"]:
            self.stdout.write(json.dumps(la.report_to_json(report), indent=2))
        else:
            self._write_human(report, verbosity=options["verbosity"])
        if report.exit_code:
            raise SystemExit(report.exit_code)

    def _thresholds(self) -> la.Thresholds:
        try:
            return la.resolve_thresholds(getattr(settings, "LOCK_REPORT_THRESHOLDS", {}))
        except (TypeError, ValueError) as exc:
            self.stderr.write(f"Invalid LOCK_REPORT_THRESHOLDS: {exc}")
            raise SystemExit(la.EXIT_NO_DATA) from exc

    def _load(self, path: Path) -> la.ParseResult:
        try:
            parsed = la.load_log(path)
        except OSError as exc:
            self.stderr.write(f"Cannot read log file {path}: {exc}")
            raise SystemExit(la.EXIT_NO_DATA) from exc
        if parsed.lines == 0:
            # Still produce a report (all "insufficient", exit 2) so --json
            # consumers get a document; just say why on stderr.
            self.stderr.write(f"Log file {path} is empty.")
        return parsed

    def _write_human(self, report: la.Report, *, verbosity: int) -> None:
        styles = {
            la.Verdict.OK: self.style.SUCCESS,
            la.Verdict.INSUFFICIENT: self.style.NOTICE,
            la.Verdict.WARN: self.style.WARNING,
            la.Verdict.CRITICAL: self.style.ERROR,
        }
        for text, verdict in la.render_report(report, verbosity=verbosity):
            self.stdout.write(text, style_func=styles.get(verdict) if verdict else None)
