from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from economy.models import LedgerTransaction
from economy.services import idempotency_keys_expire


class Command(BaseCommand):
    help = (
        "Free the Idempotency-Keys of transfers older than ECONOMY_IDEMPOTENCY_KEY_RETENTION_HOURS "
        "(the ledger rows stay). Run it from cron, e.g. hourly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=None, help="Retention in hours (default: the setting).")
        parser.add_argument("--dry-run", action="store_true", help="Count the keys that would be freed.")

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["hours"] if options["hours"] is not None else settings.ECONOMY_IDEMPOTENCY_KEY_RETENTION_HOURS
        cutoff = timezone.now() - timedelta(hours=hours)
        if options["dry_run"]:
            count = (
                LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.TRANSFER, created_at__lt=cutoff)
                .exclude(idempotency_key="")
                .count()
            )
            self.stdout.write(f"{count} key(s) older than {hours} h would be freed (dry run).")
            return
        count = idempotency_keys_expire(older_than=cutoff)
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"Freed {count} key(s) older than {hours} h."))
