from __future__ import annotations

import itertools

import pytest

from economy.services import wallet_grant

_keys = itertools.count(1)


@pytest.fixture
def funded(treasury):
    """``funded(user, amount)`` grants coins and returns the user."""

    def fund(user, amount: int):
        wallet_grant(user=user, amount=amount)
        return user

    return fund


@pytest.fixture
def transfer(client_for):
    """``transfer(sender, body, key=None)`` → the response of POST /api/economy/transfers/."""

    clients: dict = {}  # made once per user, so query counts see only the request

    def post(sender, body, key: str | None = None, **headers):
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        if sender.pk not in clients:
            clients[sender.pk] = client_for(sender)
        client = clients[sender.pk]
        return client.post("/api/economy/transfers/", body, format="json", **headers)

    return post


@pytest.fixture
def new_key():
    return lambda: f"key-{next(_keys)}"
