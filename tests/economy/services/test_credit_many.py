"""wallet_credit_many: the batch of system credits finalization pays its rewards with."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from core.errors import InvalidInput
from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import wallet_credit, wallet_credit_many
from tests import factories


def _balance(user) -> int:
    return Wallet.objects.get(user=user).balance


def _legs(reference: str) -> list[tuple[bool, int, int, str]]:
    return list(
        LedgerEntry.objects.filter(transaction__reference=reference)
        .order_by("amount")
        .values_list("wallet__is_treasury", "amount", "balance_after", "kind")
    )


def test_credit_many_pays_every_credit_in_five_statements(treasury, django_assert_num_queries):
    alice, bob, carol = factories.user(), factories.user(), factories.user()
    credits = [(alice.pk, 1000, "reward:9:a"), (bob.pk, 500, "reward:9:b"), (carol.pk, 250, "reward:9:c")]

    # Wallets lock, INSERT transactions, UPDATE user wallets, UPDATE treasury, INSERT legs.
    with django_assert_num_queries(5):
        paid = wallet_credit_many(credits=credits, kind="reward")

    transactions = dict(LedgerTransaction.objects.filter(kind="reward").values_list("reference", "pk"))
    assert paid == transactions
    assert sorted(paid) == ["reward:9:a", "reward:9:b", "reward:9:c"]
    assert (_balance(alice), _balance(bob), _balance(carol)) == (1000, 500, 250)
    assert Wallet.objects.get(is_treasury=True).balance == -1750
    # The treasury's legs carry its running balance, in the order of the credits.
    assert _legs("reward:9:a") == [(True, -1000, -1000, "reward"), (False, 1000, 1000, "reward")]
    assert _legs("reward:9:b") == [(True, -500, -1500, "reward"), (False, 500, 500, "reward")]
    assert _legs("reward:9:c") == [(True, -250, -1750, "reward"), (False, 250, 250, "reward")]
    assert ledger_reconcile().clean


def test_credit_many_bumps_each_wallet_version_once(treasury):
    player = factories.user()
    before = Wallet.objects.get(user=player).version, Wallet.objects.get(is_treasury=True).version

    wallet_credit_many(credits=[(player.pk, 5, "prize:v")], kind="prize")

    after = Wallet.objects.get(user=player).version, Wallet.objects.get(is_treasury=True).version
    assert after == (before[0] + 1, before[1] + 1)


def test_credit_many_replayed_writes_nothing(treasury, django_assert_num_queries):
    player = factories.user()
    wallet_credit_many(credits=[(player.pk, 40, "prize:1")], kind="prize")
    transactions, entries = LedgerTransaction.objects.count(), LedgerEntry.objects.count()

    # Wallets lock, INSERT ... ON CONFLICT DO NOTHING (inserts nothing): no money moves.
    with django_assert_num_queries(2):
        paid = wallet_credit_many(credits=[(player.pk, 40, "prize:1")], kind="prize")

    assert paid == {}
    assert _balance(player) == 40
    assert Wallet.objects.get(is_treasury=True).balance == -40
    assert (LedgerTransaction.objects.count(), LedgerEntry.objects.count()) == (transactions, entries)


def test_credit_many_skips_references_paid_one_by_one_before(treasury):
    alice, bob = factories.user(), factories.user()
    wallet_credit(user=alice, amount=10, kind="reward", reference="reward:3:a")

    paid = wallet_credit_many(credits=[(alice.pk, 10, "reward:3:a"), (bob.pk, 20, "reward:3:b")], kind="reward")

    assert list(paid) == ["reward:3:b"]
    assert (_balance(alice), _balance(bob)) == (10, 20)
    assert Wallet.objects.get(is_treasury=True).balance == -30
    assert LedgerTransaction.objects.filter(reference="reward:3:a").count() == 1
    assert ledger_reconcile().clean


def test_credit_many_gives_running_balances_to_a_wallet_credited_twice(treasury):
    player = factories.user()

    wallet_credit_many(credits=[(player.pk, 7, "prize:x"), (player.pk, 3, "prize:y")], kind="prize")

    assert _balance(player) == 10
    assert _legs("prize:x") == [(True, -7, -7, "prize"), (False, 7, 7, "prize")]
    assert _legs("prize:y") == [(True, -3, -10, "prize"), (False, 3, 10, "prize")]
    assert ledger_reconcile().clean


def test_credit_many_creates_the_wallet_of_a_user_made_without_one(treasury):
    admin = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    player = factories.user()
    assert not Wallet.objects.filter(user=admin).exists()

    wallet_credit_many(credits=[(admin.pk, 3, "reward:root"), (player.pk, 4, "reward:p")], kind="reward")

    assert (_balance(admin), _balance(player)) == (3, 4)
    assert ledger_reconcile().clean


def test_credit_many_creates_the_treasury_on_first_use(db):
    player = factories.user()

    wallet_credit_many(credits=[(player.pk, 9, "reward:first")], kind="reward")

    assert Wallet.objects.get(is_treasury=True).balance == -9
    assert ledger_reconcile().clean


def test_credit_many_of_nothing_runs_no_statement(treasury, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert wallet_credit_many(credits=[], kind="reward") == {}


@pytest.mark.parametrize(
    ("credits", "kind", "code"),
    [
        ([(1, 5, "r:1")], "bonus", "invalid_kind"),
        ([(1, 5, "")], "reward", "invalid_reference"),
        ([(1, 5, "r:1"), (2, 5, "r:1")], "reward", "invalid_reference"),
        ([(1, 0, "r:1")], "reward", "invalid_amount"),
        ([(1, -5, "r:1")], "reward", "invalid_amount"),
        ([(1, 2**53 + 1, "r:1")], "reward", "invalid_amount"),
        ([(1, 5.0, "r:1")], "reward", "invalid_amount"),
    ],
)
def test_credit_many_refuses_bad_input_before_any_statement(treasury, django_assert_num_queries, credits, kind, code):
    player = factories.user()
    credits = [(player.pk, amount, reference) for _, amount, reference in credits]

    with django_assert_num_queries(0), pytest.raises(InvalidInput) as caught:
        wallet_credit_many(credits=credits, kind=kind)

    assert caught.value.code == code
    assert _balance(player) == 0
    assert Wallet.objects.get(is_treasury=True).balance == 0
    assert (LedgerTransaction.objects.count(), LedgerEntry.objects.count()) == (0, 0)
