"""A request-body cap at the ASGI entry point, before Django reads a byte of the body.

Under ASGI, Django's handler spools the *whole* body into a temporary file before any
middleware or ``DATA_UPLOAD_MAX_MEMORY_SIZE`` check runs, so a multi-GB POST to any URL
fills the temp directory. This middleware sits in front of it:

* a ``Content-Length`` above the cap is answered 413 at once, without reading the body;
* a body without one (chunked) is counted as it streams: the chunk that crosses the cap
  is never passed on; Django is told the client went away (it stops reading and sends
  nothing) and the client gets the 413.

The cap (``REQUEST_BODY_MAX_BYTES``) is at most ``FILE_UPLOAD_MAX_MEMORY_SIZE`` (a
settings check), so an accepted body stays in memory and nothing is ever spooled to disk.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
# Loose on purpose: Django's handler and Channels' apps each type scope/receive/send their own way.
ASGIApp = Callable[..., Awaitable[None]]

CODE = "request_too_large"


def declared_length(scope: Scope) -> int | None:
    """The ``Content-Length`` header as a number; None when absent; -1 when malformed."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else -1
    return None


async def send_too_large(send: Send, *, limit: int) -> None:
    body = json.dumps({"code": CODE, "detail": f"The request body exceeds {limit} bytes."}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            # The rest of the body is not read: the connection cannot be reused.
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.REQUEST_BODY_MAX_BYTES
        length = declared_length(scope)
        if length is not None and (length < 0 or length > limit):
            await send_too_large(send, limit=limit)
            return
        state = {"received": 0, "overflowed": False, "started": False}

        async def counting_receive() -> Message:
            if state["overflowed"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit:
                    # Django sees a disconnect: it drops what it spooled (< the cap) and answers nothing.
                    state["overflowed"] = True
                    return {"type": "http.disconnect"}
            return message

        async def observing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, counting_receive, observing_send)
        if state["overflowed"] and not state["started"]:
            await send_too_large(send, limit=limit)
