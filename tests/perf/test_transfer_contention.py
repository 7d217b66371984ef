"""Contention benchmark of the transfer strategies on PostgreSQL (issue 5, docs/economy.md).

For each strategy, at 1, 4 and 16 concurrent workers over 2 ("hot pair") and 100
wallets, workers call ``wallet_transfer`` for a fixed time and the cell reports
transfers/s, p95 latency, the share of transfers that had to retry, 409s and
deadlocks. The service is called directly, not through HTTP, so the table compares
the locking strategies rather than the test client.

After every cell the books are checked: money is conserved, no balance is negative,
every wallet equals its ledger and every transaction sums to zero (no lost update),
and the count of successful transfers equals the transfers in the ledger.

    DATABASE_URL=postgres://... pytest tests/perf/test_transfer_contention.py -s
    TRANSFER_CONTENTION_JSON=perf/baselines/transfer_contention.json  # also write the table
    TRANSFER_CONTENTION_SECONDS=1.5                                     # per cell
    TRANSFER_CONTENTION_WORKERS=16 TRANSFER_CONTENTION_WALLETS=2 TRANSFER_CONTENTION_REPEAT=3  # one cell, 3 rounds
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import random
import statistics
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.services import user_create
from config.errors import Conflict, Unprocessable
from economy.models import LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import STRATEGIES, wallet_grant, wallet_transfer

WORKERS = tuple(int(n) for n in os.environ.get("TRANSFER_CONTENTION_WORKERS", "1,4,16").split(","))
WALLETS = tuple(int(n) for n in os.environ.get("TRANSFER_CONTENTION_WALLETS", "2,100").split(","))
#: Run every cell this many times (interleaved) to see the spread on a noisy machine.
REPEAT = int(os.environ.get("TRANSFER_CONTENTION_REPEAT", "1"))
SECONDS = float(os.environ.get("TRANSFER_CONTENTION_SECONDS", "1.5"))
OUTPUT = os.environ.get("TRANSFER_CONTENTION_JSON", "")
FUNDS = 10**9


@dataclass
class Cell:
    strategy: str
    workers: int
    wallets: int
    transfers: int = 0
    seconds: float = 0.0
    transfers_per_second: float = 0.0
    p95_ms: float = 0.0
    retried_pct: float = 0.0
    retries: int = 0
    conflicts_409: int = 0
    deadlocks: int = 0
    insufficient_422: int = 0
    latencies: list[float] = field(default_factory=list, repr=False)


def _work(*, cell: Cell, players: list, index: int, barrier: threading.Barrier, lock: threading.Lock) -> None:
    rng = random.Random(f"{cell.strategy}-{cell.workers}-{cell.wallets}-{index}-{id(cell)}")
    reasons: Counter[str] = Counter()
    latencies, retried, transfers, conflicts, short = [], 0, 0, 0, 0
    try:
        barrier.wait()
        deadline = time.perf_counter() + SECONDS
        number = 0
        while time.perf_counter() < deadline:
            sender, receiver = rng.sample(players, 2)
            number += 1
            started = time.perf_counter()
            try:
                outcome = wallet_transfer(
                    sender=sender,
                    to_user_id=receiver.pk,
                    amount=rng.randint(1, 10),
                    idempotency_key=f"bench-{id(cell)}-{index}-{number}",
                    strategy=cell.strategy,
                )
            except Conflict:
                conflicts += 1
                continue
            except Unprocessable:
                short += 1
                continue
            latencies.append(time.perf_counter() - started)
            transfers += 1
            retried += outcome.attempts > 1
            reasons.update(outcome.retry_reasons)
    finally:
        connection.close()
    with lock:
        cell.latencies += latencies
        cell.transfers += transfers
        cell.conflicts_409 += conflicts
        cell.insufficient_422 += short
        cell.retries += sum(reasons.values())
        cell.deadlocks += reasons["40P01"]
        cell.retried_pct += retried  # a count until _finish turns it into a share


def _run_cell(*, strategy: str, workers: int, players: list) -> Cell:
    cell = Cell(strategy=strategy, workers=workers, wallets=len(players))
    barrier, lock = threading.Barrier(workers + 1), threading.Lock()
    threads = [
        threading.Thread(
            target=_work, kwargs={"cell": cell, "players": players, "index": i, "barrier": barrier, "lock": lock}
        )
        for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    cell.seconds = time.perf_counter() - started
    return _finish(cell)


def _finish(cell: Cell) -> Cell:
    attempted = cell.transfers + cell.conflicts_409
    cell.transfers_per_second = round(cell.transfers / cell.seconds, 1)
    cell.p95_ms = round(statistics.quantiles(cell.latencies, n=20)[-1] * 1000, 2) if len(cell.latencies) > 1 else 0.0
    cell.retried_pct = round(100 * cell.retried_pct / attempted, 1) if attempted else 0.0
    cell.seconds = round(cell.seconds, 2)
    return cell


def _assert_books(*, cell: Cell, players: list, ledger_before: int) -> None:
    balances = list(Wallet.objects.filter(user__in=players).values_list("balance", flat=True))
    assert sum(balances) == FUNDS * len(players), "money was made or lost"
    assert min(balances) >= 0
    assert ledger_reconcile().clean, "a wallet disagrees with its ledger: a lost update"
    assert LedgerTransaction.objects.filter(kind="transfer").count() - ledger_before == cell.transfers


def _table(cells: list[Cell]) -> str:
    names = ("workers", "wallets", "tx/s", "p95 ms", "retried%", "409s", "deadlocks")
    header = "strategy    " + "".join(
        f"{name:>{width}}" for name, width in zip(names, (8, 8, 9, 9, 10, 6, 10), strict=True)
    )
    rows = [
        f"{c.strategy:<12}{c.workers:>8}{c.wallets:>8}{c.transfers_per_second:>9}{c.p95_ms:>9}"
        f"{c.retried_pct:>10}{c.conflicts_409:>6}{c.deadlocks:>10}"
        for c in cells
    ]
    return "\n".join([header, *rows])


def _write(cells: list[Cell]) -> None:
    document = {
        "benchmark": "transfer_contention",
        "command": "TRANSFER_CONTENTION_JSON=... pytest tests/perf/test_transfer_contention.py",
        "measured_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "seconds_per_cell": SECONDS,
        "max_retries": settings.ECONOMY_TRANSFER_MAX_RETRIES,
        "default_strategy": settings.ECONOMY_TRANSFER_STRATEGY,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "cells": [{k: v for k, v in asdict(cell).items() if k != "latencies"} for cell in cells],
    }
    Path(OUTPUT).write_text(json.dumps(document, indent=2) + "\n")


@pytest.mark.postgres
def test_transfer_contention(perf_db, capsys) -> None:
    players = [user_create(username=f"bench-{n}", password="bench-password-1")[0] for n in range(max(WALLETS))]
    for player in players:
        wallet_grant(user=player, amount=FUNDS)
    cells = []
    # Strategies innermost: the three runs of one cell are adjacent in time, so a
    # neighbour's load on a shared machine skews them alike rather than one of them.
    for wallets, workers, _round in itertools.product(WALLETS, WORKERS, range(REPEAT)):
        for strategy in STRATEGIES:
            ledger_before = LedgerTransaction.objects.filter(kind="transfer").count()
            cell = _run_cell(strategy=strategy, workers=workers, players=players[:wallets])
            _assert_books(cell=cell, players=players, ledger_before=ledger_before)
            cells.append(cell)
    cells.sort(key=lambda c: (STRATEGIES.index(c.strategy), c.wallets, c.workers))  # stable: rounds stay in order
    with capsys.disabled():
        print("\n" + _table(cells))
    if OUTPUT:
        _write(cells)
    default = [c for c in cells if c.strategy == settings.ECONOMY_TRANSFER_STRATEGY]
    assert all(c.deadlocks == 0 and c.conflicts_409 == 0 for c in default), "the default strategy must never give up"
