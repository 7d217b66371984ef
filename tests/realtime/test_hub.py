"""The per-process hub and the per-socket outbox: order, isolation of slow listeners, bounded memory."""

from __future__ import annotations

import asyncio

from realtime.hub import Hub, Listener


def _texts(count: int) -> list[tuple[int, str]]:
    return [(seq, f'{{"seq":{seq}}}') for seq in range(1, count + 1)]


async def test_a_stalled_listener_is_dropped_once_and_others_receive_everything():
    hub = Hub(asyncio.get_running_loop())
    dropped: list[str] = []
    stalled = Listener(last_seq=0, maxsize=4, on_overflow=lambda: dropped.append("stalled"))
    healthy = Listener(last_seq=0, maxsize=4, on_overflow=lambda: dropped.append("healthy"))
    await hub.join(1, stalled)
    await hub.join(1, healthy)
    never = asyncio.Event()
    received: list[str] = []

    async def stall(message: dict) -> None:
        await never.wait()

    async def collect(message: dict) -> None:
        received.append(message["text"])

    pumps = [asyncio.ensure_future(stalled.pump(stall)), asyncio.ensure_future(healthy.pump(collect))]
    for seq, text in _texts(12):
        hub.dispatch(1, seq, text)
        await asyncio.sleep(0)  # the healthy socket keeps up; the stalled one never does

    assert dropped == ["stalled"]
    assert stalled.queue.qsize() == 0  # the backlog is released, not kept
    assert received == [text for _, text in _texts(12)]
    for pump in pumps:
        pump.cancel()


async def test_outbox_skips_events_already_replayed_from_history():
    listener = Listener(last_seq=3, maxsize=10, on_overflow=lambda: None)
    for seq, text in _texts(5):
        listener.offer(seq, {"type": "websocket.send", "text": text})
    sent: list[str] = []

    async def collect(message: dict) -> None:
        sent.append(message["text"])

    pump = asyncio.ensure_future(listener.pump(collect))
    await asyncio.sleep(0.01)
    pump.cancel()

    assert sent == ['{"seq":4}', '{"seq":5}']
    assert listener.last_seq == 5


async def test_hub_forgets_a_tournament_when_its_last_listener_leaves():
    hub = Hub(asyncio.get_running_loop())
    listener = Listener(last_seq=0, maxsize=1, on_overflow=lambda: None)
    await hub.join(7, listener)
    await hub.leave(7, listener)

    hub.dispatch(7, 1, "{}")

    assert hub.listeners == {}
    assert listener.queue.qsize() == 0


async def test_a_lost_redis_feed_drops_every_listener_so_they_resync(settings):
    settings.REDIS_URL = ""  # join without subscribing; the failure is simulated below
    hub = Hub(asyncio.get_running_loop())
    lost: list[str] = []
    first = Listener(last_seq=0, maxsize=4, on_overflow=lambda: None, on_feed_lost=lambda: lost.append("first"))
    second = Listener(last_seq=0, maxsize=4, on_overflow=lambda: None, on_feed_lost=lambda: lost.append("second"))
    await hub.join(1, first)
    await hub.join(2, second)

    hub.feed_lost()

    assert sorted(lost) == ["first", "second"]
    assert hub.listeners == {}
    hub.dispatch(1, 1, "{}")  # nobody left to deliver to, and nothing raised
    assert first.queue.qsize() == 0


async def test_the_subscriber_reports_a_dead_connection_to_its_hub(settings):
    from realtime.hub import RedisSubscriber

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    hub = Hub(asyncio.get_running_loop())
    lost: list[str] = []
    listener = Listener(last_seq=0, maxsize=4, on_overflow=lambda: None, on_feed_lost=lambda: lost.append("x"))
    hub.listeners[1] = {listener}
    subscriber = hub._subscriber = RedisSubscriber(hub)

    class Broken:
        async def get_message(self, timeout):
            raise ConnectionError("connection reset")

    subscriber.pubsub = Broken()
    await subscriber._read()

    assert lost == ["x"]
    assert hub._subscriber is None
