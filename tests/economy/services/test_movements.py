"""wallet_debit / wallet_credit / wallet_grant: the services registration and finalization call."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from core.errors import InvalidInput, Unprocessable
from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.services import wallet_credit, wallet_debit, wallet_grant
from tests import factories


def _balance(user) -> int:
    return Wallet.objects.get(user=user).balance


def _funded(amount: int):
    user = factories.user()
    wallet_grant(user=user, amount=amount)
    return user


def test_debit_moves_money_to_the_treasury_in_one_savepoint(treasury, django_assert_num_queries):
    player = _funded(100)

    # SAVEPOINT, INSERT transaction, UPDATE wallet, UPDATE treasury, INSERT legs, RELEASE.
    with django_assert_num_queries(6):
        fee = wallet_debit(user=player, amount=30, kind="entry_fee", reference="fee:1:2")

    assert (fee.kind, fee.reference) == ("entry_fee", "fee:1:2")
    assert _balance(player) == 70
    assert Wallet.objects.get(is_treasury=True).balance == -70
    legs = list(fee.entries.order_by("amount").values_list("wallet__is_treasury", "amount", "balance_after", "kind"))
    assert legs == [(False, -30, 70, "entry_fee"), (True, 30, -70, "entry_fee")]


def test_debit_bumps_the_version_of_both_wallets(treasury):
    player = _funded(100)
    before = Wallet.objects.get(user=player).version, Wallet.objects.get(is_treasury=True).version

    wallet_debit(user=player, amount=1, kind="entry_fee", reference="fee:v")

    after = Wallet.objects.get(user=player).version, Wallet.objects.get(is_treasury=True).version
    assert after == (before[0] + 1, before[1] + 1)


def test_debit_short_of_funds_raises_and_writes_nothing(treasury):
    player = _funded(10)
    transactions, entries = LedgerTransaction.objects.count(), LedgerEntry.objects.count()

    with pytest.raises(Unprocessable) as caught:
        wallet_debit(user=player, amount=11, kind="entry_fee", reference="fee:short")

    assert caught.value.code == "insufficient_funds"
    assert _balance(player) == 10
    assert Wallet.objects.get(is_treasury=True).balance == -10
    assert (LedgerTransaction.objects.count(), LedgerEntry.objects.count()) == (transactions, entries)


def test_debit_of_exactly_the_balance_leaves_zero(treasury):
    player = _funded(25)
    wallet_debit(user=player, amount=25, kind="entry_fee", reference="fee:all")
    assert _balance(player) == 0


def test_debit_replayed_with_its_reference_returns_the_first_transaction(treasury, django_assert_num_queries):
    player = _funded(100)
    first = wallet_debit(user=player, amount=30, kind="entry_fee", reference="fee:again")
    entries = LedgerEntry.objects.count()

    # SAVEPOINT, INSERT (refused by the unique reference), ROLLBACK TO, RELEASE, SELECT.
    with django_assert_num_queries(5):
        second = wallet_debit(user=player, amount=30, kind="entry_fee", reference="fee:again")

    assert second.pk == first.pk
    assert _balance(player) == 70
    assert LedgerEntry.objects.count() == entries


def test_failed_debit_inside_a_caller_transaction_leaves_it_usable(treasury):
    player = _funded(5)
    with transaction.atomic():
        with pytest.raises(Unprocessable):
            wallet_debit(user=player, amount=6, kind="entry_fee", reference="fee:nested")
        refund = wallet_credit(user=player, amount=1, kind="refund", reference="refund:nested")
    assert refund.pk is not None
    assert _balance(player) == 6


def test_credit_moves_money_from_the_treasury(treasury, django_assert_num_queries):
    player = factories.user()

    with django_assert_num_queries(6):
        reward = wallet_credit(user=player, amount=40, kind="reward", reference="reward:1")

    assert _balance(player) == 40
    assert Wallet.objects.get(is_treasury=True).balance == -40
    assert sorted(reward.entries.values_list("amount", flat=True)) == [-40, 40]


def test_credit_replayed_with_its_reference_writes_nothing(treasury):
    player = factories.user()
    first = wallet_credit(user=player, amount=40, kind="prize", reference="prize:1")
    second = wallet_credit(user=player, amount=40, kind="prize", reference="prize:1")
    assert second.pk == first.pk
    assert _balance(player) == 40
    assert LedgerTransaction.objects.filter(reference="prize:1").count() == 1


def test_credit_creates_the_wallet_of_a_user_made_without_one(treasury):
    admin = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    assert not Wallet.objects.filter(user=admin).exists()

    wallet_credit(user=admin, amount=3, kind="reward", reference="reward:root")

    assert _balance(admin) == 3


def test_debit_of_a_user_without_wallet_is_insufficient_funds_and_writes_nothing(treasury):
    admin = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    with pytest.raises(Unprocessable) as caught:
        wallet_debit(user=admin, amount=1, kind="entry_fee", reference="fee:root")
    assert caught.value.code == "insufficient_funds"
    assert not Wallet.objects.filter(user=admin).exists()
    assert not LedgerTransaction.objects.filter(reference="fee:root").exists()


def test_the_treasury_is_created_on_first_use(db):
    player = factories.user()
    wallet_credit(user=player, amount=9, kind="reward", reference="reward:first")
    assert Wallet.objects.get(is_treasury=True).balance == -9


@pytest.mark.parametrize("amount", [0, -1, 1.0, "5", True, None, 2**53 + 1])
def test_invalid_amounts_are_refused_before_any_write(treasury, amount, django_assert_num_queries):
    player = factories.user()
    with django_assert_num_queries(0), pytest.raises(InvalidInput) as caught:
        wallet_credit(user=player, amount=amount, kind="reward", reference="reward:bad")
    assert caught.value.code == "invalid_amount"


def test_an_unknown_kind_is_refused(treasury):
    player = factories.user()
    with pytest.raises(InvalidInput) as caught:
        wallet_credit(user=player, amount=1, kind="gift", reference="gift:1")
    assert caught.value.code == "invalid_kind"
    assert not LedgerTransaction.objects.exists()


def test_grant_returns_the_new_balance_and_has_no_reference(treasury):
    player = factories.user()
    grant, balance = wallet_grant(user=player, amount=2**53)
    assert (grant.kind, grant.reference, balance) == ("grant", None, 2**53)


def test_wallet_is_the_last_rank_so_it_may_follow_a_tournament_lock(treasury):
    from tournaments.locks import tournament_lock

    player = _funded(10)
    cup = factories.tournament()
    with transaction.atomic():
        tournament_lock(tournament_id=cup.pk, pipeline="test", caller="test")
        wallet_debit(user=player, amount=10, kind="entry_fee", reference=f"fee:{cup.pk}")
    assert _balance(player) == 0


def test_an_empty_reference_is_refused(treasury):
    player = factories.user()
    with pytest.raises(InvalidInput) as caught:
        wallet_credit(user=player, amount=1, kind="reward", reference="")
    assert caught.value.code == "invalid_reference"
    assert not LedgerTransaction.objects.exists()
