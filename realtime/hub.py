"""Fan-out once per process, in ``seq`` order, with a relay that reads back from the outbox.

Stock Channels gives every socket its own channel-layer channel and decodes every
message once per socket. Here a process holds one ``Hub`` per event loop; the hub
holds the local listeners of each tournament and, in Redis mode, ONE Redis
subscription per tournament on ONE connection. An event arrives once per process,
already encoded, and the hub drops the same ASGI ``websocket.send`` message (one
dict per event, shared by every socket) into each listener's outbox (see
docs/realtime.md for the measurements behind this choice).

Order and completeness do not depend on Redis. The hub remembers, per tournament,
the last ``seq`` it handed on, and hands on only the next one: a duplicate is
dropped, and a gap (an event published out of order, dropped by Redis, never
published because its process died, or missed while the subscription was down) is
filled from the outbox, the database's durable history, before anything after it.
The relay is the same read, on a timer: every ``REALTIME_RELAY_SECONDS`` one query
compares the heads of the tournaments this process serves with what it handed on.
If the outbox no longer holds the missing events (pruned), the tournament's listeners
are closed with 4503 and resume with ``?since=``, which tells them plainly whether
they can: a listener never skips an event silently.

A listener's outbox is a bounded queue drained by its own task: a slow socket only
ever blocks its own task, and when its outbox is full it is dropped (close code
4408) instead of buffering without bound; the client reconnects with ``?since=``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from realtime import selectors
from realtime.channels import redis_channel, redis_options, redis_prefix

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
    """Local mode: hand a committed event from a request thread to every hub of this process.

    Threads may hand events over out of order; the hub puts them back in order.
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


class Stream:
    """A tournament as one hub serves it: its local listeners, and the last seq handed on."""

    def __init__(self, last_seq: int) -> None:
        self.listeners: set[Listener] = set()
        self.last_seq = last_seq
        self.heard = last_seq  # the highest seq known to exist (from the feed or the relay)
        self.filling: asyncio.Task[None] | None = None


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.streams: dict[int, Stream] = {}
        self._subscriber: RedisSubscriber | None = None
        self._relay: asyncio.Task[None] | None = None

    @property
    def listeners(self) -> dict[int, set[Listener]]:
        return {tournament_id: stream.listeners for tournament_id, stream in self.streams.items()}

    async def join(self, tournament_id: int, listener: Listener) -> int:
        """Register ``listener``; returns the last seq of the tournament the hub has handed on.

        Every event after it reaches the listener, in order. In Redis mode the
        subscription is confirmed before the head is read, so nothing falls between.
        """
        stream = self.streams.get(tournament_id)
        if stream is None:
            if settings.REDIS_URL:
                await self._redis().subscribe(tournament_id)
            head, _epoch = await database_sync_to_async(selectors.event_stream_get)(tournament_id=tournament_id)
            # Another listener may have joined meanwhile (both awaited): keep the first stream.
            stream = self.streams.setdefault(tournament_id, Stream(head))
        stream.listeners.add(listener)
        self._start_relay()
        return stream.last_seq

    async def leave(self, tournament_id: int, listener: Listener) -> None:
        stream = self.streams.get(tournament_id)
        if stream is None:
            return
        stream.listeners.discard(listener)
        if not stream.listeners:
            del self.streams[tournament_id]
            if self._subscriber is not None:
                await self._subscriber.unsubscribe(tournament_id)

    def dispatch(self, tournament_id: int, seq: int, text: str) -> None:
        """One event from the feed: hand it on if it is the next, else fill the gap first."""
        stream = self.streams.get(tournament_id)
        if stream is None or seq <= stream.last_seq:
            return
        if seq == stream.last_seq + 1 and stream.filling is None:
            self._hand_on(stream, seq, text)
            return
        stream.heard = max(stream.heard, seq)
        self._fill(tournament_id, stream)

    def _hand_on(self, stream: Stream, seq: int, text: str) -> None:
        stream.last_seq, stream.heard = seq, max(stream.heard, seq)
        message = websocket_send(text)
        for listener in tuple(stream.listeners):
            listener.offer(seq, message)

    def _fill(self, tournament_id: int, stream: Stream) -> None:
        if stream.filling is None:
            stream.filling = asyncio.ensure_future(self._fill_from_outbox(tournament_id, stream))

    async def _fill_from_outbox(self, tournament_id: int, stream: Stream) -> None:
        """Hand on what the outbox holds after ``last_seq``, until the stream has caught up."""
        try:
            while stream.heard > stream.last_seq and self.streams.get(tournament_id) is stream:
                events = await database_sync_to_async(selectors.event_history_list)(
                    tournament_id=tournament_id, since=stream.last_seq
                )
                if events and events[0][0] != stream.last_seq + 1:
                    self._lose(tournament_id, stream)
                    return
                for seq, text in events:
                    self._hand_on(stream, seq, text)
                if not events:
                    # Heard of but not readable: pruned, or the stream was reset under us.
                    self._lose(tournament_id, stream)
                    return
        except Exception:
            logger.exception("realtime: could not read tournament %s's outbox; the relay retries", tournament_id)
        finally:
            stream.filling = None

    def _lose(self, tournament_id: int, stream: Stream) -> None:
        """The events after ``last_seq`` are gone: close the listeners (4503), they resume with ``?since=``."""
        logger.warning("realtime: tournament %s lost events after seq %s; resyncing", tournament_id, stream.last_seq)
        if self.streams.get(tournament_id) is stream:
            del self.streams[tournament_id]
        for listener in tuple(stream.listeners):
            listener.on_feed_lost()

    # --- The relay: a timer that reads the outbox's heads ----------------------------------

    def _start_relay(self) -> None:
        if self._relay is None or self._relay.done():
            self._relay = asyncio.ensure_future(self._run_relay())

    async def _run_relay(self) -> None:
        while self.streams:
            await asyncio.sleep(settings.REALTIME_RELAY_SECONDS)
            try:
                await self.relay_once()
            except Exception:
                logger.exception("realtime: the relay's read failed; retrying")

    async def relay_once(self) -> None:
        """Catch up every stream behind the outbox (one query); revive a lost Redis feed."""
        if settings.REDIS_URL and self.streams:
            await self._redis().ensure_running(self.streams)
        heads = await database_sync_to_async(selectors.event_heads_list)(tournament_ids=list(self.streams))
        for tournament_id, head in heads.items():
            stream = self.streams.get(tournament_id)
            if stream is not None and head > stream.last_seq:
                stream.heard = max(stream.heard, head)
                self._fill(tournament_id, stream)

    def _redis(self) -> RedisSubscriber:
        if self._subscriber is None:
            self._subscriber = RedisSubscriber(self)
        return self._subscriber


