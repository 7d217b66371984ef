"""Two real server processes sharing Redis: an event published through one reaches the other's listeners."""

from __future__ import annotations

import asyncio

import pytest
import websockets
from django.conf import settings
from websockets.typing import Origin

from realtime.events import redis_prefix
from tests.realtime.live import receive_events, receive_seqs, running_server, seed_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return seed_world(tmp_path_factory.mktemp("two-servers"))


@pytest.mark.redis
@pytest.mark.slow
def test_event_published_through_one_server_reaches_a_listener_on_the_other(world):
    shared = {"redis_url": settings.REDIS_URL, "redis_prefix": f"{redis_prefix()}_two"}
    with running_server(world, **shared) as first, running_server(world, **shared) as second:

        async def scenario() -> tuple[list[int], list[int], list[dict]]:
            origin = Origin(f"http://127.0.0.1:{second.port}")
            async with websockets.connect(second.ws_url(world), origin=origin) as listener:
                loop = asyncio.get_running_loop()
                published = await loop.run_in_executor(None, first.publish, world, 3)
                live = await asyncio.wait_for(receive_seqs(listener, 3), timeout=10)
            # A late listener on the first server resyncs the same events from the shared history.
            since = published[0] - 1
            async with websockets.connect(first.ws_url(world, since=since), origin=origin) as late:
                replayed = await asyncio.wait_for(receive_events(late, 3), 10)
            return published, live, replayed

        published, live, replayed = asyncio.run(scenario())

    assert live == published
    assert [event["seq"] for event in replayed] == published
    assert [event["data"]["n"] for event in replayed] == [0, 1, 2]
    assert {event["tournament_id"] for event in replayed} == {world.tournament_id}
