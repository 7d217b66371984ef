"""Helpers for the realtime tests."""

from __future__ import annotations

import json

from channels.testing import WebsocketCommunicator

from config.asgi import application


def communicator(path: str, *, origin: bytes | None = b"http://testserver", headers=()) -> WebsocketCommunicator:
    all_headers = [*headers]
    if origin is not None:
        all_headers.append((b"origin", origin))
    return WebsocketCommunicator(application, path, headers=all_headers)


def stream_path(tournament_id: int, *, token: str | None = None, since: int | str | None = None) -> str:
    params = []
    if token is not None:
        params.append(f"token={token}")
    if since is not None:
        params.append(f"since={since}")
    return f"/ws/tournaments/{tournament_id}/" + ("?" + "&".join(params) if params else "")


async def receive_events(connection: WebsocketCommunicator, count: int) -> list[dict]:
    return [json.loads(await connection.receive_from(timeout=3)) for _ in range(count)]
