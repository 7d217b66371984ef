"""Helpers for the economy thread tests: real threads, their own connections, one barrier."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from economy.models import LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from tests.concurrency.threads import run_together


def tokens_for(users) -> dict[int, str]:
    """Tokens made up front, in the main thread, so the threads only transfer."""
    return {user.pk: Token.objects.get_or_create(user=user)[0].key for user in users}


def client(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def run_threads(count: int, work: Callable[[int], list[int]]) -> Counter:
    """Run ``work(index)`` in ``count`` threads released together; returns all statuses."""
    results = run_together([functools.partial(work, index) for index in range(count)])
    errors = [result for result in results if isinstance(result, BaseException)]
    assert errors == []
    return Counter(status for statuses in results for status in statuses)  # type: ignore[attr-defined]


def assert_books_balance(*, user_total: int, granted: int, transfers_ok: int) -> None:
    """Money neither made nor lost, nothing negative, ledger consistent."""
    wallets = Wallet.objects.filter(is_treasury=False)
    assert sum(wallets.values_list("balance", flat=True)) == user_total
    assert Wallet.objects.get(is_treasury=True).balance == -granted
    assert not wallets.filter(balance__lt=0).exists()
    assert ledger_reconcile().clean
    assert LedgerTransaction.objects.filter(kind="transfer").count() == transfers_ok
