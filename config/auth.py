"""The authenticated user of a DRF request, typed as the project's user model."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request


def authenticated_user(request: Request) -> User:
    """``request.user`` narrowed to ``User``.

    Precondition: the view runs behind ``IsAuthenticated`` (the project's default
    permission), so the refusal below is never reached in practice; it exists so an
    ``AnonymousUser`` can never reach a service, even if a view's permissions change.
    ``AUTH_USER_MODEL`` is the default ``auth.User``.
    """
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user
