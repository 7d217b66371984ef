"""API tokens expire, can be revoked, and demo tokens are refused in production."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _me(key: str):
    return APIClient().get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {key}")


def _age(token: Token, *, hours: int) -> None:
    Token.objects.filter(pk=token.pk).update(created=token.created - datetime.timedelta(hours=hours))


def test_expired_token_is_refused(settings, captain, django_assert_num_queries):
    settings.API_TOKEN_TTL = datetime.timedelta(hours=1)
    token = Token.objects.get(user=captain)
    _age(token, hours=2)

    with django_assert_num_queries(1):  # the one token lookup, as before
        response = _me(token.key)

    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "detail": "Token has expired; sign in again."}


def test_fresh_token_costs_one_query(captain, django_assert_num_queries):
    key = Token.objects.get(user=captain).key
    with django_assert_num_queries(1):
        assert _me(key).status_code == 200


def test_signing_in_replaces_an_expired_token(settings, captain):
    settings.API_TOKEN_TTL = datetime.timedelta(hours=1)
    old = Token.objects.get(user=captain)
    _age(old, hours=2)

    response = APIClient().post(
        "/api/auth/token/", {"username": "captain", "password": factories.PASSWORD}, format="json"
    )

    new_key = response.json()["token"]
    assert new_key != old.key
    assert _me(new_key).status_code == 200
    assert not Token.objects.filter(key=old.key).exists()


def test_revoke_deletes_the_token(captain):
    key = Token.objects.get(user=captain).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = client.post("/api/auth/token/revoke/")

    assert response.status_code == 204
    assert not Token.objects.filter(user=captain).exists()
    assert _me(key).status_code == 401


def test_revoke_needs_authentication(anon_client):
    assert anon_client.post("/api/auth/token/revoke/").status_code == 401


def test_demo_token_is_refused_in_production(settings, captain):
    Token.objects.filter(user=captain).update(key="demo-captain".ljust(40, "0"))
    settings.ENVIRONMENT = "production"

    assert _me("demo-captain".ljust(40, "0")).status_code == 401


def test_seed_demo_refuses_a_remote_database(monkeypatch):
    from django.db import connection

    monkeypatch.setattr(connection, "vendor", "postgresql")
    monkeypatch.setitem(connection.settings_dict, "HOST", "db.prod.example")

    with pytest.raises(CommandError, match="never a remote database"):
        call_command("seed_demo", stdout=StringIO())


def test_seed_demo_refuses_production(settings):
    settings.ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="not in production"):
        call_command("seed_demo", stdout=StringIO())


@pytest.mark.slow
def test_production_refuses_to_start_while_demo_data_exists(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_ENV"}}
    env.update(SQLITE_PATH=str(tmp_path / "demo.sqlite3"), DJANGO_ENV="development")
    for command in (["migrate", "-v0"], ["seed_demo", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="s" * 60,
        REDIS_URL="redis://127.0.0.1:6379/4",
        ALLOWED_HOSTS="arena.example",
    )

    started = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import deploy.asgi"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )

    assert started.returncode != 0
    assert "seed_demo data exists (demo API tokens, user 'alice' with the demo password" in started.stderr
    assert "user 'organizer' with the demo password" in started.stderr
