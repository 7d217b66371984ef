"""The production ASGI entry point: config.asgi's application behind a request log.

One JSON line per HTTP request and per WebSocket session on the ``arena.request``
logger: method, path, status, duration, client. The query string is never logged:
WebSocket clients authenticate with ``?ticket=<single-use ticket>``. A production worker
refuses to start while seed_demo's credentials exist.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from config.asgi import application as arena_application

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("arena.request")


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"} or not logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        outcome: dict[str, Any] = {"status": None}

        async def observing_send(message: Message) -> None:
            _observe(message, outcome)
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        except BaseException:
            outcome["status"] = outcome["status"] or 500
            raise
        finally:
            logger.info("request", extra={"payload": _entry(scope, outcome, started)})


def _observe(message: Message, outcome: dict[str, Any]) -> None:
    kind = message["type"]
    if kind == "http.response.start":
        outcome["status"] = message["status"]
    elif kind == "websocket.accept":
        outcome["status"] = 101
    elif kind == "websocket.close":
        outcome["close_code"] = message.get("code", 1000)
        outcome["status"] = outcome["status"] or 403  # closed before accept: refused


def _entry(scope: Scope, outcome: dict[str, Any], started: float) -> dict[str, Any]:
    client = scope.get("client") or ("", 0)
    return {
        "event": "request",
        "ts": time.time(),
        "type": scope["type"],
        "method": scope.get("method", "GET"),
        "path": scope.get("path", ""),
        "status": outcome["status"] or 499,  # no response and no error: the client went away
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        "client": client[0],
        **({"close_code": outcome["close_code"]} if "close_code" in outcome else {}),
    }


def refuse_demo_credentials() -> None:
    """A production worker does not start while seed_demo's users or tokens exist.

    They have a published password and published tokens; finding them in production
    means someone seeded the wrong database. One query (and a password check per demo
    username present), once per worker start.
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.db import connections

    from accounts.management.commands.seed_demo import DEMO_USERNAMES, PASSWORD
    from accounts.selectors import demo_credentials_exist

    if settings.ENVIRONMENT != "production":
        return
    found = demo_credentials_exist(demo_usernames=DEMO_USERNAMES, demo_password=PASSWORD)
    connections.close_all()  # opened at import, before the event loop: not reused by requests
    if found:
        raise ImproperlyConfigured(f"Refusing to serve in production: seed_demo data exists ({', '.join(found)}).")


refuse_demo_credentials()
application = RequestLogMiddleware(arena_application)
