"""Transfers between users: exactly once per Idempotency-Key, retried under contention.

Three strategies (``ECONOMY_TRANSFER_STRATEGY``; docs/economy.md compares them):
optimistic (versions), pessimistic (row locks), conditional (guarded UPDATE).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from core.errors import Conflict, NotFound, Unprocessable
from economy import locks
from economy.errors import ErrorCode
from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.services.ledger import amount_check, balance_overflow, legs_create

#: SQLSTATEs after which the whole transaction may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
STRATEGIES = ("optimistic", "pessimistic", "conditional")
_BACKOFF_BASE_SECONDS = 0.001
_BACKOFF_CAP_SECONDS = 0.05


@dataclasses.dataclass(frozen=True)
class TransferOutcome:
    """What the API answers. ``replayed``: an earlier request with this key answered it."""

    status: int
    body: dict[str, Any]
    replayed: bool = False
    attempts: int = 1
    #: Why each earlier attempt ran again: "optimistic_miss", "40001" or "40P01" (benchmarks count them).
    retry_reasons: tuple[str, ...] = ()


class _OptimisticMiss(Exception):
    """A wallet's version changed between our read and our write: run again."""


def transfer_fingerprint(*, to_user_id: int, amount: int) -> str:
    """The request's identity for Idempotency-Key reuse detection (Stripe semantics)."""
    canonical = json.dumps({"amount": amount, "to_user_id": to_user_id}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def wallet_transfer(
    *,
    sender: User,
    to_user_id: int,
    amount: int,
    idempotency_key: str,
    strategy: str | None = None,
) -> TransferOutcome:
    """Move ``amount`` from the sender's wallet to the receiver's, exactly once per key.

    Runs the whole transaction again after a serialization failure, a deadlock or an
    optimistic miss, with jittered exponential backoff, then gives up with 409
    ``contention``. Precondition: not inside a caller's transaction (a retry must
    start a fresh one; inside one it would only roll back to a savepoint).
    """
    amount_check(amount)
    move = _STRATEGY_MOVES[strategy or settings.ECONOMY_TRANSFER_STRATEGY]
    fingerprint = transfer_fingerprint(to_user_id=to_user_id, amount=amount)
    attempts = settings.ECONOMY_TRANSFER_MAX_RETRIES + 1
    reasons: list[str] = []
    for attempt in range(1, attempts + 1):
        try:
            outcome = _transfer_once(
                sender=sender,
                to_user_id=to_user_id,
                amount=amount,
                key=idempotency_key,
                fingerprint=fingerprint,
                move=move,
            )
        except (_OptimisticMiss, OperationalError) as exc:
            reason = _retry_reason(exc)
            if reason is None:
                raise
            if attempt == attempts:
                raise Conflict("Too much contention on these wallets; try again.", code=ErrorCode.CONTENTION) from None
            reasons.append(reason)
            _backoff(attempt)
            continue
        return dataclasses.replace(outcome, attempts=attempt, retry_reasons=tuple(reasons))
    raise AssertionError("unreachable")  # pragma: no cover


def _retry_reason(exc: Exception) -> str | None:
    """Why the transaction may run again, or None when it may not."""
    if isinstance(exc, _OptimisticMiss):
        return "optimistic_miss"
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate if sqlstate in RETRYABLE_SQLSTATES else None


def _backoff(attempt: int) -> None:
    # Full jitter: spreads the retrying transactions apart instead of re-colliding them.
    ceiling = min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2**attempt)
    time.sleep(random.uniform(0, ceiling))  # noqa: S311 - jitter, not cryptography


@transaction.atomic
def _transfer_once(
    *, sender: User, to_user_id: int, amount: int, key: str, fingerprint: str, move: _Move
) -> TransferOutcome:
    body: dict[str, Any] = {"from_user_id": sender.pk, "to_user_id": to_user_id, "amount": amount}
    # The key is claimed FIRST, before any wallet is touched: a concurrent twin's INSERT
    # waits here on the unique index, holding nothing, until this transaction ends. If it
    # commits, the twin's INSERT fails and the twin replays this answer; if it rolls
    # back (no funds, unknown receiver), the twin runs as a first use. Claimed after
    # the wallet UPDATEs (before issue 17), the twin waited on the sender's wallet
    # instead and then saw the balance this transfer had just spent: 422, a different
    # outcome for the same request.
    transaction_id = _transfer_claim(sender_id=sender.pk, key=key, fingerprint=fingerprint, body=body)
    if transaction_id is None:
        replay = _transfer_replay(sender=sender, key=key, fingerprint=fingerprint)
        assert replay is not None  # the claim found the committed row: the SELECT, a later statement, sees it
        return replay
    if to_user_id == sender.pk:  # after the claim: a reused key is refused as reused, whatever the body
        raise Unprocessable("You cannot transfer to yourself.", code=ErrorCode.SELF_TRANSFER)
    sender_leg, receiver_leg = move(sender_id=sender.pk, receiver_id=to_user_id, amount=amount)
    legs_create(
        transaction_id=transaction_id,
        kind=LedgerTransaction.Kind.TRANSFER,
        legs=[(sender_leg, -amount), (receiver_leg, amount)],
    )
    return TransferOutcome(status=201, body={"id": transaction_id, **body, "balance": sender_leg[1]})


