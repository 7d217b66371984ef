"""``manage.py realtime_prune [--keep N] [--max-age-hours H] [--dry-run]``: apply the outbox's retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from realtime.services import event_history_prune


class Command(BaseCommand):
    help = "Delete realtime events beyond the retained count per tournament or older than the retained age."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--keep", type=int, help="events kept per tournament (default: REALTIME_HISTORY_SIZE)")
        parser.add_argument(
            "--max-age-hours", type=int, help="older events go (default: REALTIME_HISTORY_MAX_AGE_HOURS)"
        )
        parser.add_argument("--dry-run", action="store_true", help="count what would go; delete nothing")

    def handle(self, *args: Any, keep: int | None, max_age_hours: int | None, dry_run: bool, **options: Any) -> None:
        for name, value in (("--keep", keep), ("--max-age-hours", max_age_hours)):
            if value is not None and value < 1:
                raise CommandError(f"{name} must be at least 1")
        outcome = event_history_prune(keep=keep, max_age_hours=max_age_hours, dry_run=dry_run)
        if options["verbosity"] >= 1:
            verb = "Would delete" if dry_run else "Deleted"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} {outcome.events} event(s): keeping the last {outcome.keep_per_tournament} per "
                    f"tournament, none older than {outcome.max_age_hours} h."
                )
            )
