"""Realtime events: one envelope, published only after the transaction commits.

Placeholder implementation owned by the realtime issue: it will add the shared
per-tournament sequence number, history for resync and single encoding.
"""

from __future__ import annotations

import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

REGISTRATION_CREATED = "registration.created"
REGISTRATION_WITHDRAWN = "registration.withdrawn"
MATCH_CONFIRMED = "match.confirmed"
MATCH_DISPUTED = "match.disputed"
MATCH_RESOLVED = "match.resolved"
TOURNAMENT_FINALIZED = "tournament.finalized"


def group_name(tournament_id: int) -> str:
    return f"tournament.{tournament_id}"


def publish_on_commit(*, tournament_id: int, type: str, data: dict[str, Any]) -> None:  # noqa: A002
    """Publish ``type`` to the tournament's listeners once the current transaction commits.

    A rolled-back transaction publishes nothing; outside a transaction it publishes now.
    """
    transaction.on_commit(lambda: publish(tournament_id=tournament_id, type=type, data=data))


def publish(*, tournament_id: int, type: str, data: dict[str, Any]) -> None:  # noqa: A002
    envelope = {"type": type, "tournament_id": tournament_id, "seq": 0, "ts": time.time(), "data": data}
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group_name(tournament_id), {"type": "tournament.event", "event": envelope})
