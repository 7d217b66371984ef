"""Single-use, short-lived WebSocket tickets: how a socket authenticates without a token in its URL.

A WebSocket handshake from a browser cannot carry an ``Authorization`` header, so a
credential in the URL is the usual workaround, and URLs end up in browser history,
proxy and access logs. A ticket is worth logging: it lives ``REALTIME_TICKET_TTL_SECONDS``
(30 s by default) and is redeemed once. ``POST /api/realtime/tickets/`` issues one to
an authenticated caller (token or session); the socket presents ``?ticket=<ticket>``.

Tickets live in the cache (Redis in production, so a ticket issued by one worker is
redeemed by another). Single use: of several concurrent redemptions only the one whose
``delete`` removed the key wins (Redis ``DEL`` reports how many keys it removed).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache

_PREFIX = "ws-ticket:"


def ticket_issue(*, user: User) -> str:
    ticket = secrets.token_urlsafe(32)
    cache.set(_PREFIX + ticket, user.pk, timeout=settings.REALTIME_TICKET_TTL_SECONDS)
    return ticket


def ticket_redeem(*, ticket: str) -> User | AnonymousUser:
    """The active user the ticket was issued to, once; anonymous for an unknown, expired or used one."""
    if not ticket or len(ticket) > 64:
        return AnonymousUser()
    key = _PREFIX + ticket
    user_id = cache.get(key)
    if user_id is None or not cache.delete(key):
        return AnonymousUser()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user if user is not None else AnonymousUser()
