"""Liveness and readiness: `/healthz` checks the database and the channel layer.

Its ``tasks`` line reports the broker and its queue depth. It does not make the answer a
503: the web serves without the broker (the dispatchers catch up from the database once
it is back), and a 503 would take the web tier out of its load balancer for a fault of the
workers' side. Alert on it instead (``arena_task_queue_depth``).
"""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from core.metrics import task_queue_depth


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is "unhealthy", reported, never a 500
        return False, type(exc).__name__
    return True, connection.vendor


async def _layer_roundtrip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    marker = uuid.uuid4().hex
    await layer.send(channel, {"type": "health.ping", "marker": marker})
    message = await layer.receive(channel)
    if message.get("marker") != marker:
        raise RuntimeError("channel layer returned another message")


def _channel_layer_ok() -> tuple[bool, str]:
    layer = get_channel_layer()
    if layer is None:
        return False, "not configured"
    try:
        async_to_sync(_layer_roundtrip)()
    except Exception as exc:  # reported as unhealthy, never a 500
        return False, type(exc).__name__
    return True, type(layer).__name__


def _tasks() -> dict[str, object]:
    depth = task_queue_depth()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "info": "eager (no broker: tasks run where they are enqueued)", "queued": 0}
    return {"ok": depth >= 0, "info": "redis broker" if depth >= 0 else "broker unreachable", "queued": max(depth, 0)}


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    db_ok, db_info = _database_ok()
    layer_ok, layer_info = _channel_layer_ok()
    healthy = db_ok and layer_ok
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": {"ok": db_ok, "info": db_info},
        "channel_layer": {"ok": layer_ok, "info": layer_info},
        "tasks": _tasks(),
    }
    return JsonResponse(body, status=200 if healthy else 503)
