"""Row locks of the economy app, each observed and ranked (see core.locking).

Wallets rank last in the global lock order, so any pipeline may move money after
taking its own locks. Rows of one type are locked in ascending primary key.

Two kinds of lock site live here:
- ``wallets_lock``: an explicit ``SELECT ... FOR NO KEY UPDATE`` (the pessimistic
  transfer strategy). ``no_key`` because we never change a wallet's key: inserting a
  LedgerEntry that references the wallet must not wait for it.
- ``wallet_add``: the guarded ``UPDATE ... RETURNING`` that the other paths use. An
  UPDATE takes the same row lock as FOR NO KEY UPDATE, so it is observed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypedDict

from django.db import connection
from django.utils import timezone

from core.locking import observe_lock
from core.sql import flatten, values_placeholders
from economy.models import Wallet

PIPELINE = "economy"

# Django's update() cannot return the new balance, and re-reading it would cost a
# query per leg; RETURNING gives the balance the row really has after our change
# (under READ COMMITTED, PostgreSQL re-checks the WHERE on the latest row version
# after waiting for a concurrent writer, so the guard and the result are exact).
_ADD_SQL = (
    f"UPDATE {Wallet._meta.db_table} "  # noqa: S608 - table name from model metadata, values bound
    "SET balance = balance + %s, version = version + 1, updated_at = %s "
    "WHERE {where} RETURNING id, balance"
)

#: WHERE clauses of ``wallet_add``; each one is a compare-and-swap guard.
BY_ID = "id = %s"
BY_ID_IF_FUNDS = "id = %s AND balance >= %s"
BY_ID_IF_VERSION = "id = %s AND version = %s"
BY_USER = "user_id = %s"
BY_USER_IF_FUNDS = "user_id = %s AND balance >= %s"
TREASURY = "is_treasury = %s"

#: The range of a 64-bit ``BigIntegerField``. Every ``wallet_add`` also guards it in its
#: WHERE: past it PostgreSQL raises DataError (a 500) and SQLite silently turns the
#: balance into a float. A guarded UPDATE instead matches no row, which callers report
#: as ``balance_overflow``; it costs no statement.
BALANCE_MAX = 2**63 - 1
BALANCE_MIN = -(2**63)
_IN_RANGE = " AND balance <= %s AND balance >= %s"


def wallet_add(
    *, delta: int, where: str, params: Sequence[Any], caller: str, wallet_id: int | None = None
) -> tuple[int, int] | None:
    """Add ``delta`` to the one wallet matched by ``where``; bump its version.

    Returns ``(wallet_id, balance_after)``, or None when no row matched (unknown
    wallet, or a guard refused: not enough funds, stale version, or a balance that
    would leave the 64-bit range).
    Precondition: inside ``transaction.atomic`` (the row lock lasts until commit).
    """
    with (
        observe_lock(pipeline=PIPELINE, entity_type="Wallet", entity_id=wallet_id, caller=caller),
        connection.cursor() as cursor,
    ):
        bounds = [BALANCE_MAX - max(delta, 0), BALANCE_MIN - min(delta, 0)]
        cursor.execute(_ADD_SQL.replace("{where}", where + _IN_RANGE), [delta, timezone.now(), *params, *bounds])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


class WalletRow(TypedDict):
    id: int
    user_id: int
    balance: int
    version: int


def wallets_lock(*, user_ids: Iterable[int], caller: str) -> dict[int, WalletRow]:
    """Lock the wallets of these users in id order (one statement); keyed by user id."""
    ids = sorted(set(user_ids))
    with observe_lock(pipeline=PIPELINE, entity_type="Wallet", entity_id=None, caller=caller):
        rows = list(
            Wallet.objects.filter(user_id__in=ids)
            .order_by("pk")
            .select_for_update(of=("self",), no_key=True)
            .values("id", "user_id", "balance", "version")
        )
    return {row["user_id"]: row for row in rows}


# One UPDATE for many wallets. The deltas come in as a VALUES list in a CTE, the form
# both PostgreSQL and SQLite accept (SQLite has no column list on a VALUES alias,
# and refuses a qualified name in RETURNING, hence no "id" column in the CTE).
_ADD_MANY_SQL = (
    "WITH delta (wallet_id, amount) AS (VALUES {rows}) "  # noqa: S608 - table name from model metadata, values bound
    f"UPDATE {Wallet._meta.db_table} AS wallet "
    "SET balance = wallet.balance + delta.amount, version = wallet.version + 1, updated_at = %s "
    # Credits only (positive deltas), so one bound: the sum stays within 64 bits.
    "FROM delta WHERE wallet.id = delta.wallet_id AND wallet.balance <= %s - delta.amount RETURNING id, balance"
)


def wallets_add(*, deltas: Mapping[int, int], caller: str) -> dict[int, int]:
    """Add each delta to its wallet (keyed by wallet id) in one statement; bump versions.

    Returns the balance after the change of every wallet updated, by wallet id; a
    wallet missing from it would have overflowed (and was not changed).
    Precondition: the caller holds these wallets' locks (``wallets_lock``): a plain
    UPDATE of many rows takes its row locks in no defined order.
    """
    sql = _ADD_MANY_SQL.replace("{rows}", values_placeholders(rows=len(deltas), columns=2))
    params: list[Any] = flatten(deltas.items())
    with (
        observe_lock(pipeline=PIPELINE, entity_type="Wallet", entity_id=None, caller=caller),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [*params, timezone.now(), BALANCE_MAX])
        return dict(cursor.fetchall())
