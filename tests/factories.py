"""Test data builders. They go through the services, like every other entry point."""

from __future__ import annotations

import itertools

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import user_create

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def user(*, username: str | None = None, is_staff: bool = False):
    created, _token = user_create(username=username or f"player{next(_seq)}", password=PASSWORD, is_staff=is_staff)
    return created


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
