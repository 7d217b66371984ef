"""Reads for the realtime consumers and hubs (called through ``database_sync_to_async``).

Every read of the event stream comes from the database (the outbox): a Redis flush or
restart loses nothing a listener could ask for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from realtime.models import EventCursor, EventRecord, EventSequence
from tournaments.selectors.tournaments import tournament_find


@dataclass(frozen=True)
class Recovery:
    """Where a connection's stream starts: the events after ``seq`` of ``epoch`` follow.

    ``recovered``: they continue exactly from the client's ``since`` (``events`` are the
    ones it missed). Otherwise ``seq`` is the stream's head and the client must load the
    state through the REST API.
    """

    epoch: str
    seq: int
    recovered: bool
    events: list[tuple[int, str]] = field(default_factory=list)


def tournament_exists(*, tournament_id: int) -> bool:
    return tournament_find(tournament_id=tournament_id) is not None


def event_history_list(*, tournament_id: int, since: int) -> list[tuple[int, str]]:
    """The retained events with ``seq > since``, oldest first, as (seq, encoded envelope)."""
    rows = EventRecord.objects.filter(tournament_id=tournament_id, seq__gt=since).order_by("seq")
    return list(rows.values_list("seq", "text"))


def event_stream_get(*, tournament_id: int) -> tuple[int, str]:
    """(last seq, epoch) of a tournament's stream; (0, "") before its first event."""
    row = EventSequence.objects.filter(pk=tournament_id).values_list("last_seq", "epoch").first()
    return row if row is not None else (0, "")


def event_heads_list(*, tournament_ids: Iterable[int]) -> dict[int, int]:
    """The last committed seq of each given tournament that has events (one query)."""
    rows = EventSequence.objects.filter(pk__in=list(tournament_ids)).values_list("tournament_id", "last_seq")
    return dict(rows)


def event_recovery_get(*, tournament_id: int, since: int | None, epoch: str | None) -> Recovery:
    """Can a client that last saw ``since`` of ``epoch`` resume? (Centrifugo's rule: exactly the
    events after it, or a plain no.) No when it asks for nothing (``since`` absent), when the
    stream was reset (another epoch, or it claims a seq the stream never reached), or when
    retention pruned events it missed. An empty ``epoch`` (the client connected before the
    stream's first event) matches any.
    """
    head, current_epoch = event_stream_get(tournament_id=tournament_id)
    if since is None or (epoch and epoch != current_epoch) or since > head:
        return Recovery(epoch=current_epoch, seq=head, recovered=False)
    events = event_history_list(tournament_id=tournament_id, since=since)
    # Rows after the counter read are committed too (commit order), so only the first matters.
    if since < head and (not events or events[0][0] != since + 1):
        return Recovery(epoch=current_epoch, seq=head, recovered=False)
    return Recovery(epoch=current_epoch, seq=since, recovered=True, events=events)


@dataclass(frozen=True)
class CommittedEvent:
    """One event of the log, decoded: what a consumer (notifications, webhooks) acts on."""

    tournament_id: int
    seq: int
    type: str
    data: dict[str, Any]
    text: str  # the envelope as stored, byte for byte what listeners received


def event_decode(*, tournament_id: int, seq: int, text: str) -> CommittedEvent:
    envelope = json.loads(text)
    return CommittedEvent(tournament_id=tournament_id, seq=seq, type=envelope["type"], data=envelope["data"], text=text)


def event_list_after(*, tournament_id: int, after: int, limit: int) -> list[CommittedEvent]:
    """Up to ``limit`` committed events of the stream with ``seq > after``, oldest first."""
    rows = EventRecord.objects.filter(tournament_id=tournament_id, seq__gt=after).order_by("seq")
    return [
        event_decode(tournament_id=tournament_id, seq=seq, text=text)
        for seq, text in rows.values_list("seq", "text")[:limit]
    ]


def event_backlog_list(*, consumer: str, limit: int = 500) -> list[CommittedEvent]:
    """Committed events that ``consumer`` has not read yet (its ``EventCursor``), each stream in order.

    A stream with no cursor is read from its start. Events that retention pruned before
    the consumer read them are skipped (the first event returned is then past the
    cursor by more than one).
    """
    read = EventCursor.objects.filter(consumer=consumer, tournament_id=OuterRef("tournament_id")).values("seq")[:1]
    behind = (
        EventSequence.objects.annotate(read=Coalesce(Subquery(read), Value(0)))
        .filter(last_seq__gt=F("read"))
        .order_by("tournament_id")
        .values_list("tournament_id", "read")
    )
    events: list[CommittedEvent] = []
    for tournament_id, after in behind[:limit]:
        events += event_list_after(tournament_id=tournament_id, after=after, limit=limit - len(events))
        if len(events) >= limit:
            break
    return events
