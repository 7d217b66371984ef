"""``ws/tournaments/{id}/``: a tournament's events, in ``seq`` order, for authenticated users.

Close codes (documented in docs/realtime.md). Refusals accept the handshake first and
then close, because a browser cannot read the code of a refused handshake:

* 4400 ``since`` is not a non-negative integer
* 4401 not authenticated (no session; unknown, used or expired ticket)
* 4403 a participants-only tournament and the listener is not a participant
* 4404 no such tournament, or a draft the listener may not see (its organizer's alone)
* 4408 too slow: the socket's outbox overflowed; reconnect with ``?since=<last seq>``
* 4503 the server cannot vouch for the events after your last one; reconnect with ``?since=<last seq>``

A foreign ``Origin`` never reaches this consumer: ``AllowedHostsOriginValidator``
refuses the handshake itself (HTTP 403).
"""

from __future__ import annotations

import asyncio
import contextlib

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from realtime import selectors
from realtime.auth import query_param
from realtime.events import stream_sync_encode
from realtime.hub import Hub, Listener, hub_for_running_loop, websocket_send
from tournaments.policies import WatchRefusal, tournament_watch_check

CLOSE_INVALID_SINCE = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_ALLOWED = 4403
CLOSE_UNKNOWN_TOURNAMENT = 4404
CLOSE_TOO_SLOW = 4408
CLOSE_FEED_LOST = 4503

INVALID_SINCE = -1
# Who may watch is the tournaments' policy (tournaments/policies.py); a draft the listener
# may not see is "unknown", as the HTTP API would say.
CLOSE_BY_REFUSAL = {WatchRefusal.UNKNOWN: CLOSE_UNKNOWN_TOURNAMENT, WatchRefusal.NOT_PARTICIPANT: CLOSE_NOT_ALLOWED}


class TournamentConsumer(AsyncWebsocketConsumer):
    # No per-socket channel-layer channel: events arrive through the process's hub.
    channel_layer_alias: str | None = None

    hub: Hub | None = None
    listener: Listener | None = None
    pump_task: asyncio.Task | None = None

    async def connect(self) -> None:
        self.tournament_id = self.scope["url_route"]["kwargs"]["tournament_id"]
        since = _parse_since(query_param(self.scope, "since"))
        refusal = await self._refusal(since)
        if refusal is not None:
            await self.accept()
            await self.close(code=refusal)
            return
        await self._listen(since)

    async def _refusal(self, since: int | None) -> int | None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return CLOSE_UNAUTHENTICATED
        if since == INVALID_SINCE:
            return CLOSE_INVALID_SINCE
        refusal = await database_sync_to_async(tournament_watch_check)(actor=user, tournament_id=self.tournament_id)
        return None if refusal is None else CLOSE_BY_REFUSAL[refusal]

    async def _listen(self, since: int | None) -> None:
        """Join the hub, accept, then say where the stream starts: nothing published meanwhile is lost.

        Joining before accepting means that once the client sees the socket open, every
        later event reaches it; events already queued wait until the replay is done.
        The first frame (``stream.sync``) tells the client whether its ``?since=`` was
        recovered (the missed events follow) or not (it reloads through the REST API).
        """
        queue_size = settings.REALTIME_QUEUE_SIZE
        listener = Listener(
            last_seq=since or 0, maxsize=queue_size, on_overflow=self._too_slow, on_feed_lost=self._feed_lost
        )
        self.listener = listener
        self.hub = hub_for_running_loop()
        await self.hub.join(self.tournament_id, listener)
        await self.accept()
        listener.last_seq = await self._recover(since)
        self.pump_task = asyncio.ensure_future(self._pump(listener))

    async def _recover(self, since: int | None) -> int:
        """Send the ``stream.sync`` frame, then the missed events when recovered; returns the last seq sent."""
        recovery = await database_sync_to_async(selectors.event_recovery_get)(
            tournament_id=self.tournament_id, since=since, epoch=query_param(self.scope, "epoch")
        )
        sync = stream_sync_encode(
            tournament_id=self.tournament_id, epoch=recovery.epoch, seq=recovery.seq, recovered=recovery.recovered
        )
        await self.base_send(websocket_send(sync))
        last_seq = recovery.seq
        for last_seq, text in recovery.events:  # noqa: B007 - the last one sent is the answer
            await self.base_send(websocket_send(text))
        return last_seq

    async def _pump(self, listener: Listener) -> None:
        # Straight to the server's ASGI send: the event's message dict is already built.
        # A send to a socket the client just dropped fails (uvicorn's ClientDisconnected is an
        # OSError); the disconnect that follows cleans up, so there is nothing to report.
        with contextlib.suppress(OSError):
            await listener.pump(self.base_send)

    def _too_slow(self) -> None:
        asyncio.ensure_future(self._drop(CLOSE_TOO_SLOW))

    def _feed_lost(self) -> None:
        asyncio.ensure_future(self._drop(CLOSE_FEED_LOST))

    async def _drop(self, code: int) -> None:
        await self._stop_listening()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        await self._stop_listening()

    async def _stop_listening(self) -> None:
        if self.pump_task is not None:
            self.pump_task.cancel()
            self.pump_task = None
        if self.hub is not None and self.listener is not None:
            await self.hub.leave(self.tournament_id, self.listener)
            self.hub = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Listeners only listen; anything a client sends is ignored."""


def _parse_since(raw: str | None) -> int | None:
    """``None`` when absent, the number when valid, ``INVALID_SINCE`` otherwise."""
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return INVALID_SINCE
    return int(raw)
