"""API token authentication with an expiry, and no demo tokens in production.

DRF's token never expires. Here a token is valid for ``API_TOKEN_TTL`` from its
creation (``POST /api/auth/token/`` hands out a new one once it has expired) and
``POST /api/auth/token/revoke/`` deletes it. DRF's single query (the token with its
user) is paid once per token lifetime in the cache (``accounts.token_cache``), not per
request.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from accounts.selectors import token_refusal
from accounts.token_cache import token_with_user


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        token = token_with_user(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        refusal = token_refusal(token=token)
        if refusal is not None:
            raise exceptions.AuthenticationFailed(refusal)
        return token.user, token
