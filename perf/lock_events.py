"""Lock observability and the global lock order.

THE LOCK ORDER (the one place it is written down). Every code path that takes
row locks takes them in this order, and rows of one type in ascending primary key:

    season → tournament → match → player skill → participation → badge → wallet

A path that needs an earlier lock after a later one must restructure (read first,
then lock in order) rather than break the order: two paths locking the same rows
in opposite orders is how deadlocks happen (the audit plan's origin did exactly
that). ``observe_lock`` checks the order at run time and raises
``LockOrderViolation`` when a transaction goes backwards, so a test exercising a
path proves it follows the order.

Every lock site wraps its acquiring statement in ``observe_lock(...)``; this module
(owned by the finalization/lock-observability issue) emits one ``lock_released``
event per lock when the transaction ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import transaction

logger = logging.getLogger("arena.locks")

LOCK_ORDER: dict[str, int] = {
    "Season": 10,
    "Tournament": 20,
    "Match": 30,
    "PlayerSkill": 40,
    "TournamentParticipation": 50,
    "TournamentBadge": 60,
    "Wallet": 70,
}


class LockOrderViolation(RuntimeError):
    """A transaction asked for a lock that ranks before one it already holds."""


def _held_levels(using: str | None) -> list[int]:
    """The lock ranks held by the current transaction.

    The transaction is identified by its outermost ``atomic`` block, skipping the
    blocks Django's ``TestCase`` wraps around a test (those would merge every
    service call of a test into one "transaction").
    """
    connection = transaction.get_connection(using)
    blocks = [b for b in connection.atomic_blocks if not getattr(b, "_from_testcase", False)]
    owner = id(blocks[0]) if blocks else None
    state = getattr(connection, "_arena_lock_levels", None)
    if state is None or state[0] != owner:
        state = (owner, [])
        connection._arena_lock_levels = state  # type: ignore[attr-defined]
    return state[1]


@contextmanager
def observe_lock(
    *, pipeline: str, entity_type: str, entity_id: object, caller: str, using: str | None = None
) -> Iterator[None]:
    """Wrap the statement that acquires a row lock.

    Precondition: inside ``transaction.atomic`` (a row lock outside a transaction is
    released at once and protects nothing).
    """
    level = LOCK_ORDER[entity_type]
    held = _held_levels(using)
    if held and level < max(held):
        raise LockOrderViolation(f"{caller} locks {entity_type} after a lock of rank {max(held)} (order: {LOCK_ORDER})")
    started = time.perf_counter()
    yield
    acquired = time.perf_counter()
    held.append(level)

    def emit() -> None:
        released = time.perf_counter()
        payload = {
            "event": "lock_released",
            "pipeline": pipeline,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "caller": caller,
            "lock_released_at": datetime.now(tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "duration_ms": round((released - acquired) * 1000, 3),
            "wait_ms": round((acquired - started) * 1000, 3),
            "hold_ms": round((released - acquired) * 1000, 3),
            "outcome": "committed",
        }
        logger.info("lock_released", extra={"payload": payload})

    transaction.on_commit(emit, using=using)
