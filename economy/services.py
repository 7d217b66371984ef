"""Every balance change goes through this module: the API, entry fees and refunds
(registration), rewards and prizes (finalization), grants.

Money is conserved by construction: each movement is one LedgerTransaction whose
two legs sum to zero, written in the same database transaction as the balance
changes. System movements (fees, refunds, rewards, grants) go against the
treasury wallet, which alone may go negative.

Wallets rank last in the global lock order (core.locking), so callers may move
money after taking their own locks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound, Unprocessable
from core.sql import rows_insert
from economy import locks
from economy.errors import ErrorCode
from economy.models import LedgerEntry, LedgerTransaction, Wallet

#: Larger amounts are refused: JSON clients (JavaScript) lose integer precision above 2^53.
MAX_AMOUNT = 2**53
#: SQLSTATEs after which the whole transaction may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
STRATEGIES = ("optimistic", "pessimistic", "conditional")
_BACKOFF_BASE_SECONDS = 0.001
_BACKOFF_CAP_SECONDS = 0.05


def wallet_create(*, user: User) -> Wallet:
    """Create the user's wallet; idempotent, so it is safe for users made elsewhere (admin)."""
    wallet, _ = Wallet.objects.get_or_create(user=user)
    return wallet


def treasury_get() -> Wallet:
    """The system wallet, created on first use (a flushed test database has none)."""
    treasury, _ = Wallet.objects.get_or_create(is_treasury=True, defaults={"user": None})
    return treasury


def _check_amount(amount: object) -> int:
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(f"amount must be an integer between 1 and {MAX_AMOUNT}.", code=ErrorCode.INVALID_AMOUNT)
    return amount


# --- System movements: user wallet <-> treasury ----------------------------------------


def wallet_debit(*, user: User, amount: int, kind: str, reference: str) -> LedgerTransaction:
    """Move ``amount`` from the user's wallet to the treasury (an entry fee, say).

    Raises Unprocessable(code=ErrorCode.INSUFFICIENT_FUNDS) and writes nothing if the wallet
    is short. Idempotent on ``reference``: a second call with the same reference
    returns the first transaction and writes nothing.
    """
    return _system_movement(
        user=user, delta=-_check_amount(amount), kind=kind, reference=reference, caller="wallet_debit"
    )


def wallet_credit(*, user: User, amount: int, kind: str, reference: str) -> LedgerTransaction:
    """Move ``amount`` from the treasury to the user's wallet (refund, prize, reward).

    Idempotent on ``reference``, like ``wallet_debit``. Creates a missing wallet.
    """
    return _system_movement(
        user=user, delta=_check_amount(amount), kind=kind, reference=reference, caller="wallet_credit"
    )


#: One credit of ``wallet_credit_many``: (user id, amount, reference).
Credit = tuple[int, int, str]

_CLAIM_SQL = (
    f"INSERT INTO {LedgerTransaction._meta.db_table} "  # noqa: S608 - table name from model metadata, values bound
    "(kind, owner_id, idempotency_key, reference, fingerprint, response_status, response_body, created_at) "
    "VALUES {rows} ON CONFLICT (reference) DO NOTHING RETURNING id, reference"
)


def wallet_credit_many(*, credits: Sequence[Credit], kind: str, caller: str = "wallet_credit_many") -> dict[str, int]:
    """Many ``wallet_credit`` movements in five statements, whatever their number.

    ``credits`` holds (user id, amount, reference) triples. Returns the id of the
    transaction written for each reference that was not paid before; a reference
    already in the ledger is skipped (idempotent, like ``wallet_credit``). Takes user
    ids, not users: callers such as finalization hold ids only, and loading the users
    would cost a query. Locks, in the global order: the user wallets in id order (one
    statement), then the treasury, last. Bad input raises InvalidInput before any
    statement.
    """
    _check_credits(credits=credits, kind=kind)
    if not credits:
        return {}
    return _credits_pay(credits=credits, kind=kind, caller=caller)


# No savepoint: it would cost two round trips under the caller's locks, and a database
# error here must abort the caller's whole transaction anyway, so no credit is half written.
@transaction.atomic(savepoint=False)
def _credits_pay(*, credits: Sequence[Credit], kind: str, caller: str) -> dict[str, int]:
    wallet_ids = _credited_wallets_lock(user_ids=[user_id for user_id, _, _ in credits], caller=caller)
    claimed = _references_claim(references=[reference for _, _, reference in credits], kind=kind)
    paid = [credit for credit in credits if credit[2] in claimed]
    if not paid:
        return {}
    legs = _credit_legs(paid=paid, wallet_ids=wallet_ids, claimed=claimed, caller=caller)
    _legs_insert(legs=legs, kind=kind)
    return {reference: claimed[reference] for _, _, reference in paid}


