"""Realtime fixtures: a clean Redis namespace per test, and a WebSocket connector."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from realtime.events import redis_prefix
from tests import factories


@pytest.fixture(autouse=True)
def _clean_realtime_redis():
    """Sequence counters and histories live in Redis across tests; ids are reused per test."""
    if settings.REDIS_URL:
        from realtime.events import sync_redis

        client = sync_redis()
        keys = list(client.scan_iter(match=f"{redis_prefix()}:rt:*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def listener_user(transactional_db):
    return factories.user(username="listener")


@pytest.fixture
def listener_token(listener_user) -> str:
    return Token.objects.get_or_create(user=listener_user)[0].key


@pytest.fixture
def live_tournament(transactional_db):
    return factories.tournament()
