"""Helpers for the economy thread tests: real threads, their own connections, one barrier."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from economy.models import LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile


def tokens_for(users) -> dict[int, str]:
    """Tokens made up front, in the main thread, so the threads only transfer."""
    return {user.pk: Token.objects.get_or_create(user=user)[0].key for user in users}


def client(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def run_threads(count: int, work: Callable[[int], list[int]]) -> Counter:
    """Run ``work(index)`` in ``count`` threads released together; returns all statuses."""
    barrier = threading.Barrier(count)
    results: list[list[int]] = [[] for _ in range(count)]
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return Counter(status for statuses in results for status in statuses)


def assert_books_balance(*, user_total: int, granted: int, transfers_ok: int) -> None:
    """Money neither made nor lost, nothing negative, ledger consistent."""
    wallets = Wallet.objects.filter(is_treasury=False)
    assert sum(wallets.values_list("balance", flat=True)) == user_total
    assert Wallet.objects.get(is_treasury=True).balance == -granted
    assert not wallets.filter(balance__lt=0).exists()
    assert ledger_reconcile().clean
    assert LedgerTransaction.objects.filter(kind="transfer").count() == transfers_ok