def _check_credits(*, credits: Sequence[Credit], kind: str) -> None:
    if kind not in LedgerTransaction.Kind.values:
        raise InvalidInput(f"unknown ledger kind {kind!r}.", code=ErrorCode.INVALID_KIND)
    references = [reference for _, _, reference in credits]
    if not all(references) or len(set(references)) != len(references):
        raise InvalidInput("each credit needs its own reference.", code=ErrorCode.INVALID_REFERENCE)
    for _, amount, _ in credits:
        _check_amount(amount)


def _credited_wallets_lock(*, user_ids: list[int], caller: str) -> dict[int, int]:
    """Lock the users' wallets (id order, one statement), making missing ones; user id → wallet id."""
    rows = locks.wallets_lock(user_ids=user_ids, caller=caller)
    missing = set(user_ids) - set(rows)
    if missing:  # users made without the signup service (createsuperuser)
        Wallet.objects.bulk_create([Wallet(user_id=user_id) for user_id in sorted(missing)], ignore_conflicts=True)
        rows = locks.wallets_lock(user_ids=user_ids, caller=caller)
    return {user_id: row["id"] for user_id, row in rows.items()}


def _references_claim(*, references: list[str], kind: str) -> dict[str, int]:
    """Insert one transaction per reference; return reference → id of those inserted.

    ON CONFLICT DO NOTHING leaves out the references already taken, including by a
    concurrent call that committed while our INSERT waited on the unique index.
    """
    sql = _CLAIM_SQL.replace("{rows}", ", ".join(["(%s, NULL, '', %s, '', NULL, NULL, %s)"] * len(references)))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for reference in references for value in (kind, reference, now)])
        return {reference: tx_id for tx_id, reference in cursor.fetchall()}


def _credit_legs(
    *, paid: list[Credit], wallet_ids: dict[int, int], claimed: dict[str, int], caller: str
) -> list[tuple[int, int, int, int]]:
    """Move the money (user wallets, then the treasury); return the legs to write.

    Each leg is (transaction id, wallet id, amount, balance after). A wallet credited
    twice in the batch gets running balances, exact because we hold its lock.
    """
    deltas: dict[int, int] = defaultdict(int)
    for user_id, amount, _ in paid:
        deltas[wallet_ids[user_id]] += amount
    balances = locks.wallets_add(deltas=deltas, caller=caller)
    total = sum(deltas.values())
    treasury_id, treasury_balance = _treasury_add(delta=-total, caller=caller)
    running = {wallet_id: balances[wallet_id] - delta for wallet_id, delta in deltas.items()}
    running[treasury_id] = treasury_balance + total
    legs = []
    for user_id, amount, reference in paid:
        wallet_id = wallet_ids[user_id]
        running[wallet_id] += amount
        running[treasury_id] -= amount
        legs.append((claimed[reference], wallet_id, amount, running[wallet_id]))
        legs.append((claimed[reference], treasury_id, -amount, running[treasury_id]))
    return legs


def wallet_grant(*, user: User, amount: int) -> tuple[LedgerTransaction, int]:
    """Mint coins for a user (staff API, ``economy_grant``); returns the user's new balance."""
    try:
        # No reference: every grant is a new movement (the staff API has no retries to dedupe).
        return _system_movement_once(
            user=user,
            delta=_check_amount(amount),
            kind=LedgerTransaction.Kind.GRANT,
            reference=None,
            caller="wallet_grant",
        )
    except DataError:
        # 64-bit overflow of the receiver (or of the treasury's negative balance).
        raise Unprocessable("That grant would overflow a balance.", code=ErrorCode.BALANCE_OVERFLOW) from None


def _system_movement(*, user: User, delta: int, kind: str, reference: str, caller: str) -> LedgerTransaction:
    if kind not in LedgerTransaction.Kind.values:
        raise InvalidInput(f"unknown ledger kind {kind!r}.", code=ErrorCode.INVALID_KIND)
    if not reference:
        # "" would be one shared key: the second fee of anyone would replay the first.
        raise InvalidInput("a system movement needs a reference.", code=ErrorCode.INVALID_REFERENCE)
    try:
        ledger_transaction, _balance = _system_movement_once(
            user=user, delta=delta, kind=kind, reference=reference, caller=caller
        )
    except IntegrityError:
        # The reference was taken, by an earlier call or by a concurrent one that
        # committed while our INSERT waited on the unique index: replay it. Our
        # savepoint was rolled back, so nothing of this call remains.
        existing = LedgerTransaction.objects.filter(reference=reference).first()
        if existing is None:
            raise
        return existing
    return ledger_transaction


