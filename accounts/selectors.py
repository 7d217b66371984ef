"""Reads of accounts: whether an API token may be used, whether demo credentials exist."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.token_cache import token_with_user

#: seed_demo's tokens start with this; production refuses them (docs/security.md "Demo data").
DEMO_TOKEN_PREFIX = "demo-"  # noqa: S105 - a prefix to refuse, not a secret


def token_refusal(*, token: Token) -> str | None:
    """Why ``token`` may not authenticate (expired, a demo token in production), or None.

    Precondition: ``token.user`` is loaded (``select_related``), so this costs no query.
    """
    if not token.user.is_active:
        return "User inactive or deleted."
    if settings.ENVIRONMENT == "production" and token.key.startswith(DEMO_TOKEN_PREFIX):
        return "Demo tokens are refused in production."
    if token.created <= timezone.now() - settings.API_TOKEN_TTL:
        return "Token has expired; sign in again."
    return None


def user_for_token(*, key: str) -> User | AnonymousUser:
    """The user of a usable API token ``key``, or an anonymous user (at most one query)."""
    token = token_with_user(key=key)
    if token is None or token_refusal(token=token) is not None:
        return AnonymousUser()
    return token.user


def demo_credentials_exist(*, demo_usernames: tuple[str, ...], demo_password: str) -> list[str]:
    """What of seed_demo's data is present: demo tokens, demo users still on the demo password."""
    found = []
    if Token.objects.filter(key__startswith=DEMO_TOKEN_PREFIX).exists():
        found.append("demo API tokens")
    users = get_user_model().objects.filter(username__in=demo_usernames)
    found += [f"user {user.username!r} with the demo password" for user in users if user.check_password(demo_password)]
    return found
