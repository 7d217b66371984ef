"""economy_reconcile and economy_grant."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import wallet_grant, wallet_transfer
from tests import factories


def _books(treasury):
    sender, receiver = factories.user(), factories.user()
    wallet_grant(user=sender, amount=50)
    wallet_transfer(sender=sender, to_user_id=receiver.pk, amount=20, idempotency_key="k")
    return sender, receiver


def test_reconcile_of_balanced_books_is_clean_and_exits_0(treasury, django_assert_num_queries):
    _books(treasury)
    with django_assert_num_queries(2):
        assert ledger_reconcile().clean
    out = StringIO()
    call_command("economy_reconcile", stdout=out)
    assert "balance" in out.getvalue()


def test_reconcile_lists_a_wallet_whose_balance_drifted_and_exits_1(treasury):
    sender, _receiver = _books(treasury)
    Wallet.objects.filter(user=sender).update(balance=31)  # a bug writing around the services
    err = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("economy_reconcile", stderr=err)

    assert caught.value.returncode == 1
    wallet_id = Wallet.objects.get(user=sender).pk
    assert f"wallet {wallet_id} (user {sender.pk}, treasury=False): balance 31 != ledger 30" in err.getvalue()


def test_reconcile_lists_a_transaction_whose_legs_do_not_sum_to_zero(treasury):
    _books(treasury)
    leg = LedgerEntry.objects.filter(transaction__kind="transfer", amount__gt=0).get()
    LedgerEntry.objects.filter(pk=leg.pk).update(amount=21)
    Wallet.objects.filter(pk=leg.wallet_id).update(balance=21)  # the wallet agrees; the transaction does not

    offenders = ledger_reconcile()

    assert offenders.wallets == []
    assert offenders.transactions == [{"id": leg.transaction_id, "kind": "transfer", "total": 1, "legs": 2}]


def test_reconcile_flags_a_transaction_without_legs(treasury):
    orphan = LedgerTransaction.objects.create(kind="grant")
    assert ledger_reconcile().transactions == [{"id": orphan.pk, "kind": "grant", "total": 0, "legs": 0}]


def test_grant_command_credits_the_user(treasury):
    player = factories.user(username="alice")
    out = StringIO()
    call_command("economy_grant", "--user", "alice", "--amount", "250", "--reason", "welcome bonus", stdout=out)
    assert Wallet.objects.get(user=player).balance == 250
    assert "balance 250" in out.getvalue()
    assert ledger_reconcile().clean


def test_grant_command_dry_run_writes_nothing(treasury):
    factories.user(username="alice")
    out = StringIO()
    call_command(
        "economy_grant", "--user", "alice", "--amount", "250", "--reason", "welcome bonus", "--dry-run", stdout=out
    )
    assert "Would grant 250 to alice" in out.getvalue()
    assert not LedgerEntry.objects.exists()


def test_grant_command_refuses_unknown_user_and_bad_amount(treasury):
    factories.user(username="alice")
    with pytest.raises(CommandError, match="No user named 'bob'"):
        call_command("economy_grant", "--user", "bob", "--amount", "5", "--reason", "welcome bonus")
    with pytest.raises(CommandError, match="amount must be an integer"):
        call_command("economy_grant", "--user", "alice", "--amount", "0", "--reason", "welcome bonus")
    assert not LedgerEntry.objects.exists()


def test_idempotency_expire_frees_only_keys_older_than_the_retention(treasury):
    sender, receiver = _books(treasury)  # a transfer with key "k", made now
    wallet_transfer(sender=sender, to_user_id=receiver.pk, amount=1, idempotency_key="old")
    old = LedgerTransaction.objects.get(idempotency_key="old")
    LedgerTransaction.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(hours=25))
    out = StringIO()

    call_command("economy_idempotency_expire", "--dry-run", stdout=out)
    assert "1 key(s)" in out.getvalue()
    assert LedgerTransaction.objects.filter(idempotency_key="old").exists()  # a dry run writes nothing

    call_command("economy_idempotency_expire", stdout=out)

    old.refresh_from_db()
    assert (old.idempotency_key, old.fingerprint, old.response_body) == ("", "", None)
    assert LedgerTransaction.objects.filter(idempotency_key="k").exists()  # inside the retention: kept
    assert old.entries.count() == 2  # the books stay
    # The freed key is a new request now: it moves money again instead of replaying.
    again = wallet_transfer(sender=sender, to_user_id=receiver.pk, amount=1, idempotency_key="old")
    assert (again.status, again.replayed) == (201, False)
    assert ledger_reconcile().clean
