"""What ``lock_report`` and ``lock_validate`` share: a ``--log-file``, a help text whose
exit-code table keeps its line breaks, and a clock tests can pin (``now=``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


class LockLogCommand(BaseCommand):
    # Lets tests pin the clock: call_command("lock_report", ..., now=dt).
    stealth_options = ("now",)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Keep the exit-code table's line breaks in --help.
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--log-file", required=True, type=Path, help="JSON-lines lock log.")
