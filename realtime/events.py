"""Realtime events: written in the transaction that causes them, delivered after it commits.

Envelope (JSON text, keys in this order)::

    {"type": "registration.created", "tournament_id": 7, "seq": 42, "ts": 1732350000.123, "data": {...}}

``publish_on_commit`` inserts the event into the outbox (``realtime.models.EventRecord``)
inside the caller's transaction, numbered there by the tournament's counter
(``realtime/locks.py``): ``seq`` is gap-free per tournament, in commit order, and a
rolled-back transaction leaves neither the event nor its number. Once the transaction
commits, ``deliver`` hands the encoded text to every server process (Redis pub/sub) or
to this process's hub (no Redis). Delivery never raises into the request: whatever it
misses (Redis down, a dropped message, a process killed between COMMIT and delivery),
every hub's relay reads back from the outbox (``realtime/hub.py``).

Each event is encoded to JSON once; the encoded text is what is stored, sent over the
bus and written to every socket. Every frame a socket receives is encoded here.
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from django.conf import settings
from django.db import transaction

from core.metrics import observe_broadcast

# redis_prefix is re-exported: the perf suite's broadcast server test reads it from here.
from realtime.channels import fanout_get, redis_channel, redis_prefix, sync_redis  # noqa: F401
from realtime.locks import event_insert

logger = logging.getLogger(__name__)

REGISTRATION_CREATED = "registration.created"
REGISTRATION_WITHDRAWN = "registration.withdrawn"
REGISTRATIONS_REJECTED = "registrations.rejected"
REGISTRATIONS_NO_SHOW = "registrations.no_show"
MATCH_CONFIRMED = "match.confirmed"
MATCH_DISPUTED = "match.disputed"
MATCH_RESOLVED = "match.resolved"
MATCH_FORFEITED = "match.forfeited"
MATCH_OVERRIDDEN = "match.overridden"
MATCH_RESET = "match.reset"
ROUND_PAIRED = "round.paired"
TEAM_DISQUALIFIED = "team.disqualified"
TOURNAMENT_FINALIZED = "tournament.finalized"
TOURNAMENT_CANCELLED = "tournament.cancelled"
#: Every type an event of the stream may have (what a webhook may subscribe to).
EVENT_TYPES = (
    REGISTRATION_CREATED,
    REGISTRATION_WITHDRAWN,
    REGISTRATIONS_REJECTED,
    REGISTRATIONS_NO_SHOW,
    MATCH_CONFIRMED,
    MATCH_DISPUTED,
    MATCH_RESOLVED,
    MATCH_FORFEITED,
    MATCH_OVERRIDDEN,
    MATCH_RESET,
    ROUND_PAIRED,
    TEAM_DISQUALIFIED,
    TOURNAMENT_FINALIZED,
    TOURNAMENT_CANCELLED,
)
#: The first frame of every connection (docs/realtime.md, "Recovery"); not an event, no place in the stream.
STREAM_SYNC = "stream.sync"

#: Test-only fault hook: the process exits between COMMIT and delivery (docs/realtime.md).
#: Read from the environment, never from settings: production never sets it.
CRASH_BEFORE_DELIVERY_ENV = "REALTIME_FAULT_CRASH_BEFORE_DELIVERY"

# While Redis is unreachable, requests skip the publish until this monotonic time
# instead of each paying the connect timeout: the relays deliver meanwhile.
_redis_skip_until = 0.0


def publish_on_commit(*, tournament_id: int, type: str, data: dict[str, Any]) -> int:  # noqa: A002
    """Write ``type`` to the tournament's stream now; deliver it once the transaction commits.

    Costs one INSERT. Precondition: the caller takes no row lock after this (the
    stream's counter ranks last, see ``realtime/locks.py``). A rolled-back transaction
    writes and delivers nothing. Returns the event's ``seq``.
    """
    head, tail = _encode_around_seq(tournament_id=tournament_id, type=type, data=data)
    seq = event_insert(tournament_id=tournament_id, head=head, tail=tail, caller=f"publish:{type}")
    text = f"{head}{seq}{tail}"
    transaction.on_commit(lambda: _deliver_after_commit(tournament_id=tournament_id, seq=seq, text=text), robust=True)
    return seq


def publish(*, tournament_id: int, type: str, data: dict[str, Any]) -> int:  # noqa: A002
    """Write and deliver one event now (scripts, benchmarks); returns its ``seq``.

    Outside a transaction the one INSERT commits by itself (autocommit: no BEGIN/COMMIT
    round trips) and delivery follows at once; inside one it is ``publish_on_commit``.
    """
    return publish_on_commit(tournament_id=tournament_id, type=type, data=data)


def _deliver_after_commit(*, tournament_id: int, seq: int, text: str) -> None:
    if os.environ.get(CRASH_BEFORE_DELIVERY_ENV) == "1":
        os._exit(137)  # as if SIGKILLed: committed, never delivered by this process
    deliver(tournament_id=tournament_id, seq=seq, text=text)


def deliver(*, tournament_id: int, seq: int, text: str) -> None:
    """Hand one committed event to the fan-out, now. Never raises: the relays cover a miss."""
    started = time.perf_counter()
    fanout = fanout_get()
    try:
        if settings.REDIS_URL:
            _publish_redis(tournament_id=tournament_id, seq=seq, text=text)
            if fanout.deliver_redis is not None:
                fanout.deliver_redis(tournament_id=tournament_id, seq=seq, text=text)
        else:
            fanout.deliver_local(tournament_id=tournament_id, seq=seq, text=text)
    except Exception:
        logger.exception("realtime: delivery of %s #%s failed; the relay will deliver it", tournament_id, seq)
    # Commit-to-hand-off: Redis PUBLISH or the hand-over to the local hub.
    observe_broadcast(time.perf_counter() - started)


def _publish_redis(*, tournament_id: int, seq: int, text: str) -> None:
    """PUBLISH ``"<seq>\\n<envelope>"`` (JSON never holds a raw newline: the hub reads the number
    without decoding). Skipped, not waited for, while Redis is known to be unreachable."""
    global _redis_skip_until
    if time.monotonic() < _redis_skip_until:
        return
    try:
        sync_redis().publish(redis_channel(tournament_id), f"{seq}\n{text}")
    except Exception as error:
        import redis

        if not isinstance(error, redis.RedisError):
            raise
        _redis_skip_until = time.monotonic() + settings.REALTIME_REDIS_RETRY_SECONDS
        logger.warning("realtime: Redis publish failed (%s); relays deliver until it is back", error)


# --- Encoding: every frame a listener receives is built here --------------------------------


def _encode_around_seq(*, tournament_id: int, type: str, data: dict[str, Any]) -> tuple[str, str]:  # noqa: A002
    """The envelope's JSON split where ``seq`` goes: encoded once, before the number exists."""
    head = f'{{"type":{json.dumps(type)},"tournament_id":{int(tournament_id)},"seq":'
    tail = f',"ts":{time.time():.6f},"data":{json.dumps(data, separators=(",", ":"), default=str)}}}'
    return head, tail


def stream_sync_encode(*, tournament_id: int, epoch: str, seq: int, recovered: bool) -> str:
    """The connection's first frame: the events that follow are those after ``seq`` of ``epoch``.

    ``recovered`` is true when they continue exactly from the client's ``?since=``; false
    when the client must load the state through the REST API first (docs/realtime.md).
    """
    return json.dumps(
        {"type": STREAM_SYNC, "tournament_id": int(tournament_id), "epoch": epoch, "seq": seq, "recovered": recovered},
        separators=(",", ":"),
    )