# The transfer path's statements are plain SQL: it is a hot path, and for these small
# fixed statements the ORM's query compilation cost more Python time than the
# database did (profiled: notes/issue-5.md). Names come from model metadata, values are bound.
_TRANSFER_CLAIM_SQL = (
    f"INSERT INTO {LedgerTransaction._meta.db_table} "  # noqa: S608
    "(kind, owner_id, idempotency_key, reference, fingerprint, response_status, response_body, reason, created_at) "
    # DO NOTHING rather than an IntegrityError: the same wait on the unique index, but
    # the transaction stays usable for the replay's SELECT (no savepoint round trips).
    "VALUES (%s, %s, %s, NULL, %s, 201, %s, '', %s) ON CONFLICT DO NOTHING RETURNING id"
)
# The stored body has no balance (it is claimed before the money moves); the caller's
# balance after the transfer is the balance_after of the sender's leg, the negative one.
_TRANSFER_REPLAY_SQL = (
    "SELECT tx.id, tx.fingerprint, tx.response_status, tx.response_body, leg.balance_after "  # noqa: S608
    f"FROM {LedgerTransaction._meta.db_table} AS tx LEFT JOIN {LedgerEntry._meta.db_table} AS leg "
    "ON leg.transaction_id = tx.id AND leg.amount < 0 "
    "WHERE tx.owner_id = %s AND tx.idempotency_key = %s"
)
_WALLET_ROWS_SQL = f"SELECT id, user_id, balance, version FROM {Wallet._meta.db_table} WHERE user_id IN (%s, %s)"  # noqa: S608
_RESPONSE_BODY = LedgerTransaction._meta.get_field("response_body")


def _transfer_claim(*, sender_id: int, key: str, fingerprint: str, body: dict[str, Any]) -> int | None:
    """Insert the transfer's ledger row under its Idempotency-Key; returns its id, or
    None when the key is taken (by an earlier request, or by a twin that committed
    while this INSERT waited for it)."""
    stored_body = _RESPONSE_BODY.get_db_prep_save(body, connection)
    params = [LedgerTransaction.Kind.TRANSFER.value, sender_id, key, fingerprint, stored_body, timezone.now()]
    with connection.cursor() as cursor:
        cursor.execute(_TRANSFER_CLAIM_SQL, params)
        row = cursor.fetchone()
    return row[0] if row else None


def _transfer_replay(*, sender: User, key: str, fingerprint: str) -> TransferOutcome | None:
    # At most one row: (owner, idempotency_key) is unique.
    with connection.cursor() as cursor:
        cursor.execute(_TRANSFER_REPLAY_SQL, [sender.pk, key])
        stored = cursor.fetchone()
    if stored is None:
        return None
    transaction_id, stored_fingerprint, status, stored_body, balance = stored
    if stored_fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was used with another request.", code=ErrorCode.IDEMPOTENCY_KEY_REUSED
        )
    body = _RESPONSE_BODY.from_db_value(stored_body, None, connection)  # type: ignore[arg-type]  # Django passes None too
    # The stored body leaves out the id, which is only known once the row exists.
    return TransferOutcome(status=status, body={"id": transaction_id, **body, "balance": balance}, replayed=True)


def idempotency_keys_expire(*, older_than: datetime) -> int:
    """Free the Idempotency-Keys of transfers made before ``older_than``; returns how many.

    The ledger rows stay (they are the books); only the key, its fingerprint and the
    stored answer are cleared, so the unique (owner, key) index no longer holds them
    and the key may be used again, as a new request. ``economy_idempotency_expire``
    runs this with ``ECONOMY_IDEMPOTENCY_KEY_RETENTION_HOURS``.
    """
    expired = LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.TRANSFER, created_at__lt=older_than)
    return expired.exclude(idempotency_key="").update(idempotency_key="", fingerprint="", response_body=None)


# Each strategy moves the money and returns the (wallet_id, balance_after) of the
# sender's and the receiver's legs. All update in wallet-id order, so two transfers
# over the same pair in opposite directions can never deadlock each other.
_Leg = tuple[int, int]
_Move = Callable[..., tuple[_Leg, _Leg]]


