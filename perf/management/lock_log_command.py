"""The manage.py face of :mod:`perf.lock_analysis.cli`: ``lock_report``, ``lock_validate`` and
``lock_decision`` share their options, help text and runs with the standalone entry points;
this base adds Django's settings, terminal styles and a clock tests can pin (``now=``)."""

from __future__ import annotations

import argparse
from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from perf.lock_analysis import Verdict, cli


class LockLogCommand(BaseCommand):
    name: ClassVar[str]  # the key in cli.COMMANDS
    # Tests pin the clock and feed stdin: call_command("lock_report", ..., now=dt, stdin=io).
    stealth_options = ("now", "stdin")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Keep the exit-code table's line breaks in --help.
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        cli.COMMANDS[self.name].add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        styles = {
            Verdict.OK: self.style.SUCCESS,
            Verdict.INSUFFICIENT: self.style.NOTICE,
            Verdict.WARN: self.style.WARNING,
            Verdict.CRITICAL: self.style.ERROR,
        }

        def out(text: str, verdict: Verdict | None) -> None:
            self.stdout.write(text, style_func=styles[verdict] if verdict else None)

        run = cli.COMMANDS[self.name].run
        extra = {} if self.name == "lock_validate" else {"overrides": getattr(settings, "LOCK_REPORT_THRESHOLDS", {})}
        code = run(
            options,
            now=options.get("now") or timezone.now(),
            out=out,
            err=self.stderr.write,
            stdin=options.get("stdin"),
            **extra,
        )
        if code:
            raise SystemExit(code)
