"""POST /api/economy/transfers/: every rule and error code of the issue."""

from __future__ import annotations

import pytest
from django.test import override_settings

from economy.models import LedgerEntry, LedgerTransaction, Wallet


def _balances(*users) -> list[int]:
    return [Wallet.objects.get(user=user).balance for user in users]


def _written() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), LedgerEntry.objects.count()


@pytest.mark.parametrize("strategy", ["optimistic", "pessimistic", "conditional"])
def test_transfer_moves_money_and_writes_two_legs_summing_to_zero(
    strategy, captain, member, funded, transfer, django_assert_num_queries
):
    funded(captain, 100)
    client_request = {"to_user_id": member.pk, "amount": 30}
    transfer(captain, {"to_user_id": captain.pk, "amount": 1}, key="warm-up")  # 422: makes the client

    # SAVEPOINT, INSERT transaction (the key's claim, first), wallets read (locked when
    # pessimistic), 2 UPDATEs, INSERT legs, RELEASE; the token is cached since the warm-up.
    # (9 before issue 17: a key lookup preceded the claim; 8 before issue 19: the token.)
    with override_settings(ECONOMY_TRANSFER_STRATEGY=strategy), django_assert_num_queries(7):
        response = transfer(captain, client_request, key="k1")

    assert response.status_code == 201
    created = LedgerTransaction.objects.get(kind="transfer")
    assert response.json() == {
        "id": created.pk,
        "from_user_id": captain.pk,
        "to_user_id": member.pk,
        "amount": 30,
        "balance": 70,
    }
    assert _balances(captain, member) == [70, 30]
    legs = sorted(created.entries.values_list("wallet__user_id", "amount", "balance_after"))
    assert legs == sorted([(captain.pk, -30, 70), (member.pk, 30, 30)])
    assert (created.owner_id, created.idempotency_key) == (captain.pk, "k1")


def test_transfer_bumps_both_versions(captain, member, funded, transfer):
    funded(captain, 10)
    before = [Wallet.objects.get(user=u).version for u in (captain, member)]
    transfer(captain, {"to_user_id": member.pk, "amount": 1}, key="v")
    assert [Wallet.objects.get(user=u).version for u in (captain, member)] == [before[0] + 1, before[1] + 1]


def test_replay_with_same_key_and_body_returns_the_original_answer_and_writes_nothing(
    captain, member, funded, transfer, django_assert_num_queries
):
    funded(captain, 100)
    first = transfer(captain, {"to_user_id": member.pk, "amount": 30}, key="same")  # also makes the client
    written = _written()

    # SAVEPOINT, the claim (ON CONFLICT DO NOTHING: no row), key lookup, RELEASE (the token: cached).
    with django_assert_num_queries(4):
        again = transfer(captain, {"amount": 30, "to_user_id": member.pk}, key="same")

    assert (again.status_code, again.json()) == (201, first.json())
    assert _written() == written
    assert _balances(captain, member) == [70, 30]


def test_replay_answers_the_original_balance_even_after_later_transfers(captain, member, funded, transfer):
    funded(captain, 100)
    first = transfer(captain, {"to_user_id": member.pk, "amount": 30}, key="a")
    transfer(captain, {"to_user_id": member.pk, "amount": 5}, key="b")
    assert transfer(captain, {"to_user_id": member.pk, "amount": 30}, key="a").json()["balance"] == 70
    assert first.json()["balance"] == 70


def test_same_key_with_another_body_is_refused_and_writes_nothing(captain, member, funded, transfer):
    funded(captain, 100)
    transfer(captain, {"to_user_id": member.pk, "amount": 30}, key="reused")
    written = _written()

    response = transfer(captain, {"to_user_id": member.pk, "amount": 31}, key="reused")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert _written() == written
    assert _balances(captain, member) == [70, 30]


def test_keys_are_scoped_per_user(captain, member, outsider, funded, transfer):
    funded(captain, 10)
    funded(member, 10)
    assert transfer(captain, {"to_user_id": outsider.pk, "amount": 1}, key="shared").status_code == 201
    assert transfer(member, {"to_user_id": outsider.pk, "amount": 2}, key="shared").status_code == 201
    assert _balances(captain, member, outsider) == [9, 8, 3]


def test_missing_idempotency_key_is_400_and_writes_nothing(captain, member, funded, transfer):
    funded(captain, 10)
    written = _written()
    response = transfer(captain, {"to_user_id": member.pk, "amount": 1})
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_missing"
    assert _written() == written