@transaction.atomic
def _system_movement_once(
    *, user: User, delta: int, kind: str, reference: str | None, caller: str
) -> tuple[LedgerTransaction, int]:
    """One movement in one savepoint: the reference claim first, the treasury last.

    The treasury row is the one every fee and reward touches: it is updated by the
    last statement before the ledger legs so this call holds its lock as briefly as
    it can (the lock still lasts until the caller's commit; see docs/economy.md).
    """
    ledger_transaction = LedgerTransaction.objects.create(kind=kind, reference=reference)
    user_leg = _user_wallet_add(user=user, delta=delta, caller=caller)
    treasury_leg = _treasury_add(delta=-delta, caller=caller)
    _legs_create(transaction_id=ledger_transaction.pk, kind=kind, legs=[(user_leg, delta), (treasury_leg, -delta)])
    return ledger_transaction, user_leg[1]


def _user_wallet_add(*, user: User, delta: int, caller: str) -> tuple[int, int]:
    if delta < 0:
        # Guarded in SQL: no read, no window between "check funds" and "debit".
        leg = locks.wallet_add(delta=delta, where=locks.BY_USER_IF_FUNDS, params=[user.pk, -delta], caller=caller)
        if leg is None:
            raise Unprocessable("Insufficient funds.", code=ErrorCode.INSUFFICIENT_FUNDS)
        return leg
    leg = locks.wallet_add(delta=delta, where=locks.BY_USER, params=[user.pk], caller=caller)
    if leg is None:  # a user made without the signup service (createsuperuser)
        wallet_create(user=user)
        leg = locks.wallet_add(delta=delta, where=locks.BY_USER, params=[user.pk], caller=caller)
    assert leg is not None
    return leg


def _treasury_add(*, delta: int, caller: str) -> tuple[int, int]:
    leg = locks.wallet_add(delta=delta, where=locks.TREASURY, params=[True], caller=caller)
    if leg is None:
        treasury_get()
        leg = locks.wallet_add(delta=delta, where=locks.TREASURY, params=[True], caller=caller)
    assert leg is not None
    return leg


_LEGS_COLUMNS = ("transaction_id", "wallet_id", "amount", "balance_after", "kind", "created_at")


def _legs_insert(*, legs: Sequence[tuple[int, int, int, int]], kind: str) -> None:
    """One INSERT of ledger legs, each (transaction id, wallet id, amount, balance after).

    Plain SQL rather than ``bulk_create``: on every transfer and credit the model
    layer's per-field preparation cost more Python time than the statement itself.
    """
    now = timezone.now()
    rows_insert(table=LedgerEntry._meta.db_table, columns=_LEGS_COLUMNS, rows=[(*leg, kind, now) for leg in legs])


def _legs_create(*, transaction_id: int, kind: str, legs: list[tuple[tuple[int, int], int]]) -> None:
    """Write the ledger legs; ``legs`` holds ((wallet_id, balance_after), amount) pairs."""
    _legs_insert(
        legs=[(transaction_id, wallet_id, amount, balance_after) for (wallet_id, balance_after), amount in legs],
        kind=kind,
    )


# --- Transfers between users -------------------------------------------------------------


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
    _check_amount(amount)
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
        except IntegrityError:
            # A concurrent request with the same key committed first (our INSERT
            # waited on the unique index): the constraint decided, we replay.
            replayed = _transfer_replay(sender=sender, key=idempotency_key, fingerprint=fingerprint)
            if replayed is None:
                raise
            outcome = replayed
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
    replay = _transfer_replay(sender=sender, key=key, fingerprint=fingerprint)
    if replay is not None:
        return replay
    if to_user_id == sender.pk:
        raise Unprocessable("You cannot transfer to yourself.", code=ErrorCode.SELF_TRANSFER)
    sender_leg, receiver_leg = move(sender_id=sender.pk, receiver_id=to_user_id, amount=amount)
    body = {"from_user_id": sender.pk, "to_user_id": to_user_id, "amount": amount, "balance": sender_leg[1]}
    # The key is claimed last: a concurrent twin blocks here on the unique index, and
    # when it loses, its whole attempt (wallet updates included) rolls back.
    transaction_id = _transfer_claim(sender_id=sender.pk, key=key, fingerprint=fingerprint, body=body)
    _legs_create(
        transaction_id=transaction_id,
        kind=LedgerTransaction.Kind.TRANSFER,
        legs=[(sender_leg, -amount), (receiver_leg, amount)],
    )
    return TransferOutcome(status=201, body={"id": transaction_id, **body})


