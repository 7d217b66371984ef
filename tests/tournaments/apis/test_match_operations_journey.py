"""Issue 16's operations end to end, through HTTP only: two paid tournaments.

The first: an 8-slot, best-of-3 cup with check-in. Nine teams register (one
waitlisted), one confirmed team does not check in, the waitlisted one does and takes
its slot; a semi-final is forfeited, a quarter-final result is overridden with cascade,
the final is played to completion. The second is cancelled mid-way. Money is
conserved: fees come back to whoever is owed them, and the ledger reconciles.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from economy.models import Wallet
from economy.selectors import ledger_reconcile
from economy.services import wallet_grant
from tests import factories
from tournaments.models import Match, Registration

pytestmark = pytest.mark.django_db

FEE = 100
SWEEP_A = [{"score_a": 16, "score_b": 3}, {"score_a": 16, "score_b": 5}]


def _client(user):
    return factories.client_for(user)


def _register(team, tournament_id):
    response = _client(team.captain).post(
        "/api/tournaments/register/", {"tournament_id": tournament_id, "team_id": team.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _play(match_id, games):
    match = Match.objects.select_related("team_a", "team_b").get(pk=match_id)
    for team in (match.team_a, match.team_b):
        response = _client(team.captain).post(f"/api/matches/{match_id}/result/", {"games": games}, format="json")
        assert response.status_code in (200, 201), response.json()


def _bracket(tournament_id):
    rows = _client(factories.user()).get(f"/api/tournaments/{tournament_id}/matches/").json()
    return {(row["round"], row["position"]): row for row in rows}


def _balance(user):
    return Wallet.objects.get(user=user).balance


def test_a_cup_with_check_in_series_a_forfeit_an_override_and_a_cancelled_second_cup(organizer):
    now = timezone.now()
    client = _client(organizer)
    created = client.post(
        "/api/tournaments/",
        {
            "name": "Winter Cup",
            "game": "cs2",
            "max_teams": 8,
            "team_size": 1,
            "entry_fee": FEE,
            "best_of": 3,
            "check_in_opens_at": (now - timedelta(hours=1)).isoformat(),
            "check_in_closes_at": (now + timedelta(hours=1)).isoformat(),
        },
        format="json",
    ).json()
    cup = created["id"]
    assert client.post(f"/api/tournaments/{cup}/open/").status_code == 200
    teams = [factories.team() for _ in range(9)]
    for team in teams:
        wallet_grant(user=team.captain, amount=1000)
    bodies = [_register(team, cup) for team in teams]
    assert [body["status"] for body in bodies] == ["confirmed"] * 8 + ["waitlisted"]
    absent, late = teams[3], teams[8]
    for team in teams:
        if team is not absent:
            response = _client(team.captain).post(
                f"/api/tournaments/{cup}/check-in/", {"team_id": team.pk}, format="json"
            )
            assert response.status_code == 200

    assert client.post(f"/api/tournaments/{cup}/start/").status_code == 200

    assert Registration.objects.get(team=absent).status == "no_show"
    assert Registration.objects.get(team=late).status == "confirmed"
    assert _balance(absent.captain) == 1000  # refunded
    bracket = _bracket(cup)
    playing = {row[slot]["id"] for row in bracket.values() if row["round"] == 1 for slot in ("team_a", "team_b")}
    assert playing == {team.pk for team in teams if team is not absent}

    for position in range(1, 5):  # quarter-finals, every one 2-0 to team A
        _play(bracket[(1, position)]["id"], SWEEP_A)
    bracket = _bracket(cup)
    semi = bracket[(2, 1)]
    conceding = Match.objects.select_related("team_b").get(pk=semi["id"]).team_b
    forfeit = _client(conceding.captain).post(f"/api/matches/{semi['id']}/forfeit/")
    assert (forfeit.status_code, forfeit.json()["winner_id"]) == (200, semi["team_a"]["id"])

    # The organizer corrects the first quarter-final: team B had won. Its semi-final was
    # already settled (by the forfeit), so only a cascade may change it.
    quarter = bracket[(1, 1)]
    correction = {"score_a": 0, "score_b": 2, "reason": "scoresheet swapped"}
    refused = client.post(f"/api/matches/{quarter['id']}/override/", correction, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "downstream_reported")
    cascaded = client.post(f"/api/matches/{quarter['id']}/override/", correction | {"cascade": True}, format="json")
    assert (cascaded.status_code, cascaded.json()["reset_match_ids"]) == (200, [semi["id"]])
    bracket = _bracket(cup)
    assert bracket[(2, 1)]["status"] == "scheduled"
    assert bracket[(2, 1)]["team_a"]["id"] == quarter["team_b"]["id"]

    for key in ((2, 1), (2, 2)):
        _play(bracket[key]["id"], SWEEP_A)
    _play(_bracket(cup)[(3, 1)]["id"], [{"score_a": 1, "score_b": 16}, {"score_a": 16, "score_b": 1}, SWEEP_A[0]])
    final = _bracket(cup)[(3, 1)]
    assert (final["status"], final["score_a"], final["score_b"]) == ("confirmed", 2, 1)
    assert client.get(f"/api/tournaments/{cup}/").json()["status"] == "completed"

    # The second cup is cancelled once its teams have paid: every fee comes back.
    second = client.post(
        "/api/tournaments/",
        {"name": "Spring Cup", "game": "cs2", "max_teams": 4, "team_size": 1, "entry_fee": FEE},
        format="json",
    ).json()["id"]
    client.post(f"/api/tournaments/{second}/open/")
    before = {team.pk: _balance(team.captain) for team in teams[:4]}
    for team in teams[:4]:
        _register(team, second)
    assert all(_balance(team.captain) == before[team.pk] - FEE for team in teams[:4])
    cancelled = client.post(f"/api/tournaments/{second}/cancel/", {"reason": "venue lost"}, format="json")
    assert (cancelled.status_code, cancelled.json()["refunded_registrations"]) == (200, 4)
    assert {team.pk: _balance(team.captain) for team in teams[:4]} == before
    assert ledger_reconcile().clean
