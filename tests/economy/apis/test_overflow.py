"""Balances near the 64-bit limit (issue 17, finding 9): a clear 422, on both databases.

Before: PostgreSQL raised an uncaught DataError (a 500) and SQLite silently stored the
balance as a float. The wallet UPDATEs now guard the range in their WHERE.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import override_settings

from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.services import wallet_credit, wallet_credit_many, wallet_grant
from tests import factories

BALANCE_MAX = 2**63 - 1  # BigIntegerField
NEAR_MAX = BALANCE_MAX - 5


def _near_max(user) -> None:
    # Written around the services: no sequence of grants capped at 2^53 gets here in a test.
    Wallet.objects.filter(user=user).update(balance=NEAR_MAX)


def _stored_balance(user) -> object:
    """The value as the database holds it (SQLite would answer a float after an overflow)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT balance FROM {Wallet._meta.db_table} WHERE user_id = %s", [user.pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.parametrize("strategy", ["optimistic", "pessimistic", "conditional"])
def test_transfer_into_a_wallet_near_the_limit_is_422_and_writes_nothing(strategy, treasury, transfer):
    sender, receiver = factories.user(), factories.user()
    wallet_grant(user=sender, amount=100)
    _near_max(receiver)
    written = (LedgerTransaction.objects.count(), LedgerEntry.objects.count())

    with override_settings(ECONOMY_TRANSFER_STRATEGY=strategy):
        response = transfer(sender, {"to_user_id": receiver.pk, "amount": 10}, key="big")

    assert response.status_code == 422
    assert response.json() == {"code": "balance_overflow", "detail": "That would overflow a balance."}
    assert (LedgerTransaction.objects.count(), LedgerEntry.objects.count()) == written
    assert _stored_balance(receiver) == NEAR_MAX
    assert type(_stored_balance(receiver)) is int
    assert Wallet.objects.get(user=sender).balance == 100


def test_transfer_up_to_the_limit_exactly_is_allowed(treasury, transfer):
    sender, receiver = factories.user(), factories.user()
    wallet_grant(user=sender, amount=100)
    _near_max(receiver)

    response = transfer(sender, {"to_user_id": receiver.pk, "amount": 5}, key="exact")

    assert response.status_code == 201
    assert _stored_balance(receiver) == BALANCE_MAX


def test_credit_and_credit_many_near_the_limit_are_refused(treasury):
    from core.errors import Unprocessable

    player = factories.user()
    _near_max(player)

    with pytest.raises(Unprocessable) as single:
        wallet_credit(user=player, amount=10, kind="reward", reference="r1")
    # No savepoint of its own: the refusal aborts the caller's transaction (here, this block).
    with pytest.raises(Unprocessable) as batch, transaction.atomic():
        wallet_credit_many(credits=[(player.pk, 10, "r2")], kind="reward")

    assert single.value.code == batch.value.code == "balance_overflow"
    assert not LedgerTransaction.objects.filter(reference__in=["r1", "r2"]).exists()
    assert _stored_balance(player) == NEAR_MAX
