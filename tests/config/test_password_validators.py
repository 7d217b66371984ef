import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from economy.models import Wallet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("shorty", "k9#Lm2", "This password is too short. It must contain at least 8 characters."),
        ("commoner", "password123", "This password is too common."),
        ("numbers", "8364902175", "This password is entirely numeric."),
        ("rosalind.franklin", "rosalind.franklin1", "The password is too similar to the username."),
    ],
)
def test_signup_refuses_weak_passwords_and_writes_nothing(username, password, message):
    response = APIClient().post("/api/auth/users/", {"username": username, "password": password}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "weak_password"
    assert message in response.json()["detail"]
    assert get_user_model().objects.count() == 0
    assert Wallet.objects.filter(is_treasury=False).count() == 0


def test_signup_accepts_a_strong_password():
    body = {"username": "strong", "password": "violet-anchor-quartz-19"}

    response = APIClient().post("/api/auth/users/", body, format="json")

    assert response.status_code == 201
    assert get_user_model().objects.get(username="strong").check_password("violet-anchor-quartz-19")
