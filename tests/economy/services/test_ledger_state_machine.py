"""A hypothesis state machine: transfers (every strategy), credits, debits and replays,
with the database compared to a plain-Python model after every step."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.errors import DomainError
from economy.models import LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import STRATEGIES, wallet_credit, wallet_debit, wallet_transfer
from tests import factories

PLAYERS = 3
users = st.integers(min_value=0, max_value=PLAYERS - 1)
amounts = st.integers(min_value=1, max_value=80)
keys = st.sampled_from(["a", "b", "c", "d"])  # few keys, so replays and reuses are frequent
references = st.sampled_from(["r1", "r2", "r3"])


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in its own savepoint, rolled back in teardown.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.players = [factories.user() for _ in range(PLAYERS)]
        self.balances = [0] * PLAYERS
        self.granted = 0
        self.answers: dict[tuple[int, str], tuple[tuple[int, int], dict]] = {}
        self.references: set[str] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @rule(player=users, amount=amounts, reference=references)
    def credit(self, player, amount, reference):
        wallet_credit(user=self.players[player], amount=amount, kind="reward", reference=f"c-{reference}")
        if f"c-{reference}" not in self.references:
            self.references.add(f"c-{reference}")
            self.balances[player] += amount
            self.granted += amount

    @rule(player=users, amount=amounts, reference=references)
    def debit(self, player, amount, reference):
        ref = f"d-{reference}"
        code = self._code(
            lambda: wallet_debit(user=self.players[player], amount=amount, kind="entry_fee", reference=ref)
        )
        if ref in self.references:
            assert code is None
        elif self.balances[player] < amount:
            assert code == "insufficient_funds"
        else:
            assert code is None
            self.references.add(ref)
            self.balances[player] -= amount
            self.granted -= amount

    @rule(sender=users, receiver=users, amount=amounts, key=keys, strategy=st.sampled_from(STRATEGIES))
    def transfer(self, sender, receiver, amount, key, strategy):
        outcome = []

        def call():
            outcome.append(
                wallet_transfer(
                    sender=self.players[sender],
                    to_user_id=self.players[receiver].pk,
                    amount=amount,
                    idempotency_key=key,
                    strategy=strategy,
                )
            )

        code = self._code(call)
        stored = self.answers.get((sender, key))
        if stored is not None:
            if stored[0] == (receiver, amount):
                assert code is None
                assert (outcome[0].status, outcome[0].body, outcome[0].replayed) == (201, stored[1], True)
            else:
                assert code == "idempotency_key_reused"
        elif sender == receiver:
            assert code == "self_transfer"
        elif self.balances[sender] < amount:
            assert code == "insufficient_funds"
        else:
            assert code is None
            self.balances[sender] -= amount
            self.balances[receiver] += amount
            assert outcome[0].body["balance"] == self.balances[sender]
            self.answers[(sender, key)] = ((receiver, amount), outcome[0].body)

    @staticmethod
    def _code(call) -> str | None:
        try:
            call()
        except DomainError as exc:
            return exc.code
        return None

    @invariant()
    def database_matches_the_model(self):
        by_user = dict(Wallet.objects.filter(user__in=self.players).values_list("user_id", "balance"))
        assert [by_user.get(player.pk, 0) for player in self.players] == self.balances
        assert Wallet.objects.filter(is_treasury=True).values_list("balance", flat=True).first() in (
            None,
            -self.granted,
        )
        assert LedgerTransaction.objects.filter(kind="transfer", owner__in=self.players).count() == len(self.answers)
        assert ledger_reconcile().clean


@pytest.mark.django_db
def test_ledger_matches_a_model_through_any_sequence_of_operations():
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
