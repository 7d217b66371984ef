"""Row locking: the global lock order, lock observability, the end-of-transaction hook.

THE LOCK ORDER (the one place it is written down). Every code path that takes
row locks takes them in this order, and rows of one type in ascending primary key:

    team → season → tournament → match → player skill → participation → badge
         → wallet → event stream

The event stream (a tournament's realtime counter, ``realtime/locks.py``) ranks last:
its row lock orders the tournament's event writers, so it is taken by the event's
INSERT, the last statement of a write transaction, and held only until COMMIT.
Nothing may lock after it (a transaction that did would hold the counter, and stall
every writer of the tournament, while it waits).

A path that needs an earlier lock after a later one must restructure (read first,
then lock in order) rather than break the order: two paths locking the same rows
in opposite orders is how deadlocks happen (the audit plan's origin did exactly
that). ``observe_lock`` checks the order at run time and raises
``LockOrderViolation`` when a transaction goes backwards, so a test exercising a
path proves it follows the order.

A team (``teams/locks.py``) ranks first: it guards who is in the team, and a
membership change locks nothing else.

Only the apps' ``locks.py`` modules import this one: every lock site of the domain
lives there, so the lock order can be read app by app in one file each.

Events
    Every lock site wraps its acquiring statement in ``observe_lock(...)``; every
    insert guarded by a unique constraint uses ``observe_guard(...)``. Each emits
    exactly one ``lock_released`` JSON event per lock, *when the transaction
    ends*: a row lock is held until COMMIT or ROLLBACK, not until the ``with``
    block exits, so measuring the block (as the audit plan's origin did) reports
    the time of one SELECT, not the time other sessions wait. Fields:
    event, pipeline, entity_type, entity_id, caller, lock_released_at,
    duration_ms (= hold_ms, the plan's name), wait_ms (time to acquire),
    hold_ms (acquired → end of transaction), outcome (committed / rolled_back).
    ``lock_deadlock`` (SQLSTATE 40P01) and ``lock_integrity_error`` (a unique
    violation caught by a guard) carry pipeline, entity_type, entity_id, caller
    and ``at``. Every event also carries ``pid`` and ``host``: several workers
    write one stream, and ``perf.lock_analysis`` checks timestamp order per
    process. The first seven fields are the audit plan's schema; the rest are
    extensions the analysis uses when present.

How the end of the transaction is observed
    Django has ``on_commit`` but no ``on_rollback``. Two hooks, one state:

    * Each transaction's locks are kept in a ``_TransactionLocks`` on the
      connection, owned by the outermost ``atomic`` block that is not a
      ``TestCase`` wrapper (identified by its depth in ``atomic_blocks``, not by
      object identity: ``@transaction.atomic`` reuses one ``Atomic`` object for
      every call of the decorated function).
    * Commit: every lock registers a (robust) ``on_commit`` callback bound to its
      transaction's state. Django runs it right after COMMIT, before callbacks
      registered later (broadcasts), so hold_ms ends at the commit itself.
    * Rollback, and the exit of a savepoint-owner under ``TestCase``: a wrapper
      around ``Atomic.__exit__`` (installed once by ``install_transaction_hook``; it
      only looks at the connection when the exiting block is an owner with
      pending locks) flushes whatever the commit hook did not, after Django has
      rolled back. The outcome is "committed" only when Django took its commit
      path (no exception, ``needs_rollback`` unset) and that path did not raise.
    * The state is dropped at that exit, so the next transaction starts clean.

    Both hooks flush the same list and empty it, so each lock is emitted once.
    ``with`` looks ``__exit__`` up when a block is entered, so the hook must be
    installed before the first transaction that locks: ``CoreConfig.ready()``
    installs it explicitly at start-up (the way saleor calls ``patch_db()``), so
    no import order matters. The hook costs one attribute lookup per block exit
    otherwise.

Emission goes through the stdlib ``arena.locks`` logger, one JSON object per
line (``core.logging.JsonFormatter``). Settings send it to stdout by default
(12-factor: the platform collects the stream), to ``LOCK_LOG_FILE`` when that is
set, and nowhere under tests (``LOCK_LOG=off``). Events are timestamped and
written under one process-wide lock so that the lines of one process stay in
timestamp order (``lock_validate`` checks it, per ``pid``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction

from core.metrics import observe_lock_hold

logger = logging.getLogger("arena.locks")

LOCK_ORDER: dict[str, int] = {
    "Team": 5,
    "Season": 10,
    "Tournament": 20,
    "Match": 30,
    "PlayerSkill": 40,
    "TournamentParticipation": 50,
    "TournamentBadge": 60,
    "Wallet": 70,
    "EventSequence": 80,
}

DEADLOCK_SQLSTATE = "40P01"
UNIQUE_VIOLATION_SQLSTATE = "23505"

_emit_lock = threading.Lock()
# The host does not change after a fork; the pid does, so it is read per write.
_HOST = socket.gethostname()


class LockOrderViolation(RuntimeError):
    """A transaction asked for a lock that ranks before one it already holds."""


@dataclass(slots=True)
class _Held:
    pipeline: str
    entity_type: str
    entity_id: Any
    caller: str
    started: float
    acquired: float


@dataclass(slots=True)
class _TransactionLocks:
    depth: int  # index in connection.atomic_blocks of the owning block
    levels: list[int] = field(default_factory=list)
    pending: list[_Held] = field(default_factory=list)


@dataclass(slots=True)
class GuardResult:
    """What an ``observe_guard`` block did: inserted, or refused by the constraint."""

    conflicted: bool = False


def _owner_depth(connection: Any) -> int | None:
    """Depth of the block that owns the current transaction, or None outside one.

    Skips the blocks Django's ``TestCase`` wraps around a test: those would merge
    every service call of a test into one "transaction".
    """
    for depth, block in enumerate(connection.atomic_blocks):
        if not getattr(block, "_from_testcase", False):
            return depth
    return None


def _transaction_locks(connection: Any) -> _TransactionLocks | None:
    depth = _owner_depth(connection)
    if depth is None:
        return None
    state = getattr(connection, "_arena_lock_state", None)
    if state is None or state.depth != depth:
        state = _TransactionLocks(depth=depth)
        connection._arena_lock_state = state
    return state


def _now_iso() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _released_payload(held: _Held, *, released: float, outcome: str) -> dict[str, Any]:
    observe_lock_hold(held.pipeline, held.entity_type, released - held.acquired)
    hold_ms = round((released - held.acquired) * 1000, 3)
    return {
        "event": "lock_released",
        "pipeline": held.pipeline,
        "entity_type": held.entity_type,
        "entity_id": held.entity_id,
        "caller": held.caller,
        "duration_ms": hold_ms,
        "wait_ms": round((held.acquired - held.started) * 1000, 3),
        "hold_ms": hold_ms,
        "outcome": outcome,
    }


def _write(payloads: list[dict[str, Any]], *, stamp: str) -> None:
    # Stamp and write under one lock: timestamps then follow file order.
    with _emit_lock:
        now, pid = _now_iso(), os.getpid()
        for payload in payloads:
            payload |= {stamp: now, "pid": pid, "host": _HOST}
            logger.info(payload["event"], extra={"payload": payload})


def _flush(state: _TransactionLocks, *, outcome: str) -> None:
    released = time.perf_counter()
    pending, state.pending = state.pending, []
    if pending:
        _write(
            [_released_payload(held, released=released, outcome=outcome) for held in pending], stamp="lock_released_at"
        )


def emit_incident(*, event: str, pipeline: str, entity_type: str, entity_id: Any, caller: str) -> None:
    """Write a ``lock_deadlock`` or ``lock_integrity_error`` event now."""
    payload = {"event": event, "pipeline": pipeline, "entity_type": entity_type, "entity_id": entity_id}
    _write([payload | {"caller": caller}], stamp="at")


def is_deadlock(exc: BaseException) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_SQLSTATE


def is_unique_violation(exc: IntegrityError) -> bool:
    """A unique-constraint violation (PostgreSQL 23505, or SQLite's message)."""
    if getattr(exc.__cause__, "sqlstate", None) == UNIQUE_VIOLATION_SQLSTATE:
        return True
    return "UNIQUE constraint failed" in str(exc)


def _report_deadlock(exc: BaseException, held: _Held) -> None:
    # One event per deadlock, wherever it surfaces (lock statement or block exit).
    if is_deadlock(exc) and not getattr(exc, "_arena_reported", False):
        exc._arena_reported = True  # type: ignore[attr-defined]
        emit_incident(
            event="lock_deadlock",
            pipeline=held.pipeline,
            entity_type=held.entity_type,
            entity_id=held.entity_id,
            caller=held.caller,
        )


def writers_serialised(using: str | None = None) -> bool:
    """Whether the open transaction already shuts every other writer out, so that a row it
    read is as good as locked: SQLite with ``transaction_mode`` IMMEDIATE (the settings')
    takes the database's write lock at BEGIN. A locking re-read of a row the transaction
    read would read the same row and wait for nothing. PostgreSQL locks rows: never."""
    connection = transaction.get_connection(using)
    return (
        connection.vendor == "sqlite"
        and connection.in_atomic_block
        and connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") == "IMMEDIATE"
    )


@contextmanager
def observe_lock(
    *, pipeline: str, entity_type: str, entity_id: object, caller: str, using: str | None = None
) -> Iterator[None]:
    """Wrap the statement that acquires a row lock.

    Precondition: inside ``transaction.atomic`` (a row lock outside a transaction is
    released at once and protects nothing; its event is then emitted at once).
    """
    level = LOCK_ORDER[entity_type]
    connection = transaction.get_connection(using)
    state = _transaction_locks(connection)
    if state is not None and state.levels and level < max(state.levels):
        raise LockOrderViolation(
            f"{caller} locks {entity_type} after a lock of rank {max(state.levels)} (order: {LOCK_ORDER})"
        )
    held = _Held(pipeline, entity_type, entity_id, caller, time.perf_counter(), 0.0)
    try:
        yield
    except DatabaseError as exc:
        _report_deadlock(exc, held)
        raise
    held.acquired = time.perf_counter()
    if state is None:
        _write([_released_payload(held, released=time.perf_counter(), outcome="committed")], stamp="lock_released_at")
        return
    state.levels.append(level)
    state.pending.append(held)
    transaction.on_commit(lambda: _flush(state, outcome="committed"), using=using, robust=True)


@contextmanager
def observe_guard(
    *, pipeline: str, entity_type: str, entity_id: object, caller: str, using: str | None = None
) -> Iterator[GuardResult]:
    """Run an insert guarded by a unique constraint, in a savepoint.

    A unique violation rolls back the savepoint only (the transaction goes on),
    emits ``lock_integrity_error`` and sets ``result.conflicted``; any other
    IntegrityError (a foreign key, a check) is a bug and propagates. The insert
    locks the new index entries, so the guard also emits ``lock_released``: that
    event counts the attempts the IntegrityError rate is measured against.
    """
    result = GuardResult()
    with observe_lock(pipeline=pipeline, entity_type=entity_type, entity_id=entity_id, caller=caller, using=using):
        try:
            with transaction.atomic(using=using):
                yield result
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            result.conflicted = True
            emit_incident(
                event="lock_integrity_error",
                pipeline=pipeline,
                entity_type=entity_type,
                entity_id=entity_id,
                caller=caller,
            )


def _atomic_exit(self: transaction.Atomic, exc_type: Any, exc_value: Any, traceback: Any) -> Any:
    """``Atomic.__exit__`` plus the end-of-transaction flush (see module docstring)."""
    connection = transaction.get_connection(self.using)
    state = getattr(connection, "_arena_lock_state", None)
    if state is None or state.depth != len(connection.atomic_blocks) - 1:
        return _django_atomic_exit(self, exc_type, exc_value, traceback)
    committing = exc_type is None and not connection.needs_rollback and not connection.closed_in_transaction
    connection._arena_lock_state = None
    if exc_value is not None and state.pending:
        _report_deadlock(exc_value, state.pending[-1])
    try:
        suppress = _django_atomic_exit(self, exc_type, exc_value, traceback)
    except BaseException:
        _flush(state, outcome="rolled_back")
        raise
    _flush(state, outcome="committed" if committing else "rolled_back")
    return suppress


_django_atomic_exit = transaction.Atomic.__exit__


def install_transaction_hook() -> None:
    """Wrap ``Atomic.__exit__`` once; ``CoreConfig.ready()`` calls this at start-up."""
    if not getattr(transaction.Atomic.__exit__, "_arena_lock_hook", False):
        _atomic_exit._arena_lock_hook = True  # type: ignore[attr-defined]
        transaction.Atomic.__exit__ = _atomic_exit  # type: ignore[method-assign]
