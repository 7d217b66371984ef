"""POST /api/tournaments/{id}/finalize/ (organizer only)."""

from __future__ import annotations

import pytest

from economy.models import LedgerTransaction
from perf.scenarios.finalization import finished_tournament_build
from tournaments.models import Match, Tournament, TournamentBadge, TournamentParticipation

pytestmark = pytest.mark.django_db


def _url(tournament_id: int) -> str:
    return f"/api/tournaments/{tournament_id}/finalize/"


def _nothing_written() -> bool:
    return (
        TournamentParticipation.objects.count(),
        TournamentBadge.objects.count(),
        LedgerTransaction.objects.count(),
    ) == (0, 0, 0)


@pytest.fixture
def finished(organizer):
    return finished_tournament_build(organizer=organizer, teams=2, team_size=2)


def test_organizer_finalizes(finished, organizer, client_for):
    champion, finalist = Match.objects.filter(tournament=finished).values_list("team_a_id", "team_b_id").get()
    response = client_for(organizer).post(_url(finished.pk), {}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "tournament_id": finished.pk,
        "status": "rewards_distributed",
        "placements": [{"team_id": champion, "placement": 1}, {"team_id": finalist, "placement": 2}],
        "players_rewarded": 4,
        "xp_awarded": 2 * 500 + 2 * 300,
        "coins_awarded": 2 * 1000 + 2 * 500,
    }


def test_empty_body_is_accepted(finished, organizer, client_for):
    assert client_for(organizer).post(_url(finished.pk)).status_code == 200


def test_second_call_is_409_already_finalized(finished, organizer, client_for):
    client = client_for(organizer)
    client.post(_url(finished.pk), {}, format="json")
    response = client.post(_url(finished.pk), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_finalized")
    assert TournamentParticipation.objects.count() == 4


def test_unknown_field_is_400(finished, organizer, client_for):
    response = client_for(organizer).post(_url(finished.pk), {"force": True}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert _nothing_written()
    assert Tournament.objects.get(pk=finished.pk).status == "completed"


@pytest.mark.parametrize("persona", ["captain", "outsider"])
def test_not_the_organizer_is_403(finished, client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).post(_url(finished.pk), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_organizer")
    assert _nothing_written()


def test_unknown_tournament_is_404(finished, organizer, client_for):
    response = client_for(organizer).post(_url(finished.pk + 999), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "tournament_not_found")


def test_anonymous_is_401(finished, anon_client):
    response = anon_client.post(_url(finished.pk), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert _nothing_written()


def test_unconfirmed_match_is_409(organizer, client_for):
    tournament = finished_tournament_build(organizer=organizer, teams=2, team_size=1, confirmed=False)
    response = client_for(organizer).post(_url(tournament.pk), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "matches_not_confirmed")
    assert _nothing_written()


def test_bad_reward_policy_is_422(organizer, client_for):
    tournament = finished_tournament_build(organizer=organizer, teams=2, team_size=1, reward_policy={"1": {"xp": -1}})
    response = client_for(organizer).post(_url(tournament.pk), {}, format="json")
    assert (response.status_code, response.json()["code"]) == (422, "invalid_reward_policy")
    assert _nothing_written()


def test_malformed_json_is_400(finished, organizer, client_for):
    response = client_for(organizer).post(_url(finished.pk), "{", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed_request")
    assert _nothing_written()


def test_id_beyond_bigint_is_404_not_500(organizer, client_for):
    response = client_for(organizer).post(_url(2**64), {}, format="json")
    assert response.status_code == 404
