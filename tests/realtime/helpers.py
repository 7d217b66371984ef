"""Helpers for the realtime tests."""

from __future__ import annotations

import json

from channels.testing import WebsocketCommunicator

from config.asgi import application


class StreamCommunicator(WebsocketCommunicator):
    """A communicator that reads the connection's ``stream.sync`` frame on connect (``.sync``),
    so tests read events only; a refusal's close stays the first output."""

    sync: dict | None = None

    async def connect(self, timeout: float = 1):
        connected, subprotocol = await super().connect(timeout)
        if connected:
            first = await super().receive_output(timeout=3)
            if first["type"] == "websocket.send" and json.loads(first["text"]).get("type") == "stream.sync":
                self.sync = json.loads(first["text"])
            else:
                self._pending = first
        return connected, subprotocol

    async def receive_output(self, timeout: float = 1):
        pending = getattr(self, "_pending", None)
        if pending is not None:
            self._pending = None
            return pending
        return await super().receive_output(timeout)

    async def receive_nothing(self, timeout: float = 0.1, interval: float = 0.01) -> bool:
        if getattr(self, "_pending", None) is not None:
            return False  # a refusal's close, read on connect
        return await super().receive_nothing(timeout, interval)


def communicator(path: str, *, origin: bytes | None = b"http://testserver", headers=()) -> StreamCommunicator:
    all_headers = [*headers]
    if origin is not None:
        all_headers.append((b"origin", origin))
    return StreamCommunicator(application, path, headers=all_headers)


def stream_path(tournament_id: int, *, token: str | None = None, since: int | str | None = None) -> str:
    params = []
    if token is not None:
        params.append(f"token={token}")
    if since is not None:
        params.append(f"since={since}")
    return f"/ws/tournaments/{tournament_id}/" + ("?" + "&".join(params) if params else "")


async def receive_events(connection: WebsocketCommunicator, count: int) -> list[dict]:
    return [json.loads(await connection.receive_from(timeout=3)) for _ in range(count)]