class RedisSubscriber:
    """One Redis pub/sub connection per hub; one channel per tournament with local listeners.

    The connection is watched: a reader that hears nothing for
    ``REALTIME_REDIS_HEALTH_SECONDS`` sends a PING, and one that still hears nothing a
    period later (a half-open connection: Redis gone without a FIN, or frozen) declares
    the feed lost. The hub then relies on its relay until a fresh subscription works.
    """

    def __init__(self, hub: Hub) -> None:
        import redis.asyncio

        self.hub = hub
        self.pubsub = redis.asyncio.Redis.from_url(settings.REDIS_URL, **redis_options()).pubsub()
        self.ready: dict[str, asyncio.Future[None]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._started = asyncio.Lock()
        self.failed = False

    async def subscribe(self, tournament_id: int) -> None:
        """Subscribe if needed and wait (bounded) for Redis to confirm. A failure is not the
        listener's: the relay delivers, and revives the subscription."""
        if self.failed:
            return
        try:
            await self._start()
            channel = redis_channel(tournament_id)
            ready = self.ready.get(channel)
            if ready is None:
                ready = self.ready[channel] = self.hub.loop.create_future()
                await self.pubsub.subscribe(channel)
            await asyncio.wait_for(asyncio.shield(ready), timeout=settings.REALTIME_REDIS_TIMEOUT_SECONDS * 4)
        except Exception as error:
            self._fail(f"subscribe: {error!r}")

    async def ensure_running(self, streams: dict[int, Stream]) -> None:
        """Relay tick: after a failure, one fresh subscription to every served tournament."""
        if not self.failed:
            return
        fresh = RedisSubscriber(self.hub)
        self.hub._subscriber = fresh
        await self._close()
        for tournament_id in list(streams):
            await fresh.subscribe(tournament_id)
            if fresh.failed:
                return

    async def unsubscribe(self, tournament_id: int) -> None:
        channel = redis_channel(tournament_id)
        if self.ready.pop(channel, None) is not None and not self.failed:
            try:
                await self.pubsub.unsubscribe(channel)
            except Exception as error:
                self._fail(f"unsubscribe: {error!r}")

    async def _start(self) -> None:
        # A permanent control subscription keeps the connection in pub/sub mode, so the
        # reader can block on it even while no tournament is subscribed.
        async with self._started:
            if self._reader is None:
                await self.pubsub.subscribe(f"{redis_prefix()}:rt:hub")
                self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        period = settings.REALTIME_REDIS_HEALTH_SECONDS
        last_heard = self.hub.loop.time()
        pinged = False
        try:
            while True:
                message = await self.pubsub.get_message(timeout=period)
                now = self.hub.loop.time()
                if message is not None:
                    last_heard, pinged = now, False
                    self._handle(message)
                elif now - last_heard >= period and not pinged:
                    await self.pubsub.ping()
                    pinged = True
                elif pinged and now - last_heard >= 2 * period:
                    raise ConnectionError(f"no answer from Redis for {now - last_heard:.1f}s")
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._fail(f"read: {error!r}")

    def _fail(self, reason: str) -> None:
        if not self.failed:
            logger.warning("realtime: the Redis subscription failed (%s); the relay delivers meanwhile", reason)
        self.failed = True
        for ready in self.ready.values():
            if not ready.done():
                ready.cancel()

    async def _close(self) -> None:
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
        # A dead connection's close may fail or hang; it is discarded either way.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.pubsub.aclose(), timeout=settings.REALTIME_REDIS_TIMEOUT_SECONDS)

    def _handle(self, message: dict) -> None:
        if message["type"] == "subscribe":
            ready = self.ready.get(_text(message["channel"]))
            if ready is not None and not ready.done():
                ready.set_result(None)
        elif message["type"] == "message":
            seq, text = message["data"].split(b"\n", 1)
            tournament_id = int(_text(message["channel"]).rsplit(":", 1)[1])
            self.hub.dispatch(tournament_id, int(seq), text.decode())


def websocket_send(text: str) -> dict[str, Any]:
    return {"type": "websocket.send", "text": text}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
