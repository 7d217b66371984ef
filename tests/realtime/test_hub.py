"""The per-process hub: order and completeness from the outbox, isolation of slow listeners, bounded memory."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal

import pytest
from channels.db import database_sync_to_async

from realtime.events import REGISTRATION_CREATED, publish
from realtime.hub import Hub, Listener, RedisSubscriber
from realtime.models import EventRecord
from tests.realtime.storm import PrivateRedis

pytestmark = pytest.mark.django_db(transaction=True)


def _texts(count: int) -> list[tuple[int, str]]:
    return [(seq, f'{{"seq":{seq}}}') for seq in range(1, count + 1)]


def _collector(into: list[int]):
    async def collect(message: dict) -> None:
        into.append(int(message["text"].split('"seq":')[1].split(",")[0].rstrip("}")))

    return collect


@pytest.fixture
def undelivered(monkeypatch):
    """Events written to the outbox but never delivered after commit (a crash, a dropped publish)."""
    monkeypatch.setattr("realtime.events.deliver", lambda **event: None)

    def write(tournament_id: int, count: int) -> list[int]:
        return [publish(tournament_id=tournament_id, type=REGISTRATION_CREATED, data={}) for _ in range(count)]

    return database_sync_to_async(write)


async def _settle(hub: Hub, tournament_id: int) -> None:
    for _ in range(100):
        stream = hub.streams.get(tournament_id)
        if stream is None or stream.filling is None:
            return
        await asyncio.sleep(0.01)


async def test_a_stalled_listener_is_dropped_once_and_others_receive_everything():
    hub = Hub(asyncio.get_running_loop())
    dropped: list[str] = []
    stalled = Listener(last_seq=0, maxsize=4, on_overflow=lambda: dropped.append("stalled"))
    healthy = Listener(last_seq=0, maxsize=4, on_overflow=lambda: dropped.append("healthy"))
    await hub.join(1, stalled)
    await hub.join(1, healthy)
    never = asyncio.Event()
    received: list[int] = []

    async def stall(message: dict) -> None:
        await never.wait()

    pumps = [asyncio.ensure_future(stalled.pump(stall)), asyncio.ensure_future(healthy.pump(_collector(received)))]
    for seq, text in _texts(12):
        hub.dispatch(1, seq, text)
        await asyncio.sleep(0)  # the healthy socket keeps up; the stalled one never does

    assert dropped == ["stalled"]
    assert stalled.queue.qsize() == 0  # the backlog is released, not kept
    assert received == list(range(1, 13))
    for pump in pumps:
        pump.cancel()


async def test_outbox_skips_events_already_replayed_from_history():
    listener = Listener(last_seq=3, maxsize=10, on_overflow=lambda: None)
    for seq, text in _texts(5):
        listener.offer(seq, {"type": "websocket.send", "text": text})
    sent: list[int] = []

    pump = asyncio.ensure_future(listener.pump(_collector(sent)))
    await asyncio.sleep(0.01)
    pump.cancel()

    assert sent == [4, 5]
    assert listener.last_seq == 5


async def test_hub_forgets_a_tournament_when_its_last_listener_leaves():
    hub = Hub(asyncio.get_running_loop())
    listener = Listener(last_seq=0, maxsize=1, on_overflow=lambda: None)
    await hub.join(7, listener)
    await hub.leave(7, listener)

    hub.dispatch(7, 1, "{}")

    assert hub.listeners == {}
    assert listener.queue.qsize() == 0


async def test_an_event_ahead_of_a_gap_waits_for_the_gap_filled_from_the_outbox(undelivered):
    hub = Hub(asyncio.get_running_loop())
    listener = Listener(last_seq=0, maxsize=10, on_overflow=lambda: None)
    assert await hub.join(3, listener) == 0
    await undelivered(3, 3)
    third = await database_sync_to_async(EventRecord.objects.get)(tournament_id=3, seq=3)

    hub.dispatch(3, 3, third.text)  # 1 and 2 were never delivered: read back from the outbox
    await _settle(hub, 3)
    hub.dispatch(3, 1, "{}")  # late duplicates change nothing
    hub.dispatch(3, 3, third.text)

    assert [listener.queue.get_nowait()[0] for _ in range(listener.queue.qsize())] == [1, 2, 3]


async def test_the_relay_delivers_what_was_committed_but_never_published(undelivered):
    hub = Hub(asyncio.get_running_loop())
    listener = Listener(last_seq=0, maxsize=10, on_overflow=lambda: None)
    await hub.join(4, listener)
    await undelivered(4, 2)

    await hub.relay_once()
    await _settle(hub, 4)
    await hub.relay_once()  # nothing new: nothing twice

    assert [listener.queue.get_nowait()[0] for _ in range(listener.queue.qsize())] == [1, 2]


async def test_a_gap_the_outbox_no_longer_holds_closes_the_listeners_instead_of_skipping(undelivered):
    hub = Hub(asyncio.get_running_loop())
    lost: list[str] = []
    listener = Listener(last_seq=0, maxsize=10, on_overflow=lambda: None, on_feed_lost=lambda: lost.append("x"))
    await hub.join(5, listener)
    await undelivered(5, 3)
    await database_sync_to_async(EventRecord.objects.filter(tournament_id=5, seq=1).delete)()  # pruned

    await hub.relay_once()
    await _settle(hub, 5)

    assert lost == ["x"]
    assert listener.queue.qsize() == 0
    assert hub.listeners == {}


async def test_a_dead_subscription_is_marked_failed_and_listeners_stay(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    hub = Hub(asyncio.get_running_loop())
    subscriber = hub._subscriber = RedisSubscriber(hub)

    class Broken:
        async def get_message(self, timeout):
            raise ConnectionError("connection reset")

    subscriber.pubsub = Broken()
    await subscriber._read()

    assert subscriber.failed is True


async def test_a_silent_subscription_is_declared_dead_after_an_unanswered_ping(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.REALTIME_REDIS_HEALTH_SECONDS = 0.02
    hub = Hub(asyncio.get_running_loop())
    subscriber = RedisSubscriber(hub)
    pings: list[str] = []

    class HalfOpen:  # the kernel still accepts writes; nothing ever comes back
        async def get_message(self, timeout):
            await asyncio.sleep(timeout)

        async def ping(self):
            pings.append("ping")

    subscriber.pubsub = HalfOpen()
    await asyncio.wait_for(subscriber._read(), timeout=2)

    assert pings == ["ping"]
    assert subscriber.failed is True


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server for a private instance")
async def test_a_frozen_redis_is_detected_and_the_relay_keeps_listeners_complete(settings, undelivered):
    """A PRIVATE Redis, SIGSTOPped: the TCP connection stays open and silent (half-open)."""
    redis = PrivateRedis(int(os.environ.get("HUB_REDIS_PORT", "6413")))
    redis.start()
    try:
        settings.REDIS_URL, settings.REALTIME_REDIS_HEALTH_SECONDS = redis.url, 0.1
        settings.REALTIME_REDIS_TIMEOUT_SECONDS = 0.2
        hub = Hub(asyncio.get_running_loop())
        listener = Listener(last_seq=0, maxsize=10, on_overflow=lambda: None)
        await hub.join(6, listener)
        subscriber = hub._subscriber
        assert subscriber is not None
        assert subscriber.failed is False

        os.kill(redis.process.pid, signal.SIGSTOP)
        for _ in range(50):
            if subscriber.failed:
                break
            await asyncio.sleep(0.05)
        assert subscriber.failed is True  # declared dead by the watchdog, not by a socket error
        await undelivered(6, 2)
        await hub.relay_once()  # Redis still frozen: the re-subscription fails, the outbox serves
        await _settle(hub, 6)
        assert [listener.queue.get_nowait()[0] for _ in range(listener.queue.qsize())] == [1, 2]

        os.kill(redis.process.pid, signal.SIGCONT)
        await hub.relay_once()
        assert hub._subscriber is not None  # subscribed again
        assert hub._subscriber.failed is False
    finally:
        os.kill(redis.process.pid, signal.SIGCONT)
        redis.kill()
