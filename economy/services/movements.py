"""System movements: a user's wallet against the treasury (fees, refunds, rewards, prizes, grants).

The treasury alone may go negative. Every entry fee and refund (registration), reward
and prize (finalization) and grant goes through here; transfers between users are
``services/transfers.py``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.errors import InvalidInput, Unprocessable
from economy import locks
from economy.errors import ErrorCode
from economy.models import LedgerTransaction, Wallet
from economy.services.ledger import (
    amount_check,
    balance_overflow,
    legs_create,
    legs_insert,
    treasury_get,
    wallet_create,
)


def wallet_debit(
    *, user: User, amount: int, kind: str, reference: str, pool_id: int | None = None
) -> LedgerTransaction:
    """Move ``amount`` from the user's wallet to the treasury (an entry fee, say).

    Raises Unprocessable(code=ErrorCode.INSUFFICIENT_FUNDS) and writes nothing if the wallet
    is short. Idempotent on ``reference``: a second call with the same reference
    returns the first transaction and writes nothing. With ``pool_id`` the coins go
    to that prize pool instead of the treasury (``pool_create``).
    """
    return _system_movement(
        user=user, delta=-amount_check(amount), kind=kind, reference=reference, caller="wallet_debit", pool_id=pool_id
    )


def wallet_credit(
    *, user: User, amount: int, kind: str, reference: str, pool_id: int | None = None
) -> LedgerTransaction:
    """Move ``amount`` from the treasury (or the prize pool ``pool_id``) to the user's
    wallet (refund, prize, reward).

    Idempotent on ``reference``, like ``wallet_debit``. Creates a missing wallet. A pool
    never goes negative: a pool short of ``amount`` is 422 ``insufficient_funds``.
    """
    return _system_movement(
        user=user, delta=amount_check(amount), kind=kind, reference=reference, caller="wallet_credit", pool_id=pool_id
    )


def pool_create() -> Wallet:
    """A new, empty prize pool (a tournament's escrow): a wallet owned by no user."""
    return Wallet.objects.create(is_pool=True)


#: One credit of ``wallet_credit_many``: (user id, amount, reference).
Credit = tuple[int, int, str]

_CLAIM_SQL = (
    f"INSERT INTO {LedgerTransaction._meta.db_table} "  # noqa: S608 - table name from model metadata, values bound
    "(kind, owner_id, idempotency_key, reference, fingerprint, response_status, response_body, reason, created_at) "
    "VALUES {rows} ON CONFLICT (reference) DO NOTHING RETURNING id, reference"
)


def wallet_credit_many(
    *, credits: Sequence[Credit], kind: str, caller: str = "wallet_credit_many", pool_id: int | None = None
) -> dict[str, int]:
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
    return _credits_pay(credits=credits, kind=kind, caller=caller, pool_id=pool_id)


# No savepoint: it would cost two round trips under the caller's locks, and a database
# error here must abort the caller's whole transaction anyway, so no credit is half written.
@transaction.atomic(savepoint=False)
def _credits_pay(*, credits: Sequence[Credit], kind: str, caller: str, pool_id: int | None) -> dict[str, int]:
    wallet_ids = _credited_wallets_lock(user_ids=[user_id for user_id, _, _ in credits], caller=caller)
    claimed = _references_claim(references=[reference for _, _, reference in credits], kind=kind)
    paid = [credit for credit in credits if credit[2] in claimed]
    if not paid:
        return {}
    legs = _credit_legs(paid=paid, wallet_ids=wallet_ids, claimed=claimed, caller=caller, pool_id=pool_id)
    legs_insert(legs=legs, kind=kind)
    return {reference: claimed[reference] for _, _, reference in paid}


def _check_credits(*, credits: Sequence[Credit], kind: str) -> None:
    if kind not in LedgerTransaction.Kind.values:
        raise InvalidInput(f"unknown ledger kind {kind!r}.", code=ErrorCode.INVALID_KIND)
    references = [reference for _, _, reference in credits]
    if not all(references) or len(set(references)) != len(references):
        raise InvalidInput("each credit needs its own reference.", code=ErrorCode.INVALID_REFERENCE)
    for _, amount, _ in credits:
        amount_check(amount)


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
    sql = _CLAIM_SQL.replace("{rows}", ", ".join(["(%s, NULL, '', %s, '', NULL, NULL, '', %s)"] * len(references)))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for reference in references for value in (kind, reference, now)])
        return {reference: tx_id for tx_id, reference in cursor.fetchall()}


