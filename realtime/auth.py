"""WebSocket authentication: a single-use ticket as ``?ticket=``, else the session cookie.

Browsers send the session cookie with the handshake; scripts and native clients, which
have no cookie jar, first ``POST /api/realtime/tickets/`` with their API token and pass
the ticket in the URL (a browser's WebSocket handshake cannot carry an Authorization
header). A ticket in a log is harmless: it expired seconds later and was used once.

``?token=<API token>`` still works where ``REALTIME_URL_TOKENS`` is on (the default
outside production, for scripts and the benchmarks); production refuses it.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.selectors import user_for_token
from realtime.tickets import ticket_redeem


def query_param(scope: dict, name: str) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True).get(name)
    return values[-1] if values else None


def _user_for_url_credentials(*, ticket: str | None, token: str | None):
    if ticket is not None:
        return ticket_redeem(ticket=ticket)
    if token is not None and settings.REALTIME_URL_TOKENS:
        return user_for_token(key=token)
    return AnonymousUser()


class TicketOrSessionAuthMiddleware:
    """Sets ``scope["user"]`` from ``?ticket=`` (or ``?token=``) when given, otherwise from the session."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.session_auth = AuthMiddlewareStack(inner)

    async def __call__(self, scope, receive, send):
        ticket, token = query_param(scope, "ticket"), query_param(scope, "token")
        if ticket is None and token is None:
            return await self.session_auth(scope, receive, send)
        user = await database_sync_to_async(_user_for_url_credentials)(ticket=ticket, token=token)
        return await self.inner(dict(scope, user=user), receive, send)


def TicketOrSessionAuthMiddlewareStack(inner):  # noqa: N802 - named like Channels' AuthMiddlewareStack
    return TicketOrSessionAuthMiddleware(inner)
