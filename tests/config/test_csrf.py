import pytest
from django.middleware import csrf
from rest_framework.test import APIClient

from teams.models import Team

pytestmark = pytest.mark.django_db

TEAM = {"name": "Session Squad", "tag": "SESS"}


@pytest.fixture
def session_client(captain):
    """A browser-like client: logged in with a session cookie, CSRF checks enforced."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(captain)
    return client


def _with_csrf_cookie(client: APIClient) -> str:
    secret = csrf._get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    # A private helper django-stubs does not declare: the masked token a browser sends for this secret.
    return csrf._mask_cipher_secret(secret)  # type: ignore[attr-defined]


def test_session_write_without_csrf_token_is_refused_and_writes_nothing(session_client):
    response = session_client.post("/api/teams/", TEAM, format="json")

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "detail": "CSRF Failed: CSRF cookie not set."}
    assert Team.objects.count() == 0


def test_session_write_with_wrong_csrf_token_is_refused(session_client):
    _with_csrf_cookie(session_client)

    response = session_client.post("/api/teams/", TEAM, format="json", HTTP_X_CSRFTOKEN="x" * 64)

    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed: CSRF token")
    assert Team.objects.count() == 0


def test_session_write_with_csrf_token_is_accepted(session_client):
    token = _with_csrf_cookie(session_client)

    response = session_client.post("/api/teams/", TEAM, format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201
    assert Team.objects.filter(tag="SESS").count() == 1


def test_token_authenticated_write_needs_no_csrf_token(captain):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {captain.auth_token.key}")

    response = client.post("/api/teams/", TEAM, format="json")

    assert response.status_code == 201


def test_session_read_needs_no_csrf_token(session_client):
    assert session_client.get("/api/auth/me/").json()["username"] == "captain"
