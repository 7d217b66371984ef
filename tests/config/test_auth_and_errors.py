"""The API's front door: signup, tokens, the caller, and the one JSON error shape."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from economy.models import Wallet
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_signup_keeps_an_email_address_for_notifications(anon_client):
    payload = {"username": "trinity", "password": PASSWORD, "email": "trinity@example.com"}
    response = anon_client.post("/api/auth/users/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["user"]["email"] == User.objects.get(username="trinity").email == "trinity@example.com"


def test_signup_refuses_a_malformed_email_address_and_writes_nothing(anon_client):
    payload = {"username": "smith", "password": PASSWORD, "email": "not-an-address"}
    response = anon_client.post("/api/auth/users/", payload, format="json")
    assert (response.status_code, list(response.json()["fields"])) == (400, ["email"])
    assert not User.objects.filter(username="smith").exists()


def test_signup_creates_user_wallet_and_token(anon_client):
    response = anon_client.post("/api/auth/users/", {"username": "neo", "password": PASSWORD}, format="json")

    assert response.status_code == 201
    user = User.objects.get(username="neo")
    assert response.json() == {
        "user": {"id": user.pk, "username": "neo", "email": "", "is_staff": False},
        "token": Token.objects.get(user=user).key,
    }
    assert Wallet.objects.get(user=user).balance == 0


def test_signup_refuses_a_weak_password_and_writes_nothing(anon_client):
    response = anon_client.post("/api/auth/users/", {"username": "neo", "password": "123"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "weak_password"
    assert not User.objects.filter(username="neo").exists()


def test_signup_refuses_a_taken_username(anon_client, captain):
    response = anon_client.post("/api/auth/users/", {"username": "captain", "password": PASSWORD}, format="json")

    assert response.status_code == 409
    assert response.json() == {"code": "username_taken", "detail": "That username is taken."}
    assert User.objects.filter(username="captain").count() == 1


def test_token_exchange_then_me(anon_client, captain):
    token = anon_client.post("/api/auth/token/", {"username": "captain", "password": PASSWORD}, format="json")
    assert token.status_code == 200

    anon_client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = anon_client.get("/api/auth/me/")

    assert me.status_code == 200
    assert me.json() == {"id": captain.pk, "username": "captain", "email": "", "is_staff": False}


def test_token_exchange_with_a_wrong_password(anon_client, captain):
    response = anon_client.post("/api/auth/token/", {"username": "captain", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"code": "invalid_credentials", "detail": "Wrong username or password."}


def test_me_requires_authentication(anon_client):
    response = anon_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "detail": "Authentication credentials were not provided."}


def test_a_bad_token_is_refused(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = anon_client.get("/api/auth/me/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_malformed_json_is_a_400_json_error(anon_client):
    response = anon_client.generic("POST", "/api/auth/users/", '{"username": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_validation_errors_name_the_field(anon_client):
    response = anon_client.post("/api/auth/users/", {"password": PASSWORD}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "username: This field is required."
    assert body["fields"] == {"username": ["This field is required."]}


def test_wrong_method_is_a_405_json_error(client_for, captain):
    response = client_for(captain).delete("/api/auth/me/")

    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "detail": 'Method "DELETE" not allowed.'}


def test_unknown_api_route_is_a_404_json_error(anon_client):
    response = anon_client.get("/api/no/such/thing/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No API endpoint at /api/no/such/thing/."}
