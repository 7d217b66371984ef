"""The stock Channels fan-out the hub is measured against (docs/realtime.md); benchmark-only.

Registered as ``REALTIME_FANOUT = "channels"`` by ``PerfConfig.ready``, so it exists only
where the perf app is installed (never in production settings). Publishing goes through
``group_send`` to one group per tournament, and every socket has its own layer channel
and group membership: the per-socket cost the hub avoids.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from realtime.channels import Fanout
from realtime.consumers import TournamentConsumer


def group_name(tournament_id: int) -> str:
    return f"tournament.{tournament_id}"


def group_send(*, tournament_id: int, seq: int, text: str) -> None:
    message = {"type": "tournament.event", "seq": seq, "text": text}
    async_to_sync(get_channel_layer().group_send)(group_name(tournament_id), message)


class StockTournamentConsumer(TournamentConsumer):
    """The same stream through stock Channels: one layer channel and group membership per socket.

    Served when ``REALTIME_FANOUT = "channels"``, so the hub can be measured against it
    (docs/realtime.md). No outbox: the layer's own per-channel queue bounds memory
    (it drops messages for a full channel), so a slow socket loses events silently.
    """

    channel_layer_alias = "default"

    async def _listen(self, since: int | None) -> None:
        self.last_seq = since or 0
        await self.channel_layer.group_add(group_name(self.tournament_id), self.channel_name)
        await self.accept()
        self.last_seq = await self._recover(since)

    async def tournament_event(self, event: dict) -> None:
        if event["seq"] > self.last_seq:
            await self.send(text_data=event["text"])
            self.last_seq = event["seq"]

    async def disconnect(self, code: int) -> None:
        if self.channel_layer is not None:
            await self.channel_layer.group_discard(group_name(self.tournament_id), self.channel_name)


STOCK_FANOUT = Fanout(
    consumer="perf.realtime.StockTournamentConsumer", deliver_local=group_send, deliver_redis=group_send
)