def test_overlong_idempotency_key_is_400(captain, member, funded, transfer):
    funded(captain, 10)
    response = transfer(captain, {"to_user_id": member.pk, "amount": 1}, key="k" * 256)
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_invalid")


def test_insufficient_funds_is_422_and_writes_nothing(captain, member, funded, transfer):
    funded(captain, 10)
    written = _written()
    response = transfer(captain, {"to_user_id": member.pk, "amount": 11}, key="short")
    assert (response.status_code, response.json()["code"]) == (422, "insufficient_funds")
    assert _written() == written
    assert _balances(captain, member) == [10, 0]


@pytest.mark.parametrize("strategy", ["optimistic", "pessimistic", "conditional"])
def test_insufficient_funds_under_every_strategy_leaves_both_wallets_untouched(
    strategy, captain, member, funded, transfer
):
    funded(captain, 10)
    # The receiver may have the lower wallet id and be updated first: it must roll back too.
    with override_settings(ECONOMY_TRANSFER_STRATEGY=strategy):
        response = transfer(captain, {"to_user_id": member.pk, "amount": 11}, key="short")
        reverse = transfer(member, {"to_user_id": captain.pk, "amount": 1}, key="short")
    assert [response.status_code, reverse.status_code] == [422, 422]
    assert _balances(captain, member) == [10, 0]
    assert [Wallet.objects.get(user=u).version for u in (captain, member)] == [1, 0]


def test_a_debit_of_the_whole_balance_is_allowed(captain, member, funded, transfer):
    funded(captain, 10)
    assert transfer(captain, {"to_user_id": member.pk, "amount": 10}, key="all").json()["balance"] == 0


def test_transfer_to_yourself_is_422(captain, funded, transfer):
    funded(captain, 10)
    written = _written()
    response = transfer(captain, {"to_user_id": captain.pk, "amount": 1}, key="me")
    assert (response.status_code, response.json()["code"]) == (422, "self_transfer")
    assert _written() == written


def test_unknown_receiver_is_404(captain, funded, transfer):
    funded(captain, 10)
    written = _written()
    response = transfer(captain, {"to_user_id": 999_999, "amount": 1}, key="ghost")
    assert (response.status_code, response.json()["code"]) == (404, "receiver_not_found")
    assert _written() == written


@pytest.mark.parametrize("amount", [0, -5, 1.5, 2.0, "5", True, None, [], {}, 2**53 + 1, 10**30], ids=repr)
def test_invalid_amounts_are_400_and_write_nothing(amount, captain, member, funded, transfer):
    funded(captain, 10)
    written = _written()
    response = transfer(captain, {"to_user_id": member.pk, "amount": amount}, key="bad")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "amount" in response.json()["fields"]
    assert _written() == written


def test_an_amount_of_exactly_two_to_the_53_is_accepted(captain, member, funded, transfer):
    funded(captain, 2**53)
    assert transfer(captain, {"to_user_id": member.pk, "amount": 2**53}, key="max").status_code == 201


@pytest.mark.parametrize("to_user_id", ["2", 2.0, True, 0, -1, None])
def test_invalid_receiver_ids_are_400(to_user_id, captain, funded, transfer):
    funded(captain, 10)
    response = transfer(captain, {"to_user_id": to_user_id, "amount": 1}, key="bad-id")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


@pytest.mark.parametrize("field", ["balance", "version", "owner", "from_user_id"])
def test_balance_version_owner_and_sender_cannot_be_set(field, captain, member, outsider, funded, transfer):
    funded(captain, 10)
    funded(outsider, 10)
    body = {"to_user_id": member.pk, "amount": 1, field: outsider.pk}
    response = transfer(captain, body, key="extra")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert _balances(captain, member, outsider) == [10, 0, 10]


def test_malformed_json_is_400(captain, client_for):
    response = client_for(captain).post(
        "/api/economy/transfers/", "{", content_type="application/json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert (response.status_code, response.json()["code"]) == (400, "malformed_request")


def test_anonymous_transfer_is_401(anon_client, member):
    response = anon_client.post(
        "/api/economy/transfers/", {"to_user_id": member.pk, "amount": 1}, format="json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert response.status_code == 401


def test_a_receiver_made_without_a_wallet_gets_one(captain, funded, transfer):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser(username="root", password="x" * 12)
    funded(captain, 10)
    response = transfer(captain, {"to_user_id": admin.pk, "amount": 4}, key="to-root")
    assert response.status_code == 201
    assert _balances(captain, admin) == [6, 4]
