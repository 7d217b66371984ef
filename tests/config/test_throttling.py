import pytest
from django.contrib.auth import get_user_model
from django.urls import resolve
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from tests import factories

pytestmark = pytest.mark.django_db


def _signup(client: APIClient, username: str, ip: str):
    body = {"username": username, "password": factories.PASSWORD}
    return client.post("/api/auth/users/", body, format="json", REMOTE_ADDR=ip)


def test_signup_is_throttled_per_ip_with_json_429_and_retry_after(throttle_rates, client_ip):
    throttle_rates(auth="2/minute")
    client = APIClient()
    assert [_signup(client, f"user{n}", client_ip).status_code for n in range(2)] == [201, 201]

    response = _signup(client, "user2", client_ip)

    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"].startswith("Request was throttled.")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not get_user_model().objects.filter(username="user2").exists()


def test_signup_throttle_counts_each_ip_separately(throttle_rates, client_ip):
    throttle_rates(auth="1/minute")
    client = APIClient()
    assert _signup(client, "first", client_ip).status_code == 201

    assert _signup(client, "second", "203.0.113.77").status_code == 201


def test_token_endpoint_is_throttled(throttle_rates, client_ip, captain):
    throttle_rates(auth="2/minute")
    client = APIClient()
    body = {"username": "captain", "password": "wrong password"}
    statuses = [
        client.post("/api/auth/token/", body, format="json", REMOTE_ADDR=client_ip).status_code for _ in range(3)
    ]

    assert statuses == [400, 400, 429]


def test_no_rate_means_no_limit(throttle_rates, client_ip):
    throttle_rates(auth=None)
    client = APIClient()

    assert {_signup(client, f"free{n}", client_ip).status_code for n in range(5)} == {201}


class _TransferLikeApi(APIView):
    throttle_scope = "transfers"

    def post(self, request):
        return Response({"ok": True})


def _transfer_as(user, ip: str):
    request = APIRequestFactory().post("/x/", {}, format="json", REMOTE_ADDR=ip)
    force_authenticate(request, user=user)
    return _TransferLikeApi.as_view()(request)


def test_transfers_scope_is_keyed_per_user_not_per_ip(throttle_rates, client_ip, captain, member):
    throttle_rates(transfers="2/minute")

    captain_statuses = [_transfer_as(captain, client_ip).status_code for _ in range(3)]
    member_status = _transfer_as(member, client_ip).status_code

    assert captain_statuses == [200, 200, 429]
    assert member_status == 200


def test_transfer_endpoint_carries_the_transfers_scope():
    view = resolve("/api/economy/transfers/").func.view_class

    assert view.throttle_scope == "transfers"


def test_auth_endpoints_carry_the_auth_scope():
    scopes = {path: resolve(path).func.view_class.throttle_scope for path in ("/api/auth/users/", "/api/auth/token/")}

    assert scopes == {"/api/auth/users/": "auth", "/api/auth/token/": "auth"}


def test_a_forged_forwarded_for_header_does_not_reset_the_limit(throttle_rates, client_ip):
    throttle_rates(auth="1/minute")
    client = APIClient()
    assert _signup(client, "honest", client_ip).status_code == 201

    body = {"username": "forger", "password": factories.PASSWORD}
    response = client.post(
        "/api/auth/users/", body, format="json", REMOTE_ADDR=client_ip, HTTP_X_FORWARDED_FOR="10.9.8.7"
    )

    assert response.status_code == 429


def test_an_unreachable_throttle_counter_lets_the_request_through(throttle_rates, client_ip, monkeypatch):
    """The counters live in Redis: Redis down must not turn a signup (or a transfer) into a 500."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from config.throttling import ScopedRateThrottle

    def unreachable(self, client_key, *, window_seconds):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379")

    monkeypatch.setattr(ScopedRateThrottle, "_count", unreachable)
    throttle_rates(auth="1/minute")

    assert [_signup(APIClient(), f"user{n}", client_ip).status_code for n in range(2)] == [201, 201]