def _credit_legs(
    *, paid: list[Credit], wallet_ids: dict[int, int], claimed: dict[str, int], caller: str, pool_id: int | None
) -> list[tuple[int, int, int, int]]:
    """Move the money (user wallets, then the treasury); return the legs to write.

    Each leg is (transaction id, wallet id, amount, balance after). A wallet credited
    twice in the batch gets running balances, exact because we hold its lock.
    """
    deltas: dict[int, int] = defaultdict(int)
    for user_id, amount, _ in paid:
        deltas[wallet_ids[user_id]] += amount
    balances = locks.wallets_add(deltas=deltas, caller=caller)
    if len(balances) < len(deltas):
        raise balance_overflow()  # aborts the caller's transaction: no credit of the batch stays
    total = sum(deltas.values())
    treasury_id, treasury_balance = _counterparty_add(delta=-total, caller=caller, pool_id=pool_id)
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


def wallet_grant(
    *, user: User, amount: int, granted_by: User | None = None, reason: str = ""
) -> tuple[LedgerTransaction, int]:
    """Mint coins for a user; returns the user's new balance. Records who and why.

    No check of who may mint: callers decide (``grant_create`` for people, with its
    permission and caps; ``economy_grant`` and seed data act as the system).
    """
    # No reference: every grant is a new movement (the staff API has no retries to dedupe).
    return _system_movement_once(
        user=user,
        delta=amount_check(amount),
        kind=LedgerTransaction.Kind.GRANT,
        reference=None,
        caller="wallet_grant",
        granted_by=granted_by,
        reason=reason,
    )


def _system_movement(
    *, user: User, delta: int, kind: str, reference: str, caller: str, pool_id: int | None
) -> LedgerTransaction:
    if kind not in LedgerTransaction.Kind.values:
        raise InvalidInput(f"unknown ledger kind {kind!r}.", code=ErrorCode.INVALID_KIND)
    if not reference:
        # "" would be one shared key: the second fee of anyone would replay the first.
        raise InvalidInput("a system movement needs a reference.", code=ErrorCode.INVALID_REFERENCE)
    try:
        ledger_transaction, _balance = _system_movement_once(
            user=user, delta=delta, kind=kind, reference=reference, caller=caller, pool_id=pool_id
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
    *,
    user: User,
    delta: int,
    kind: str,
    reference: str | None,
    caller: str,
    granted_by: User | None = None,
    reason: str = "",
    pool_id: int | None = None,
) -> tuple[LedgerTransaction, int]:
    """One movement in one savepoint: the reference claim first, the treasury last.

    The treasury row is the one every fee and reward touches: it is updated by the
    last statement before the ledger legs so this call holds its lock as briefly as
    it can (the lock still lasts until the caller's commit; see docs/economy.md).
    """
    ledger_transaction = LedgerTransaction.objects.create(
        kind=kind, reference=reference, granted_by=granted_by, reason=reason
    )
    user_leg = _user_wallet_add(user=user, delta=delta, caller=caller)
    treasury_leg = _counterparty_add(delta=-delta, caller=caller, pool_id=pool_id)
    legs_create(transaction_id=ledger_transaction.pk, kind=kind, legs=[(user_leg, delta), (treasury_leg, -delta)])
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
    if leg is None:  # the wallet exists: the range guard refused
        raise balance_overflow()
    return leg


def _counterparty_add(*, delta: int, caller: str, pool_id: int | None) -> tuple[int, int]:
    """The other side of a system movement: the treasury, or a tournament's prize pool.

    A pool is updated last, as the treasury is; every movement of one pool runs under
    its tournament's row lock (taken first), so pools are never a contended row.
    """
    if pool_id is None:
        return _treasury_add(delta=delta, caller=caller)
    if delta < 0:
        where, params = locks.BY_ID_IF_FUNDS, [pool_id, -delta]
    else:
        where, params = locks.BY_ID, [pool_id]
    leg = locks.wallet_add(delta=delta, where=where, params=params, caller=caller, wallet_id=pool_id)
    if leg is None and delta < 0:
        raise Unprocessable("The prize pool does not hold that much.", code=ErrorCode.INSUFFICIENT_FUNDS)
    if leg is None:
        raise balance_overflow()
    return leg


def _treasury_add(*, delta: int, caller: str) -> tuple[int, int]:
    leg = locks.wallet_add(delta=delta, where=locks.TREASURY, params=[True], caller=caller)
    if leg is None:
        treasury_get()
        leg = locks.wallet_add(delta=delta, where=locks.TREASURY, params=[True], caller=caller)
    if leg is None:  # minus all coins ever minted reached -2^63
        raise balance_overflow()
    return leg