# The transfer path's statements are plain SQL: it is a hot path, and for these small
# fixed statements the ORM's query compilation cost more Python time than the
# database did (profiled: notes/issue-5.md). Names come from model metadata, values are bound.
_TRANSFER_CLAIM_SQL = (
    f"INSERT INTO {LedgerTransaction._meta.db_table} "  # noqa: S608
    "(kind, owner_id, idempotency_key, reference, fingerprint, response_status, response_body, created_at) "
    "VALUES (%s, %s, %s, NULL, %s, 201, %s, %s) RETURNING id"
)
_TRANSFER_REPLAY_SQL = (
    f"SELECT id, fingerprint, response_status, response_body FROM {LedgerTransaction._meta.db_table} "  # noqa: S608
    "WHERE owner_id = %s AND idempotency_key = %s"
)
_WALLET_ROWS_SQL = f"SELECT id, user_id, balance, version FROM {Wallet._meta.db_table} WHERE user_id IN (%s, %s)"  # noqa: S608
_RESPONSE_BODY = LedgerTransaction._meta.get_field("response_body")


def _transfer_claim(*, sender_id: int, key: str, fingerprint: str, body: dict[str, Any]) -> int:
    """Insert the transfer's ledger row under its Idempotency-Key; returns its id."""
    stored_body = _RESPONSE_BODY.get_db_prep_save(body, connection)
    params = [LedgerTransaction.Kind.TRANSFER.value, sender_id, key, fingerprint, stored_body, timezone.now()]
    with connection.cursor() as cursor:
        cursor.execute(_TRANSFER_CLAIM_SQL, params)
        return cursor.fetchone()[0]


def _transfer_replay(*, sender: User, key: str, fingerprint: str) -> TransferOutcome | None:
    # At most one row: (owner, idempotency_key) is unique.
    with connection.cursor() as cursor:
        cursor.execute(_TRANSFER_REPLAY_SQL, [sender.pk, key])
        stored = cursor.fetchone()
    if stored is None:
        return None
    transaction_id, stored_fingerprint, status, stored_body = stored
    if stored_fingerprint != fingerprint:
        raise Unprocessable(
            "This Idempotency-Key was used with another request.", code=ErrorCode.IDEMPOTENCY_KEY_REUSED
        )
    body = _RESPONSE_BODY.from_db_value(stored_body, None, connection)  # type: ignore[arg-type]  # Django passes None too
    # The stored body leaves out the id, which is only known once the row exists.
    return TransferOutcome(status=status, body={"id": transaction_id, **body}, replayed=True)


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
        if leg is None:
            raise Unprocessable("Insufficient funds.", code=ErrorCode.INSUFFICIENT_FUNDS)
        legs[row["user_id"]] = leg
    return legs[sender_id], legs[receiver_id]


def _move_optimistic(*, sender_id: int, receiver_id: int, amount: int) -> tuple[_Leg, _Leg]:
    """Read balances and versions, then compare-and-swap each wallet on its version."""
    rows = _wallet_rows(user_ids=[sender_id, receiver_id], sender_id=sender_id, receiver_id=receiver_id)
    if rows[sender_id]["balance"] < amount:
        raise Unprocessable("Insufficient funds.", code=ErrorCode.INSUFFICIENT_FUNDS)
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
    if rows[sender_id]["balance"] < amount:
        raise Unprocessable("Insufficient funds.", code=ErrorCode.INSUFFICIENT_FUNDS)
    legs: dict[int, _Leg] = {}
    for row in sorted(rows.values(), key=lambda r: r["id"]):
        delta = -amount if row["user_id"] == sender_id else amount
        leg = locks.wallet_add(
            delta=delta, where=locks.BY_ID, params=[row["id"]], caller="wallet_transfer", wallet_id=row["id"]
        )
        assert leg is not None  # we hold the lock
        legs[row["user_id"]] = leg
    return legs[sender_id], legs[receiver_id]


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
