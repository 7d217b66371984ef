"""The floor the hub is measured against: a bare ``websockets`` server calling ``websockets.broadcast()``.

    python -m tests.realtime.raw_server --port P

Every WebSocket connection listens, whatever its path, except ``/publish?count=N``:
that one makes the server broadcast N envelopes shaped like the application's (same
size, increasing ``seq``) to every listener, then answers the list of seqs and closes.
No Django, no database, no hub: what sending to N sockets costs on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, broadcast, serve

listeners: set[ServerConnection] = set()
numbers = itertools.count(1)


def envelope(seq: int) -> str:
    data = {"n": seq, "team_id": seq, "match_id": seq, "score_a": 2, "score_b": 1}
    return json.dumps(
        {"type": "registration.created", "tournament_id": 1, "seq": seq, "ts": time.time(), "data": data},
        separators=(",", ":"),
    )


async def handler(connection: ServerConnection) -> None:
    request = urlsplit(connection.request.path if connection.request else "/")
    if request.path == "/publish":
        count = int(parse_qs(request.query)["count"][0])
        seqs = [next(numbers) for _ in range(count)]
        for seq in seqs:
            broadcast(listeners, envelope(seq))
        await connection.send(json.dumps(seqs))
        return
    listeners.add(connection)
    try:
        await connection.wait_closed()
    finally:
        listeners.discard(connection)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None) as server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args(sys.argv[1:]).port))
