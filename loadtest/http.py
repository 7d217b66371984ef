"""A minimal asyncio HTTP/1.1 client with keep-alive: one connection per virtual user.

Enough for a JSON API on loopback: Content-Length and chunked bodies, no TLS, no
redirects (a redirect is reported as what it is, an unexpected status). Standard
library only, so the load test adds no dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class HttpConnection:
    def __init__(self, host: str, port: int, *, default_headers: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.default_headers = {"Host": f"{host}:{port}", **(default_headers or {})}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None
    ) -> HttpResponse:
        payload = b"" if body is None else json.dumps(body).encode()
        head = {**self.default_headers, **(headers or {}), "Content-Length": str(len(payload))}
        if body is not None:
            head["Content-Type"] = "application/json"
        raw = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n"
        for attempt in range(2):
            reader, writer = await self._connection()
            try:
                writer.write(raw.encode("latin-1") + payload)
                await writer.drain()
                return await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                # The server closed an idle keep-alive connection: reconnect once.
                await self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer  # type: ignore[return-value]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _read_response(reader: asyncio.StreamReader) -> HttpResponse:
    status_line = (await reader.readuntil(b"\r\n")).decode("latin-1")
    status = int(status_line.split(" ", 2)[1])
    headers: dict[str, str] = {}
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return HttpResponse(status, headers, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")
    return b"".join(parts)
