"""wallet_transfer's retry loop: what is retried, how often, and what is not."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import override_settings

from core.errors import Conflict
from economy.models import LedgerTransaction, Wallet
from economy.services import transfers as services
from economy.services import wallet_grant, wallet_transfer
from tests import factories


class _Cause(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _operational(sqlstate: str) -> OperationalError:
    error = OperationalError(f"sqlstate {sqlstate}")
    error.__cause__ = _Cause(sqlstate)
    return error


@pytest.fixture
def pair(treasury):
    sender, receiver = factories.user(), factories.user()
    wallet_grant(user=sender, amount=100)
    return sender, receiver


@pytest.fixture
def no_sleep(monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(services.time, "sleep", slept.append)
    return slept


def _failing_then_real(monkeypatch, failures: list[Exception]) -> None:
    real = services._STRATEGY_MOVES["conditional"]

    def move(**kwargs):
        if failures:
            raise failures.pop(0)
        return real(**kwargs)

    monkeypatch.setitem(services._STRATEGY_MOVES, "conditional", move)


@pytest.mark.parametrize("sqlstate", ["40001", "40P01"])
def test_serialization_failure_and_deadlock_are_retried(sqlstate, pair, monkeypatch, no_sleep):
    sender, receiver = pair
    _failing_then_real(monkeypatch, [_operational(sqlstate), _operational(sqlstate)])

    outcome = wallet_transfer(
        sender=sender, to_user_id=receiver.pk, amount=5, idempotency_key="k", strategy="conditional"
    )

    assert (outcome.status, outcome.attempts, outcome.body["balance"]) == (201, 3, 95)
    assert len(no_sleep) == 2
    assert all(0 <= pause <= services._BACKOFF_CAP_SECONDS for pause in no_sleep)


def test_other_operational_errors_are_not_retried(pair, monkeypatch, no_sleep):
    sender, receiver = pair
    _failing_then_real(monkeypatch, [_operational("57014")])  # query_canceled
    with pytest.raises(OperationalError):
        wallet_transfer(sender=sender, to_user_id=receiver.pk, amount=5, idempotency_key="k", strategy="conditional")
    assert no_sleep == []


@override_settings(ECONOMY_TRANSFER_MAX_RETRIES=2)
def test_contention_after_the_last_retry_is_409_and_writes_nothing(pair, monkeypatch, no_sleep):
    sender, receiver = pair
    _failing_then_real(monkeypatch, [services._OptimisticMiss() for _ in range(3)])

    with pytest.raises(Conflict) as caught:
        wallet_transfer(sender=sender, to_user_id=receiver.pk, amount=5, idempotency_key="k", strategy="conditional")

    assert caught.value.code == "contention"
    assert len(no_sleep) == 2  # between the three attempts
    assert not LedgerTransaction.objects.filter(kind="transfer").exists()
    assert Wallet.objects.get(user=sender).balance == 100


def test_optimistic_miss_rereads_and_succeeds(pair, monkeypatch, no_sleep):
    """A concurrent writer bumps the version between our read and our write."""
    sender, receiver = pair
    real_read = services._wallet_rows_read
    calls = []

    def read_then_interfere(**kwargs):
        rows = real_read(**kwargs)
        if not calls:
            Wallet.objects.filter(user=receiver).update(version=99)
        calls.append(1)
        return rows

    monkeypatch.setattr(services, "_wallet_rows_read", read_then_interfere)

    outcome = wallet_transfer(
        sender=sender, to_user_id=receiver.pk, amount=5, idempotency_key="k", strategy="optimistic"
    )

    assert (outcome.status, outcome.attempts) == (201, 2)
    assert Wallet.objects.get(user=receiver).balance == 5


def test_unknown_strategy_is_a_programming_error(pair):
    sender, receiver = pair
    with pytest.raises(KeyError):
        wallet_transfer(sender=sender, to_user_id=receiver.pk, amount=5, idempotency_key="k", strategy="yolo")
