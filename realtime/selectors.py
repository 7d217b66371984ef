"""Reads for the realtime consumers (called through ``database_sync_to_async``)."""

from __future__ import annotations

from django.conf import settings

from realtime.channels import redis_keys, sync_redis
from realtime.models import EventRecord
from tournaments.models import Tournament


def tournament_exists(*, tournament_id: int) -> bool:
    return Tournament.objects.filter(pk=tournament_id).exists()


def event_history_list(*, tournament_id: int, since: int) -> list[tuple[int, str]]:
    """The kept events with ``seq > since``, oldest first, as (seq, encoded envelope)."""
    if settings.REDIS_URL:
        _seq_key, history_key, _channel = redis_keys(tournament_id)
        rows = sync_redis().zrangebyscore(history_key, f"({since}", "+inf", withscores=True)
        return [(int(score), text.decode()) for text, score in rows]
    rows = EventRecord.objects.filter(tournament_id=tournament_id, seq__gt=since).order_by("seq")
    return list(rows.values_list("seq", "text"))
