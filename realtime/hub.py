"""Fan-out once per process: one subscription per tournament, one bounded outbox per socket.

Stock Channels gives every socket its own channel-layer channel and decodes every
message once per socket. Here a process holds one ``Hub`` per event loop; the hub
holds the local listeners of each tournament and, in Redis mode, ONE Redis
subscription per tournament on ONE connection. An event arrives once per process,
already encoded, and the hub drops the same ASGI ``websocket.send`` message (one
dict per event, shared by every socket) into each listener's outbox (see
docs/realtime.md for the measurements behind this choice).

A listener's outbox is a bounded queue drained by its own task: a slow socket only
ever blocks its own task, and when its outbox is full it is dropped (close code
4408) instead of buffering without bound; the client reconnects with ``?since=``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from realtime.channels import redis_channel, redis_prefix

logger = logging.getLogger(__name__)
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


def hub_for_running_loop() -> Hub:
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = Hub(loop)
    return hub


def deliver_threadsafe(*, tournament_id: int, seq: int, text: str) -> None:
    """Local mode: hand an event from a publishing thread to every hub of this process.

    ``call_soon_threadsafe`` keeps FIFO order, and the publisher holds the ordering lock.
    """
    with _hubs_lock:
        hubs = list(_hubs.values())
    for hub in hubs:
        if hub.loop.is_closed():
            continue
        try:
            hub.loop.call_soon_threadsafe(hub.dispatch, tournament_id, seq, text)
        except RuntimeError:  # the loop closed between the check and the call
            continue


class Listener:
    """One socket's outbox: events with ``seq > last_seq``, in order, at most ``maxsize`` waiting.

    Items are ``(seq, message)`` where ``message`` is the ASGI ``websocket.send`` dict,
    built once per event and shared (read-only) by every listener.
    """

    def __init__(
        self,
        *,
        last_seq: int,
        maxsize: int,
        on_overflow: Callable[[], None],
        on_feed_lost: Callable[[], None] | None = None,
    ) -> None:
        self.last_seq = last_seq
        self.queue: asyncio.Queue[tuple[int, dict[str, Any]]] = asyncio.Queue(maxsize)
        self.overflowed = False
        self._on_overflow = on_overflow
        self.on_feed_lost = on_feed_lost or on_overflow

    def offer(self, seq: int, message: dict[str, Any]) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait((seq, message))
        except asyncio.QueueFull:
            # Dropping the backlog bounds memory; the client resyncs from history.
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self._on_overflow()

    async def pump(self, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        """Write the outbox to the socket (raw ASGI ``send``) until cancelled.

        Skips what the history replay already sent.
        """
        while True:
            seq, message = await self.queue.get()
            if seq <= self.last_seq:
                continue
            await send(message)
            self.last_seq = seq


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.listeners: dict[int, set[Listener]] = {}
        self._subscriber: RedisSubscriber | None = None

    async def join(self, tournament_id: int, listener: Listener) -> None:
        """Register ``listener``; returns once events of the tournament reach this process."""
        self.listeners.setdefault(tournament_id, set()).add(listener)
        if settings.REDIS_URL:
            await self._redis().subscribe(tournament_id)

    async def leave(self, tournament_id: int, listener: Listener) -> None:
        group = self.listeners.get(tournament_id)
        if group is None:
            return
        group.discard(listener)
        if not group:
            del self.listeners[tournament_id]
            if self._subscriber is not None:
                await self._subscriber.unsubscribe(tournament_id)

    def dispatch(self, tournament_id: int, seq: int, text: str) -> None:
        listeners = self.listeners.get(tournament_id)
        if not listeners:
            return
        message = websocket_send(text)
        for listener in tuple(listeners):
            listener.offer(seq, message)

    def _redis(self) -> RedisSubscriber:
        if self._subscriber is None:
            self._subscriber = RedisSubscriber(self)
        return self._subscriber

    def feed_lost(self) -> None:
        """The Redis subscription died: events would stop silently, so drop every
        listener (they reconnect with ``?since=`` and resync from history) and start
        a fresh subscription on the next join."""
        self._subscriber = None
        listeners = [listener for group in self.listeners.values() for listener in group]
        self.listeners.clear()
        for listener in listeners:
            listener.on_feed_lost()


class RedisSubscriber:
    """One Redis pub/sub connection per hub; one channel per tournament with local listeners."""

    def __init__(self, hub: Hub) -> None:
        import redis.asyncio

        self.hub = hub
        self.pubsub = redis.asyncio.Redis.from_url(settings.REDIS_URL).pubsub()
        self.ready: dict[str, asyncio.Future[None]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._started = asyncio.Lock()

    async def subscribe(self, tournament_id: int) -> None:
        """Subscribe if needed and wait for Redis to confirm, so no later publish is missed."""
        await self._start()
        channel = redis_channel(tournament_id)
        ready = self.ready.get(channel)
        if ready is None:
            ready = self.ready[channel] = self.hub.loop.create_future()
            await self.pubsub.subscribe(channel)
        await asyncio.wait_for(asyncio.shield(ready), timeout=10)

    async def unsubscribe(self, tournament_id: int) -> None:
        channel = redis_channel(tournament_id)
        if self.ready.pop(channel, None) is not None:
            await self.pubsub.unsubscribe(channel)

    async def _start(self) -> None:
        # A permanent control subscription keeps the connection in pub/sub mode, so the
        # reader can block on it even while no tournament is subscribed.
        async with self._started:
            if self._reader is None:
                await self.pubsub.subscribe(f"{redis_prefix()}:rt:hub")
                self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            while True:
                message = await self.pubsub.get_message(timeout=None)
                if message is not None:
                    self._handle(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("realtime: the Redis subscription failed; dropping this process's listeners")
            self.hub.feed_lost()

    def _handle(self, message: dict) -> None:
        channel = _text(message["channel"])
        if message["type"] == "subscribe":
            ready = self.ready.get(channel)
            if ready is not None and not ready.done():
                ready.set_result(None)
        elif message["type"] == "message":
            seq, text = message["data"].split(b"\n", 1)
            tournament_id = int(channel.rsplit(":", 1)[1])
            self.hub.dispatch(tournament_id, int(seq), text.decode())


def websocket_send(text: str) -> dict[str, Any]:
    return {"type": "websocket.send", "text": text}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
