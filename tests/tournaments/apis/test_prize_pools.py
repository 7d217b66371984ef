"""POST /api/tournaments/{id}/prize-pool/: the organizer adds to the tournament's escrow."""

from __future__ import annotations

from economy.models import LedgerTransaction, Wallet
from economy.services import wallet_grant
from tests import factories


def _fund(client, tournament_id, amount, key="k1"):
    return client.post(
        f"/api/tournaments/{tournament_id}/prize-pool/", {"amount": amount}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


def test_organizer_adds_to_the_prize_pool_once_per_key(organizer, client_for):
    tournament = factories.tournament(organizer=organizer)
    wallet_grant(user=organizer, amount=700)
    client = client_for(organizer)

    first = _fund(client, tournament.pk, 500)
    again = _fund(client, tournament.pk, 500)

    assert (first.status_code, first.json()) == (
        201,
        {"tournament_id": tournament.pk, "amount": 500, "prize_pool": 500},
    )
    assert again.json()["prize_pool"] == 500
    tournament.refresh_from_db()
    assert Wallet.objects.get(pk=tournament.prize_pool_id).balance == 500
    assert Wallet.objects.get(user=organizer).balance == 200
    assert LedgerTransaction.objects.filter(kind="pool_funding").count() == 1


def test_captain_cannot_fund_someone_elses_tournament(organizer, captain, client_for):
    tournament = factories.tournament(organizer=organizer)
    wallet_grant(user=captain, amount=100)
    response = _fund(client_for(captain), tournament.pk, 50)
    assert (response.status_code, response.json()["code"]) == (403, "not_organizer")
    assert not LedgerTransaction.objects.filter(kind="pool_funding").exists()


def test_funding_more_than_you_hold_is_422_and_writes_nothing(organizer, client_for):
    tournament = factories.tournament(organizer=organizer)
    response = _fund(client_for(organizer), tournament.pk, 50)
    assert (response.status_code, response.json()["code"]) == (422, "insufficient_funds")
    assert not LedgerTransaction.objects.filter(kind="pool_funding").exists()


def test_funding_needs_an_idempotency_key(organizer, client_for):
    tournament = factories.tournament(organizer=organizer)
    response = client_for(organizer).post(f"/api/tournaments/{tournament.pk}/prize-pool/", {"amount": 5}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_missing")


def test_funding_a_finalized_tournament_is_refused(organizer, client_for):
    tournament = factories.tournament(organizer=organizer, status="rewards_distributed")
    wallet_grant(user=organizer, amount=100)
    response = _fund(client_for(organizer), tournament.pk, 50)
    assert (response.status_code, response.json()["code"]) == (409, "prize_pool_closed")
