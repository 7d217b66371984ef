"""Transfers under real concurrency on PostgreSQL, for every locking strategy."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command
from django.test import override_settings

from economy.models import LedgerTransaction
from economy.services import wallet_grant
from tests import factories
from tests.concurrency.economy.conftest import assert_books_balance, client, run_threads, tokens_for

STRATEGIES = ["optimistic", "pessimistic", "conditional"]
THREADS = 8
TRANSFERS_PER_THREAD = 200
START_BALANCE = 100


def _players(count: int):
    players = [factories.user() for _ in range(count)]
    for player in players:
        wallet_grant(user=player, amount=START_BALANCE)
    return players


def _random_transfers(players, tokens):
    def work(index: int) -> list[int]:
        rng = random.Random(index)
        clients = {player.pk: client(tokens[player.pk]) for player in players}
        statuses = []
        for number in range(TRANSFERS_PER_THREAD):
            sender, receiver = rng.sample(players, 2)
            response = clients[sender.pk].post(
                "/api/economy/transfers/",
                {"to_user_id": receiver.pk, "amount": rng.randint(1, 60)},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"t{index}-{number}",
            )
            statuses.append(response.status_code)
        return statuses

    return work


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("wallets", [10, 2], ids=["10-wallets", "hot-pair"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_concurrent_random_transfers_conserve_money(strategy, wallets):
    players = _players(wallets)
    tokens = tokens_for(players)

    with override_settings(ECONOMY_TRANSFER_STRATEGY=strategy):
        statuses = run_threads(THREADS, _random_transfers(players, tokens))

    assert set(statuses) <= {201, 409, 422}, statuses
    assert sum(statuses.values()) == THREADS * TRANSFERS_PER_THREAD
    assert statuses[201] > 0
    assert_books_balance(
        user_total=wallets * START_BALANCE, granted=wallets * START_BALANCE, transfers_ok=statuses[201]
    )
    call_command("economy_reconcile", verbosity=0)  # exits 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_concurrent_first_use_of_one_key_transfers_once(strategy):
    sender, receiver = _players(2)
    token = tokens_for([sender])[sender.pk]

    def work(_index: int) -> list[int]:
        response = client(token).post(
            "/api/economy/transfers/",
            {"to_user_id": receiver.pk, "amount": 7},
            format="json",
            HTTP_IDEMPOTENCY_KEY="once",
        )
        bodies.append(response.json())
        return [response.status_code]

    bodies: list[dict] = []
    with override_settings(ECONOMY_TRANSFER_STRATEGY=strategy):
        statuses = run_threads(THREADS, work)

    assert statuses == {201: THREADS}
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["balance"] == START_BALANCE - 7
    assert LedgerTransaction.objects.filter(kind="transfer").count() == 1
    assert_books_balance(user_total=2 * START_BALANCE, granted=2 * START_BALANCE, transfers_ok=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_concurrent_twins_sending_the_whole_balance_all_get_the_first_answer(strategy):
    """Issue 17, finding 1: the twins of a whole-balance transfer once waited on the
    sender's wallet and then answered 422 insufficient_funds although the transfer they
    duplicate succeeded. The key is now claimed first, so a twin waits on the unique
    index and replays the first answer (or, by the rule, 409 idempotency_in_progress)."""
    sender, receiver = _players(2)
    token = tokens_for([sender])[sender.pk]
    answers: list[tuple[int, dict]] = []

    def work(_index: int) -> list[int]:
        response = client(token).post(
            "/api/economy/transfers/",
            {"to_user_id": receiver.pk, "amount": START_BALANCE},
            format="json",
            HTTP_IDEMPOTENCY_KEY="everything",
        )
        answers.append((response.status_code, response.json()))
        return [response.status_code]

    with override_settings(ECONOMY_TRANSFER_STRATEGY=strategy):
        statuses = run_threads(THREADS, work)

    first = next(body for status, body in answers if status == 201)
    assert first == {
        "id": first["id"],
        "from_user_id": sender.pk,
        "to_user_id": receiver.pk,
        "amount": START_BALANCE,
        "balance": 0,
    }
    in_progress = {"code": "idempotency_in_progress"}
    assert all(body == first or (status == 409 and in_progress.items() <= body.items()) for status, body in answers)
    assert set(statuses) <= {201, 409}, statuses
    assert LedgerTransaction.objects.filter(kind="transfer").count() == 1
    assert_books_balance(user_total=2 * START_BALANCE, granted=2 * START_BALANCE, transfers_ok=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_entry_fees_and_rewards_through_the_treasury_conserve_money():
    """wallet_debit / wallet_credit from many threads: the treasury hot row stays exact."""
    from economy.services import wallet_credit, wallet_debit

    players = _players(THREADS)

    def work(index: int) -> list[int]:
        player, outcomes = players[index], []
        for number in range(25):
            wallet_credit(user=player, amount=3, kind="reward", reference=f"r{index}-{number}")
            wallet_debit(user=player, amount=5, kind="entry_fee", reference=f"f{index}-{number}")
            # The same reference again, as a retried pipeline would: nothing more moves.
            wallet_debit(user=player, amount=5, kind="entry_fee", reference=f"f{index}-{number}")
            outcomes.append(201)
        return outcomes

    run_threads(THREADS, work)

    per_player = START_BALANCE + 25 * 3 - 25 * 5
    total = THREADS * per_player
    assert_books_balance(user_total=total, granted=total, transfers_ok=0)
