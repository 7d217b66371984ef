"""The perf app's stock-Channels fan-out (``REALTIME_FANOUT = "channels"``), kept for measurement: same stream."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.testing import WebsocketCommunicator
from django.urls import path

from perf.realtime import StockTournamentConsumer
from realtime.auth import TicketOrSessionAuthMiddlewareStack
from realtime.events import REGISTRATION_CREATED, publish
from tests.realtime.helpers import stream_path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.perf_app]

stock_application = AllowedHostsOriginValidator(
    TicketOrSessionAuthMiddlewareStack(
        URLRouter([path("ws/tournaments/<int:tournament_id>/", StockTournamentConsumer.as_asgi())])
    )
)


async def test_stock_fanout_replays_then_streams_in_order(live_tournament, listener_token, settings):
    settings.REALTIME_FANOUT = "channels"
    publish_async = database_sync_to_async(publish)
    await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})
    connection = WebsocketCommunicator(
        stock_application,
        stream_path(live_tournament.id, token=listener_token, since=0),
        headers=[(b"origin", b"http://testserver")],
    )
    assert (await connection.connect())[0] is True

    for _ in range(3):
        await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})

    frames = [json.loads(await connection.receive_from(timeout=3)) for _ in range(5)]
    assert (frames[0]["type"], frames[0]["recovered"]) == ("stream.sync", True)
    assert [frame["seq"] for frame in frames[1:]] == [1, 2, 3, 4]
    assert await connection.receive_nothing(timeout=0.05) is True
    await connection.disconnect()
