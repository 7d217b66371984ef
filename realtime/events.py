"""Realtime events: one envelope, published only after the transaction commits.

Envelope (JSON text, keys in this order)::

    {"type": "registration.created", "tournament_id": 7, "seq": 42, "ts": 1732350000.123, "data": {...}}

``seq`` is strictly increasing per tournament and shared by every server process:
it comes from Redis (``INCR``) when ``REDIS_URL`` is set, from a database counter row
otherwise. It is assigned at publish time, i.e. after the caller's commit, so a
rolled-back transaction never consumes a number and listeners never see a gap
caused by a rollback.

Each event is encoded to JSON exactly once; the encoded text is what is stored in the
history, sent over the bus and written to every socket.
"""

from __future__ import annotations

import json
import threading
import time
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from core.metrics import observe_broadcast

# redis_prefix is re-exported: the perf suite's broadcast server test reads it from here.
from realtime.channels import fanout_get, redis_keys, redis_prefix, sync_redis  # noqa: F401
from realtime.models import EventRecord, EventSequence

REGISTRATION_CREATED = "registration.created"
REGISTRATION_WITHDRAWN = "registration.withdrawn"
REGISTRATIONS_REJECTED = "registrations.rejected"
MATCH_CONFIRMED = "match.confirmed"
MATCH_DISPUTED = "match.disputed"
MATCH_RESOLVED = "match.resolved"
TOURNAMENT_FINALIZED = "tournament.finalized"

# In local mode (no Redis) the sequence upsert and the hand-over to the hub must happen
# in the same order in every thread of the process, or two concurrent publishers could
# deliver seq 6 before seq 5. Events never leave the process in that mode.
_local_order = threading.Lock()

# Redis mode: numbering, history and publication in one atomic script, so the order in
# which Redis delivers to subscribers is the order of the sequence numbers, whichever
# process published. The pub/sub payload is "<seq>\n<envelope>" (JSON never contains a
# raw newline), so the hub reads the number without decoding the JSON.
_REDIS_PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
local text = ARGV[1] .. seq .. ARGV[2]
redis.call('ZADD', KEYS[2], seq, text)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('PUBLISH', KEYS[3], seq .. '\\n' .. text)
return seq
"""


def publish_on_commit(*, tournament_id: int, type: str, data: dict[str, Any]) -> None:  # noqa: A002
    """Publish ``type`` to the tournament's listeners once the current transaction commits.

    A rolled-back transaction publishes nothing; outside a transaction it publishes now.
    """
    transaction.on_commit(lambda: publish(tournament_id=tournament_id, type=type, data=data))


def publish(*, tournament_id: int, type: str, data: dict[str, Any]) -> int:  # noqa: A002
    """Number, store and broadcast one event now; returns its ``seq``.

    Precondition: not inside the caller's transaction (use ``publish_on_commit``).
    """
    started = time.perf_counter()
    head, tail = _encode_around_seq(tournament_id=tournament_id, type=type, data=data)
    if settings.REDIS_URL:
        seq = _publish_redis(tournament_id=tournament_id, head=head, tail=tail)
    else:
        seq = _publish_local(tournament_id=tournament_id, head=head, tail=tail)
    # Encode + number + store + hand-off to the fan-out (Redis PUBLISH or the local hub).
    observe_broadcast(time.perf_counter() - started)
    return seq


def _encode_around_seq(*, tournament_id: int, type: str, data: dict[str, Any]) -> tuple[str, str]:  # noqa: A002
    """The envelope's JSON split where ``seq`` goes: encoded once, before the number exists."""
    head = f'{{"type":{json.dumps(type)},"tournament_id":{int(tournament_id)},"seq":'
    tail = f',"ts":{time.time():.6f},"data":{json.dumps(data, separators=(",", ":"), default=str)}}}'
    return head, tail


# --- Redis ----------------------------------------------------------------------------------


@cache
def _redis_script():
    return sync_redis().register_script(_REDIS_PUBLISH)


def _publish_redis(*, tournament_id: int, head: str, tail: str) -> int:
    keys = redis_keys(tournament_id)
    seq = int(_redis_script()(keys=list(keys), args=[head, tail, settings.REALTIME_HISTORY_SIZE]))
    # The script has PUBLISHed already (the hubs' feed); a fan-out may add its own step.
    deliver = fanout_get().deliver_redis
    if deliver is not None:
        deliver(tournament_id=tournament_id, seq=seq, text=f"{head}{seq}{tail}")
    return seq


# --- Database + in-process hub -------------------------------------------------------------


def _publish_local(*, tournament_id: int, head: str, tail: str) -> int:
    with _local_order:
        seq, text = _store_event(tournament_id=tournament_id, head=head, tail=tail)
        fanout_get().deliver_local(tournament_id=tournament_id, seq=seq, text=text)
    return seq


@transaction.atomic
def _store_event(*, tournament_id: int, head: str, tail: str) -> tuple[int, str]:
    """Take the next number (the upsert's row lock serialises publishers), keep the last N."""
    table = EventSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tournament_id, last_seq) VALUES (%s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (tournament_id) DO UPDATE SET last_seq = {table}.last_seq + 1 RETURNING last_seq",
            [tournament_id],
        )
        seq = cursor.fetchone()[0]
    text = f"{head}{seq}{tail}"
    EventRecord.objects.create(tournament_id=tournament_id, seq=seq, text=text)
    EventRecord.objects.filter(tournament_id=tournament_id, seq__lte=seq - settings.REALTIME_HISTORY_SIZE).delete()
    return seq, text
