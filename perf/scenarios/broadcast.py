"""Hot path 3: one event to 100 listeners of a tournament, in process (SPEC "Realtime broadcast").

The production path minus the sockets: ``realtime.events.publish`` writes the event to
the outbox (one INSERT that numbers it, in its own transaction) and, after the commit,
hands it to this process's hub (directly, or through Redis pub/sub when ``REDIS_URL``
is set), which drops it into 100 listeners' outboxes; each listener's pump "sends" it. A call ends when every listener
has sent exactly that event, so a lost or misnumbered event fails the call.

The hub and its listeners run on their own event loop in a background thread, as
they would in an ASGI server; the real-socket benchmark is
``tests/perf/test_broadcast_server.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import uuid
from concurrent.futures import Future
from typing import Any

from perf.harness import Scenario, register
from realtime.events import MATCH_CONFIRMED, publish
from realtime.hub import Listener, hub_for_running_loop

LISTENERS = 100


@register
class BroadcastScenario(Scenario):
    name = "broadcast"
    description = f"publish one event to {LISTENERS} in-process listeners (hub fan-out); every one delivered"

    def setup(self) -> None:
        # Events need no tournament row; a random id keeps runs apart in Redis and the history table.
        self.tournament_id = 2**40 + uuid.uuid4().int % 2**30
        self.numbers = itertools.count(1)
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="broadcast-hub", daemon=True).start()
        self.listeners = self._on_loop(self._listen()).result(timeout=30)
        self.pending: Future[None] | None = None
        self.remaining = 0

    def prepare(self, count: int) -> list[Any]:
        return [next(self.numbers) for _ in range(count)]

    def run(self, item: Any) -> None:
        delivered = self._on_loop(self._arm()).result(timeout=10)
        seq = publish(tournament_id=self.tournament_id, type=MATCH_CONFIRMED, data={"match_id": item})
        delivered.result(timeout=10)
        late = [last for last in self._on_loop(self._last_seqs()).result(timeout=10) if last != seq]
        if late:
            raise AssertionError(f"{len(late)} listeners ended at seq {late[:3]}, expected {seq}")

    def _on_loop(self, coroutine) -> Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    async def _listen(self) -> list[Listener]:
        hub = hub_for_running_loop()
        listeners = [Listener(last_seq=0, maxsize=64, on_overflow=self._overflowed) for _ in range(LISTENERS)]
        for listener in listeners:
            await hub.join(self.tournament_id, listener)
            asyncio.ensure_future(listener.pump(self._sent))
        return listeners

    async def _last_seqs(self) -> list[int]:
        return [listener.last_seq for listener in self.listeners]

    async def _arm(self) -> Future[None]:
        self.remaining = LISTENERS
        self.pending = Future()
        return self.pending

    async def _sent(self, message: dict[str, Any]) -> None:
        self.remaining -= 1
        if self.remaining == 0 and self.pending is not None:
            self.pending.set_result(None)

    def _overflowed(self) -> None:
        if self.pending is not None and not self.pending.done():
            self.pending.set_exception(AssertionError("a listener overflowed"))
