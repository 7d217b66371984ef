"""API token authentication with an expiry, and no demo tokens in production.

DRF's token never expires. Here a token is valid for ``API_TOKEN_TTL`` from its
creation (``POST /api/auth/token/`` hands out a new one once it has expired) and
``POST /api/auth/token/revoke/`` deletes it. Same single query as DRF's.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from accounts.selectors import token_refusal


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        try:
            token = Token.objects.select_related("user").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        refusal = token_refusal(token=token)
        if refusal is not None:
            raise exceptions.AuthenticationFailed(refusal)
        return token.user, token
