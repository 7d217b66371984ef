"""Reads for the realtime consumers (called through ``database_sync_to_async``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.authtoken.models import Token

from realtime.channels import redis_keys, sync_redis
from realtime.models import EventRecord
from tournaments.models import Tournament


def tournament_exists(*, tournament_id: int) -> bool:
    return Tournament.objects.filter(pk=tournament_id).exists()


def user_for_token(*, key: str):
    """The active user owning API token ``key``, or an anonymous user."""
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


def event_history_list(*, tournament_id: int, since: int) -> list[tuple[int, str]]:
    """The kept events with ``seq > since``, oldest first, as (seq, encoded envelope)."""
    if settings.REDIS_URL:
        _seq_key, history_key, _channel = redis_keys(tournament_id)
        rows = sync_redis().zrangebyscore(history_key, f"({since}", "+inf", withscores=True)
        return [(int(score), text.decode()) for text, score in rows]
    rows = EventRecord.objects.filter(tournament_id=tournament_id, seq__gt=since).order_by("seq")
    return list(rows.values_list("seq", "text"))
