"""GET wallet, GET ledger (grants: test_grants.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from economy.models import Wallet


def test_wallet_shows_balance_and_version(captain, funded, client_for, django_assert_num_queries):
    funded(captain, 42)
    client = client_for(captain)
    with django_assert_num_queries(2):  # token, wallet
        response = client.get("/api/economy/wallet/")
    assert (response.status_code, response.json()) == (200, {"balance": 42, "version": 1})


def test_wallet_of_a_user_without_one_reads_zero_and_writes_nothing(db, client_for):
    admin = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    response = client_for(admin).get("/api/economy/wallet/")
    assert response.json() == {"balance": 0, "version": 0}
    assert not Wallet.objects.filter(user=admin).exists()


def test_ledger_lists_own_legs_newest_first_paginated(captain, member, funded, transfer, client_for):
    funded(captain, 100)
    transfer(captain, {"to_user_id": member.pk, "amount": 10}, key="a")
    transfer(captain, {"to_user_id": member.pk, "amount": 20}, key="b")

    response = client_for(captain).get("/api/economy/wallet/ledger/?page_size=2")

    body = response.json()
    assert body["count"] == 3
    assert body["next"] is not None
    assert [(row["kind"], row["amount"], row["balance_after"]) for row in body["results"]] == [
        ("transfer", -20, 70),
        ("transfer", -10, 90),
    ]
    second = client_for(captain).get("/api/economy/wallet/ledger/?page_size=2&page=2").json()
    assert [(row["kind"], row["amount"]) for row in second["results"]] == [("grant", 100)]


def test_ledger_query_count_does_not_grow_with_entries(
    captain, member, funded, transfer, client_for, django_assert_num_queries
):
    funded(captain, 100)
    for index in range(5):
        transfer(captain, {"to_user_id": member.pk, "amount": 1}, key=f"n{index}")
    client = client_for(captain)
    with django_assert_num_queries(2):  # count, page (the token: cached by the transfers)
        response = client.get("/api/economy/wallet/ledger/")
    assert len(response.json()["results"]) == 6


def test_ledger_shows_nothing_of_other_users(captain, member, funded, client_for):
    funded(captain, 100)
    assert client_for(member).get("/api/economy/wallet/ledger/").json()["count"] == 0
