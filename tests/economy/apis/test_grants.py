"""POST /api/economy/grants/ and its audit view (issue 17, findings 3c and 4).

Before: any staff member minted up to 2^53 coins per call, to anyone, themselves
included, unthrottled, and the ledger did not say who.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import override_settings

from economy.models import LedgerEntry, LedgerTransaction, Wallet
from tests import factories


def _with_permission(user, codename: str):
    user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="economy"))
    return type(user).objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


@pytest.fixture
def granter(db):
    """A non-staff user holding the dedicated permission."""
    return _with_permission(factories.user(username="granter"), "grant_coins")


def _grant(client, user_id, amount, reason="tournament sponsor payout"):
    return client.post("/api/economy/grants/", {"user_id": user_id, "amount": amount, "reason": reason}, format="json")


def test_grant_records_who_and_why_in_the_ledger(granter, member, treasury, client_for):
    client = client_for(granter)
    response = _grant(client, member.pk, 500)

    grant = LedgerTransaction.objects.get(kind="grant")
    assert (response.status_code, response.json()) == (
        201,
        {"id": grant.pk, "user_id": member.pk, "amount": 500, "balance": 500},
    )
    assert (grant.granted_by_id, grant.reason) == (granter.pk, "tournament sponsor payout")
    assert Wallet.objects.get(is_treasury=True).balance == -500


def test_staff_without_the_permission_cannot_mint(organizer, member, client_for):
    response = _grant(client_for(organizer), member.pk, 5)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not LedgerEntry.objects.exists()


def test_plain_user_cannot_mint(captain, member, client_for):
    response = _grant(client_for(captain), member.pk, 5)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not LedgerEntry.objects.exists()


def test_granting_yourself_is_refused(granter, client_for):
    response = _grant(client_for(granter), granter.pk, 5)
    assert (response.status_code, response.json()["code"]) == (422, "self_grant")
    assert not LedgerEntry.objects.exists()


@override_settings(ECONOMY_GRANT_MAX_AMOUNT=1000)
def test_grant_above_the_per_call_cap_is_refused(granter, member, client_for):
    client = client_for(granter)
    assert _grant(client, member.pk, 1000).status_code == 201

    response = _grant(client, member.pk, 1001)

    assert (response.status_code, response.json()["code"]) == (422, "grant_limit_exceeded")
    assert LedgerTransaction.objects.filter(kind="grant").count() == 1


@override_settings(ECONOMY_GRANT_DAILY_LIMIT=1500)
def test_grants_above_the_daily_cap_of_one_granter_are_refused(granter, member, captain, client_for):
    client = client_for(granter)
    assert _grant(client, member.pk, 1000).status_code == 201
    assert _grant(client, captain.pk, 500).status_code == 201

    response = _grant(client, member.pk, 1)

    assert (response.status_code, response.json()["code"]) == (422, "grant_daily_limit_exceeded")
    assert Wallet.objects.get(user=member).balance == 1000
    other = _with_permission(factories.user(), "grant_coins")
    assert _grant(client_for(other), member.pk, 1).status_code == 201  # the cap is per granter


def test_grant_needs_a_reason(granter, member, client_for):
    response = client_for(granter).post("/api/economy/grants/", {"user_id": member.pk, "amount": 5}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    blank = _grant(client_for(granter), member.pk, 5, reason="   ")
    assert blank.status_code == 400
    assert not LedgerEntry.objects.exists()


def test_grants_are_throttled(granter, member, client_for, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"grants": "2/hour"}}
    cache.clear()
    client = client_for(granter)
    assert [_grant(client, member.pk, 1).status_code for _ in range(2)] == [201, 201]

    response = _grant(client, member.pk, 1)

    assert (response.status_code, response.json()["code"]) == (429, "throttled")
    assert LedgerTransaction.objects.filter(kind="grant").count() == 2
    cache.clear()


def test_grant_to_unknown_user_is_404(granter, client_for):
    response = _grant(client_for(granter), 999_999, 5)
    assert (response.status_code, response.json()["code"]) == (404, "user_not_found")
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("amount", [0, -1, 1.0, "1", False, 2**53 + 1], ids=repr)
def test_grant_amount_must_be_a_positive_safe_integer(amount, granter, member, client_for):
    response = _grant(client_for(granter), member.pk, amount)
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert not LedgerEntry.objects.exists()


def test_grant_refuses_unknown_fields(granter, member, client_for):
    body = {"user_id": member.pk, "amount": 5, "reason": "x", "granted_by": member.pk}
    response = client_for(granter).post("/api/economy/grants/", body, format="json")
    assert response.status_code == 400
    assert not LedgerEntry.objects.exists()


def test_audit_view_lists_every_grant_with_who_and_why(granter, member, captain, client_for):
    from economy.services import wallet_grant

    _grant(client_for(granter), member.pk, 30, reason="bug bounty")
    wallet_grant(user=captain, amount=7, reason="seed data")  # the system: no granting user
    auditor = _with_permission(factories.user(), "view_ledgertransaction")
    client = client_for(auditor)

    response = client.get("/api/economy/grants/audit/")

    rows = [
        {key: row[key] for key in ("granted_by_id", "user_id", "amount", "reason")}
        for row in response.json()["results"]
    ]
    assert rows == [
        {"granted_by_id": None, "user_id": captain.pk, "amount": 7, "reason": "seed data"},
        {"granted_by_id": granter.pk, "user_id": member.pk, "amount": 30, "reason": "bug bounty"},
    ]
    assert client_for(granter).get("/api/economy/grants/audit/").status_code == 403  # minting is not auditing
