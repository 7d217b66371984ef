"""``manage.py finalize_tournament ID [--dry-run]``: the system finalizes a finished tournament."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.errors import DomainError
from tournaments.services.finalization import tournament_finalize


class Command(BaseCommand):
    help = "Finalize a finished tournament: placements, XP, coins, ratings, badges (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tournament_id", type=int)
        parser.add_argument("--dry-run", action="store_true", help="Compute and print, then roll everything back.")

    def handle(self, *args: Any, tournament_id: int, dry_run: bool, **options: Any) -> None:
        try:
            with transaction.atomic():
                result = tournament_finalize(tournament_id=tournament_id)
                # Rolling back discards the writes and the on-commit broadcast alike.
                if dry_run:
                    transaction.set_rollback(True)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from None
        if options["verbosity"] >= 1:
            verb = "Would finalize" if dry_run else "Finalized"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} tournament {result.tournament_id}: {result.players_rewarded} player(s), "
                    f"{result.xp_awarded} XP, {result.coins_awarded} coins."
                )
            )
        if options["verbosity"] >= 2:
            for team_id, placement in result.placements.items():
                self.stdout.write(f"  #{placement}: team {team_id}")
