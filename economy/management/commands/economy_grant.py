from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError
from economy.services import wallet_grant


class Command(BaseCommand):
    help = "Mint coins for a user as the system (no granting user, no caps): a grant from the treasury."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username of the receiver")
        parser.add_argument("--amount", required=True, type=int, help="positive integer, minor units")
        parser.add_argument("--reason", required=True, help="why: recorded in the ledger (the audit view lists it)")
        parser.add_argument("--dry-run", action="store_true", help="check the arguments, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        if options["dry_run"]:
            self.stdout.write(f"Would grant {options['amount']} to {user.username}.")
            return
        try:
            grant, balance = wallet_grant(user=user, amount=options["amount"], reason=options["reason"])
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Granted {options['amount']} to {user.username} (transaction {grant.pk}); balance {balance}."
            )
        )
