"""POST /api/tournaments/{id}/cancel/: every coin paid into a tournament goes back, once."""

from __future__ import annotations

import pytest

from economy.models import LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import wallet_grant
from tests import factories
from tests.realtime.capture import capture_delivered
from tests.tournaments.builders import started_tournament
from tournaments.models import Registration, RosterEntry, Tournament
from tournaments.services import registration_create, registration_withdraw

pytestmark = pytest.mark.django_db

FEE = 100


def _cancel(client, tournament_id, reason="venue lost"):
    return client.post(f"/api/tournaments/{tournament_id}/cancel/", {"reason": reason}, format="json")


def _paid_teams(tournament, count):
    teams = [factories.team() for _ in range(count)]
    for team in teams:
        wallet_grant(user=team.captain, amount=500)
        registration_create(user=team.captain, tournament_id=tournament.pk, team_id=team.pk)
    return teams


def _balance(user):
    return Wallet.objects.get(user=user).balance


def test_cancelling_refunds_every_fee_and_the_funding_and_empties_the_pool(organizer, client_for):
    tournament = factories.tournament(organizer=organizer, max_teams=2, entry_fee=FEE)
    confirmed_a, confirmed_b, waitlisted, withdrawn = _paid_teams(tournament, 4)
    withdrawal = Registration.objects.get(team=withdrawn)
    registration_withdraw(user=withdrawn.captain, registration_id=withdrawal.pk)  # refunded once already
    wallet_grant(user=organizer, amount=300)
    client = client_for(organizer)
    funded = client.post(
        f"/api/tournaments/{tournament.pk}/prize-pool/", {"amount": 300}, format="json", HTTP_IDEMPOTENCY_KEY="f1"
    )
    assert funded.status_code == 201

    response = _cancel(client, tournament.pk)

    assert response.status_code == 200
    body = response.json()
    assert (body["refunded_registrations"], body["returned_funding"]) == (3, 300)
    assert (body["tournament"]["status"], body["tournament"]["cancel_reason"]) == ("cancelled", "venue lost")
    for team in (confirmed_a, confirmed_b, waitlisted, withdrawn):
        assert _balance(team.captain) == 500
    assert _balance(organizer) == 300
    tournament.refresh_from_db()
    assert (tournament.status, tournament.cancelled_by_id) == ("cancelled", organizer.pk)
    assert Wallet.objects.get(pk=tournament.prize_pool_id).balance == 0
    assert not RosterEntry.objects.filter(tournament=tournament, active=True).exists()
    assert ledger_reconcile().clean


def test_cancelling_twice_pays_nothing_twice(organizer, client_for):
    tournament = factories.tournament(organizer=organizer, entry_fee=FEE)
    (team,) = _paid_teams(tournament, 1)
    client = client_for(organizer)
    assert _cancel(client, tournament.pk).status_code == 200
    again = _cancel(client, tournament.pk)
    assert (again.status_code, again.json()["code"]) == (409, "tournament_not_cancellable")
    assert _balance(team.captain) == 500
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1


def test_a_live_tournament_can_be_cancelled_a_finalized_one_cannot(organizer, client_for):
    live, _teams = started_tournament(organizer=organizer, teams=4)
    assert _cancel(client_for(organizer), live.pk).status_code == 200
    done = factories.tournament(organizer=organizer, status="rewards_distributed")
    refused = _cancel(client_for(organizer), done.pk)
    assert (refused.status_code, refused.json()["code"]) == (409, "tournament_not_cancellable")
    assert Tournament.objects.get(pk=done.pk).status == "rewards_distributed"


def test_registration_after_cancellation_is_refused(organizer, client_for):
    tournament = factories.tournament(organizer=organizer, entry_fee=FEE)
    _cancel(client_for(organizer), tournament.pk)
    team = factories.team()
    wallet_grant(user=team.captain, amount=500)
    response = client_for(team.captain).post(
        "/api/tournaments/register/", {"tournament_id": tournament.pk, "team_id": team.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "registration_closed")
    assert _balance(team.captain) == 500


def test_only_who_runs_it_cancels(organizer, captain, client_for):
    tournament = factories.tournament(organizer=organizer, entry_fee=FEE)
    (team,) = _paid_teams(tournament, 1)
    for intruder in (captain, team.captain):
        refused = _cancel(client_for(intruder), tournament.pk)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_organizer")
    staff = factories.user(is_staff=True)  # a moderator may step in
    assert _cancel(client_for(staff), tournament.pk).status_code == 200


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "ok", "refund": False}])
def test_bad_input_is_400_and_cancels_nothing(organizer, client_for, body):
    tournament = factories.tournament(organizer=organizer)
    response = client_for(organizer).post(f"/api/tournaments/{tournament.pk}/cancel/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert Tournament.objects.get(pk=tournament.pk).status == "registration_open"


def test_an_unknown_tournament_is_404(organizer, client_for):
    response = _cancel(client_for(organizer), 10**6)
    assert (response.status_code, response.json()["code"]) == (404, "tournament_not_found")


def test_listeners_get_the_cancellation(organizer, client_for, monkeypatch, django_capture_on_commit_callbacks):
    published = capture_delivered(monkeypatch)
    tournament = factories.tournament(organizer=organizer)
    with django_capture_on_commit_callbacks(execute=True):
        _cancel(client_for(organizer), tournament.pk, reason="storm")
    assert published[-1] == {
        "tournament_id": tournament.pk,
        "type": "tournament.cancelled",
        "data": {"status": "cancelled", "reason": "storm"},
    }
