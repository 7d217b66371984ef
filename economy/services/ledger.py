"""What every money movement shares: the amount rule, the wallets, the ledger legs.

Money is conserved by construction: each movement is one LedgerTransaction whose
two legs sum to zero, written in the same database transaction as the balance
changes. Wallets rank last in the global lock order (core.locking), so callers may
move money after taking their own locks.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.utils import timezone

from core.errors import InvalidInput, Unprocessable
from core.sql import rows_insert
from economy.errors import ErrorCode
from economy.models import LedgerEntry, Wallet

#: Larger amounts are refused: JSON clients (JavaScript) lose integer precision above 2^53.
MAX_AMOUNT = 2**53


def wallet_create(*, user: User) -> Wallet:
    """Create the user's wallet; idempotent, so it is safe for users made elsewhere (admin)."""
    wallet, _ = Wallet.objects.get_or_create(user=user)
    return wallet


def treasury_get() -> Wallet:
    """The system wallet, created on first use (a flushed test database has none)."""
    treasury, _ = Wallet.objects.get_or_create(is_treasury=True, defaults={"user": None})
    return treasury


def amount_check(amount: object) -> int:
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        raise InvalidInput(f"amount must be an integer between 1 and {MAX_AMOUNT}.", code=ErrorCode.INVALID_AMOUNT)
    return amount


def balance_overflow() -> Unprocessable:
    """The refusal of a movement that would take a balance past 64 bits (a guarded UPDATE matched nothing)."""
    return Unprocessable("That would overflow a balance.", code=ErrorCode.BALANCE_OVERFLOW)


_LEGS_COLUMNS = ("transaction_id", "wallet_id", "amount", "balance_after", "kind", "created_at")


def legs_insert(*, legs: Sequence[tuple[int, int, int, int]], kind: str) -> None:
    """One INSERT of ledger legs, each (transaction id, wallet id, amount, balance after).

    Plain SQL rather than ``bulk_create``: on every transfer and credit the model
    layer's per-field preparation cost more Python time than the statement itself.
    """
    now = timezone.now()
    rows_insert(table=LedgerEntry._meta.db_table, columns=_LEGS_COLUMNS, rows=[(*leg, kind, now) for leg in legs])


def legs_create(*, transaction_id: int, kind: str, legs: list[tuple[tuple[int, int], int]]) -> None:
    """Write the ledger legs; ``legs`` holds ((wallet_id, balance_after), amount) pairs."""
    legs_insert(
        legs=[(transaction_id, wallet_id, amount, balance_after) for (wallet_id, balance_after), amount in legs],
        kind=kind,
    )
