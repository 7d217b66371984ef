"""The realtime app's one lock: a tournament's event counter, taken by the event's INSERT.

``event_insert`` writes one outbox row and takes its ``seq`` from the tournament's
``EventSequence`` row in the same statement. On PostgreSQL the counter's upsert is a
data-modifying CTE of that INSERT; its row lock (ranked last in ``core.locking``'s
order) makes a second writer of the tournament wait until the first COMMITs, so
numbers follow commit order and a relay reading "everything after N" can never see
N+2 committed while N+1 is still in flight. On SQLite a trigger bumps the counter
(migration 0002) and the database's single writer gives the same order.

Callers place it last in their transaction, so the counter is held for the INSERT
and the COMMIT only. Registration holds the tournament row already, so it waits on
nothing new; concurrent result reports of one tournament queue on the counter for
that moment (measured in docs/realtime.md).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import connection
from django.utils import timezone

from core.locking import observe_lock
from realtime.models import EventRecord, EventSequence

PIPELINE = "events"

_RECORD = EventRecord._meta.db_table
_SEQUENCE = EventSequence._meta.db_table

# PostgreSQL: bump (or create) the counter, then insert the row numbered by it: one statement.
_POSTGRES_INSERT = (
    f"WITH counter AS ("  # noqa: S608 - table names are ours
    f"INSERT INTO {_SEQUENCE} (tournament_id, last_seq, epoch) VALUES (%s, 1, %s) "
    f"ON CONFLICT (tournament_id) DO UPDATE SET last_seq = {_SEQUENCE}.last_seq + 1 RETURNING last_seq) "
    f"INSERT INTO {_RECORD} (tournament_id, seq, text, created_at) "
    f"SELECT %s, last_seq, %s::text || last_seq || %s::text, %s FROM counter RETURNING seq"
)
# SQLite: the next number read from the counter; the AFTER INSERT trigger stores it back.
_SQLITE_INSERT = (
    f"INSERT INTO {_RECORD} (tournament_id, seq, text, created_at) "  # noqa: S608 - table names are ours
    f"SELECT %s, n, %s || n || %s, %s FROM "
    f"(SELECT COALESCE(MAX(last_seq), 0) + 1 AS n FROM {_SEQUENCE} WHERE tournament_id = %s) RETURNING seq"
)


def event_insert(*, tournament_id: int, head: str, tail: str, caller: str) -> int:
    """Insert one event, encoded as ``head + seq + tail``; returns its ``seq``.

    Precondition: inside the caller's write transaction, after every other lock it takes.
    """
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    params: list[Any]
    if connection.vendor == "postgresql":
        sql, params = _POSTGRES_INSERT, [tournament_id, secrets.token_hex(8), tournament_id, head, tail, created_at]
    else:
        sql, params = _SQLITE_INSERT, [tournament_id, head, tail, created_at, tournament_id]
    lock = observe_lock(pipeline=PIPELINE, entity_type="EventSequence", entity_id=tournament_id, caller=caller)
    with lock, connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])
