"""Authentication reads a token once, then from the cache; nothing revoked comes back (issue 19).

The cache is ``CACHES["default"]``: the process's memory in the SQLite leg, the machine's
Redis in the PostgreSQL leg (REDIS_URL), where every process shares it.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import token_cache
from accounts.services import token_revoke

pytestmark = pytest.mark.django_db

#: A Redis no one listens on: connection refused at once.
UNREACHABLE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def key(captain) -> str:
    return Token.objects.get(user=captain).key


def me(key: str):
    return APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {key}")


def test_a_token_costs_one_query_then_none(key, captain, django_assert_num_queries):
    with django_assert_num_queries(1):  # the token with its user
        assert me(key).json()["id"] == captain.pk
    with django_assert_num_queries(0):
        assert me(key).json()["id"] == captain.pk


def test_a_revoked_token_is_refused_at_once(key, captain):
    assert me(key).status_code == 200  # cached
    token_revoke(user=captain)
    assert me(key).status_code == 401


def test_revoking_through_the_api_refuses_the_token_on_the_next_request(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/auth/me/").status_code == 200
    assert client.post("/api/auth/token/revoke/").status_code == 204
    assert client.get("/api/auth/me/").json()["code"] == "authentication_failed"


def test_a_deactivated_user_is_refused_at_once(key, captain):
    assert me(key).status_code == 200
    captain.is_active = False
    captain.save()
    assert me(key).json() == {"code": "authentication_failed", "detail": "User inactive or deleted."}


def test_a_changed_user_is_read_again(key, captain):
    assert me(key).json()["username"] == "captain"
    captain.username = "renamed"
    captain.save()
    assert me(key).json()["username"] == "renamed"


def test_a_request_that_read_the_token_before_it_was_revoked_cannot_cache_it(key, captain, monkeypatch):
    """The interleaving a delete-on-revoke cache gets wrong: a request reads the token's row,
    the revocation commits, then that request stores what it read."""
    remember = token_cache._remember

    def revoked_in_between(cache_key: str, token: Token) -> None:
        token_revoke(user=captain)
        remember(cache_key, token)

    monkeypatch.setattr(token_cache, "_remember", revoked_in_between)
    assert me(key).status_code == 200  # it read the row before the revocation
    monkeypatch.setattr(token_cache, "_remember", remember)
    assert me(key).status_code == 401


def test_expiry_is_checked_on_a_cached_token(key, settings, django_assert_num_queries):
    assert me(key).status_code == 200
    settings.API_TOKEN_TTL = datetime.timedelta(0)
    with django_assert_num_queries(0):
        assert me(key).json()["detail"] == "Token has expired; sign in again."


def test_an_unknown_token_is_not_cached(django_assert_num_queries):
    for _ in range(2):
        with django_assert_num_queries(1):
            assert me("0" * 40).status_code == 401


def test_no_cache_when_its_ttl_is_zero(key, settings, django_assert_num_queries):
    settings.API_TOKEN_CACHE_SECONDS = 0
    for _ in range(2):
        with django_assert_num_queries(1):
            assert me(key).status_code == 200


def test_an_unreachable_cache_costs_the_query_and_never_fails_a_request(key, captain, settings):
    settings.CACHES = UNREACHABLE
    assert me(key).status_code == 200
    assert me(key).status_code == 200
    token_revoke(user=captain)  # its tombstone cannot be written either
    assert me(key).status_code == 401


def test_the_cache_key_is_a_digest_not_the_credential(key):
    me(key)
    assert cache.get(token_cache._cache_key(key)) is not None
    assert key not in token_cache._cache_key(key)
