"""WebSocket authentication: the API token as ``?token=<key>``, else the session cookie.

Browsers send the session cookie with the handshake; scripts and native clients,
which have no cookie jar, pass their API token in the URL (a WebSocket handshake
cannot carry an Authorization header from a browser). The token then appears in
access logs: production should serve over TLS and keep query strings out of logs.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async

from accounts.selectors import user_for_token


def query_param(scope: dict, name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True).get(name)
    return values[-1] if values else None


class TokenOrSessionAuthMiddleware:
    """Sets ``scope["user"]`` from ``?token=`` when given, otherwise from the session."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.session_auth = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        key = query_param(scope, "token")
        if key is None:
            return await self.session_auth(scope, receive, send)
        user = await database_sync_to_async(user_for_token)(key=key)
        return await self.inner(dict(scope, user=user), receive, send)


def TokenOrSessionAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack
    return TokenOrSessionAuthMiddleware(inner)
