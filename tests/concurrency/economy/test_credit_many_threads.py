"""wallet_credit_many under real concurrency (PostgreSQL): paid once, no deadlock, books balance."""

from __future__ import annotations

import pytest
from django.db import transaction

from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import treasury_get, wallet_credit_many, wallet_debit, wallet_grant
from tests import factories
from tests.concurrency.economy.conftest import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_batches_with_the_same_references_pay_once():
    treasury_get()
    players = [factories.user() for _ in range(6)]
    credits = [(player.pk, 100 + index, f"reward:77:{player.pk}") for index, player in enumerate(players)]

    def work(index: int) -> list[int]:
        # Each thread sends the batch in another order: the wallet lock (id order) decides.
        ordered = credits[index % len(credits) :] + credits[: index % len(credits)]
        return [len(wallet_credit_many(credits=ordered, kind="reward"))]

    paid_counts = run_threads(8, work)

    assert paid_counts == {6: 1, 0: 7}
    balances = dict(Wallet.objects.filter(user__in=players).values_list("user_id", "balance"))
    assert balances == {player.pk: 100 + index for index, player in enumerate(players)}
    assert Wallet.objects.get(is_treasury=True).balance == -sum(100 + index for index in range(6))
    assert LedgerTransaction.objects.filter(kind="reward").count() == 6
    assert LedgerEntry.objects.filter(kind="reward").count() == 12
    assert ledger_reconcile().clean


def test_overlapping_batches_and_entry_fees_neither_deadlock_nor_lose_money():
    treasury_get()
    players = [factories.user() for _ in range(8)]
    for player in players:
        wallet_grant(user=player, amount=1_000)

    def work(index: int) -> list[int]:
        if index % 2:
            # Entry fees, one transaction each: a user wallet, then the treasury.
            for round_number, player in enumerate(reversed(players)):
                with transaction.atomic():
                    wallet_debit(user=player, amount=3, kind="entry_fee", reference=f"fee:{index}:{round_number}")
            return [len(players)]
        # Batches over overlapping, reversed slices of the same wallets.
        chosen = list(reversed(players[index // 2 : index // 2 + 5]))
        credits = [(player.pk, 5, f"reward:{index}:{player.pk}") for player in chosen]
        return [len(wallet_credit_many(credits=credits, kind="reward"))]

    counts = run_threads(8, work)

    assert counts == {5: 4, 8: 4}
    # 4 batches × 5 credits of 5 coins in; 4 threads × 8 fees of 3 coins out.
    user_total = 8 * 1_000 + 4 * 5 * 5 - 4 * 8 * 3
    assert sum(Wallet.objects.filter(is_treasury=False).values_list("balance", flat=True)) == user_total
    assert Wallet.objects.get(is_treasury=True).balance == -user_total
    assert ledger_reconcile().clean
