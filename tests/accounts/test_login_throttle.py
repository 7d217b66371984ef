"""Failed sign-ins are throttled per username and per address, on the API and the admin."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def login_limits(settings):
    def apply(*, username: str | None = None, ip: str | None = None) -> None:
        settings.LOGIN_THROTTLE_RATES = {"username": username, "ip": ip}

    cache.clear()
    yield apply
    cache.clear()


def _token(username: str, password: str, ip: str):
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip
    )


def _admin_login(client, username: str, password: str, ip: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_api_login_is_throttled_per_username_across_addresses(login_limits, captain):
    login_limits(username="3/hour")
    Token.objects.filter(user=captain).delete()
    statuses = [_token("captain", "wrong", f"203.0.113.{n}").status_code for n in range(3)]

    refused = _token("captain", factories.PASSWORD, "203.0.113.99")

    assert statuses == [400, 400, 400]
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert not Token.objects.filter(user=captain).exists()  # the right password got nothing


def test_api_login_is_throttled_per_address_across_usernames(login_limits, captain):
    login_limits(ip="2/hour")
    assert [_token(f"nobody{n}", "wrong", "203.0.113.5").status_code for n in range(2)] == [400, 400]

    assert _token("captain", factories.PASSWORD, "203.0.113.5").status_code == 429
    assert _token("captain", factories.PASSWORD, "203.0.113.6").status_code == 200


def test_successful_logins_do_not_count(login_limits, captain):
    login_limits(username="2/hour", ip="2/hour")
    assert {_token("captain", factories.PASSWORD, "203.0.113.7").status_code for _ in range(5)} == {200}


def test_admin_login_is_throttled_per_username(login_limits, client, organizer):
    login_limits(username="2/hour")
    for n in range(2):
        assert _admin_login(client, "organizer", "wrong", f"198.51.100.{n}").status_code == 200  # form re-shown

    response = _admin_login(client, "organizer", factories.PASSWORD, "198.51.100.50")

    assert response.status_code == 200
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_admin_login_is_throttled_per_address(login_limits, client, organizer):
    login_limits(ip="2/hour")
    for n in range(2):
        _admin_login(client, f"nobody{n}", "wrong", "198.51.100.60")

    assert b"Too many failed sign-ins" in _admin_login(client, "organizer", factories.PASSWORD, "198.51.100.60").content
    assert _admin_login(client, "organizer", factories.PASSWORD, "198.51.100.61").status_code == 302


def test_admin_can_be_switched_off(settings, client, organizer):
    settings.ADMIN_ENABLED = False
    client.force_login(organizer)

    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404


def test_admin_can_be_limited_to_networks(settings, client, organizer):
    settings.ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8", "192.0.2.1"]
    client.force_login(organizer)

    assert client.get("/admin/", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get("/admin/", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/admin/", REMOTE_ADDR="192.0.2.1").status_code == 200


def test_sign_in_works_while_the_throttle_counters_are_unreachable(login_limits, captain):
    """Redis down (here: a port nothing listens on) must not turn every sign-in into a 500."""
    login_limits(username="3/hour", ip="3/hour")
    Token.objects.filter(user=captain).delete()
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    with override_settings(CACHES={"default": unreachable}):
        statuses = [
            _token("captain", "wrong", "203.0.113.7").status_code,
            _token("captain", factories.PASSWORD, "203.0.113.7").status_code,
        ]

    assert statuses == [400, 200]