def _move_conditional(*, sender_id: int, receiver_id: int, amount: int) -> tuple[_Leg, _Leg]:
    """No read, no lock before writing: two guarded UPDATEs. The row lock each one
    takes lasts only from the UPDATE to commit, and a waiting UPDATE re-checks
    ``balance >= amount`` on the committed row, so there is neither a lost update
    nor a retry for anything but a deadlock (impossible in id order)."""
    rows = _wallet_rows(user_ids=[sender_id, receiver_id], sender_id=sender_id, receiver_id=receiver_id)
    legs: dict[int, _Leg] = {}
    for row in sorted(rows.values(), key=lambda r: r["id"]):
        if row["user_id"] == sender_id:
            where, params = locks.BY_ID_IF_FUNDS, [row["id"], amount]
        else:
            where, params = locks.BY_ID, [row["id"]]
        delta = -amount if row["user_id"] == sender_id else amount
        leg = locks.wallet_add(delta=delta, where=where, params=params, caller="wallet_transfer", wallet_id=row["id"])
        if leg is None and row["user_id"] == sender_id:
            raise Unprocessable("Insufficient funds.", code=ErrorCode.INSUFFICIENT_FUNDS)
        if leg is None:  # the receiver's range guard refused
            raise balance_overflow()
        legs[row["user_id"]] = leg
    return legs[sender_id], legs[receiver_id]


def _move_optimistic(*, sender_id: int, receiver_id: int, amount: int) -> tuple[_Leg, _Leg]:
    """Read balances and versions, then compare-and-swap each wallet on its version."""
    rows = _wallet_rows(user_ids=[sender_id, receiver_id], sender_id=sender_id, receiver_id=receiver_id)
    _check_funds_and_range(rows=rows, sender_id=sender_id, receiver_id=receiver_id, amount=amount)
    legs: dict[int, _Leg] = {}
    for row in sorted(rows.values(), key=lambda r: r["id"]):
        delta = -amount if row["user_id"] == sender_id else amount
        leg = locks.wallet_add(
            delta=delta,
            where=locks.BY_ID_IF_VERSION,
            params=[row["id"], row["version"]],
            caller="wallet_transfer",
            wallet_id=row["id"],
        )
        if leg is None:
            raise _OptimisticMiss
        legs[row["user_id"]] = leg
    return legs[sender_id], legs[receiver_id]


def _move_pessimistic(*, sender_id: int, receiver_id: int, amount: int) -> tuple[_Leg, _Leg]:
    """Lock both wallets (FOR NO KEY UPDATE, id order), check, then update."""
    rows = _wallet_rows(user_ids=[sender_id, receiver_id], sender_id=sender_id, receiver_id=receiver_id, lock=True)
    _check_funds_and_range(rows=rows, sender_id=sender_id, receiver_id=receiver_id, amount=amount)
    legs: dict[int, _Leg] = {}
    for row in sorted(rows.values(), key=lambda r: r["id"]):
        delta = -amount if row["user_id"] == sender_id else amount
        leg = locks.wallet_add(
            delta=delta, where=locks.BY_ID, params=[row["id"]], caller="wallet_transfer", wallet_id=row["id"]
        )
        assert leg is not None  # we hold the lock
        legs[row["user_id"]] = leg
    return legs[sender_id], legs[receiver_id]


def _check_funds_and_range(*, rows: dict[int, locks.WalletRow], sender_id: int, receiver_id: int, amount: int) -> None:
    """The checks of the strategies that read balances first. A stale read is caught by
    the version compare-and-swap (optimistic) or cannot happen (pessimistic holds the
    locks); the UPDATE's own range guard stays the last word either way."""
    if rows[sender_id]["balance"] < amount:
        raise Unprocessable("Insufficient funds.", code=ErrorCode.INSUFFICIENT_FUNDS)
    if rows[receiver_id]["balance"] > locks.BALANCE_MAX - amount:
        raise balance_overflow()


_STRATEGY_MOVES: dict[str, _Move] = {
    "optimistic": _move_optimistic,
    "pessimistic": _move_pessimistic,
    "conditional": _move_conditional,
}


def _wallet_rows(
    *, user_ids: list[int], sender_id: int, receiver_id: int, lock: bool = False
) -> dict[int, locks.WalletRow]:
    """Both wallets keyed by user id; 404 for an unknown receiver, missing wallets made."""
    rows = _wallet_rows_read(user_ids=user_ids, lock=lock)
    if len(rows) == 2:
        return rows
    if receiver_id not in rows and not get_user_model().objects.filter(pk=receiver_id).exists():
        raise NotFound("No user with that id.", code=ErrorCode.RECEIVER_NOT_FOUND)
    # A user made without the signup service (createsuperuser) has no wallet yet.
    for user_id in set(user_ids) - set(rows):
        Wallet.objects.get_or_create(user_id=user_id)
    return _wallet_rows_read(user_ids=user_ids, lock=lock)


def _wallet_rows_read(*, user_ids: list[int], lock: bool) -> dict[int, locks.WalletRow]:
    if lock:
        return locks.wallets_lock(user_ids=user_ids, caller="wallet_transfer")
    with connection.cursor() as cursor:
        cursor.execute(_WALLET_ROWS_SQL, user_ids)
        rows = cursor.fetchall()
    return {
        user_id: locks.WalletRow(id=wallet_id, user_id=user_id, balance=balance, version=version)
        for wallet_id, user_id, balance, version in rows
    }
