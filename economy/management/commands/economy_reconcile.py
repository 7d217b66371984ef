from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from economy.selectors import ledger_reconcile


class Command(BaseCommand):
    help = "Check the books: each wallet equals the sum of its ledger legs; each transaction sums to zero."

    def handle(self, *args: Any, **options: Any) -> None:
        offenders = ledger_reconcile()
        for wallet in offenders.wallets:
            self.stderr.write(
                f"wallet {wallet['id']} (user {wallet['user_id']}, treasury={wallet['is_treasury']}): "
                f"balance {wallet['balance']} != ledger {wallet['ledger']}"
            )
        for row in offenders.transactions:
            self.stderr.write(f"transaction {row['id']} ({row['kind']}): {row['legs']} legs summing to {row['total']}")
        if not offenders.clean:
            count = len(offenders.wallets) + len(offenders.transactions)
            raise CommandError(f"{count} offender(s): the books do not balance.", returncode=1)
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS("The books balance."))
