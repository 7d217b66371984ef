"""POST /api/matches/{id}/forfeit/: a captain concedes, the organizer records a no-show."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import disputed, match_at
from tournaments.models import Match

pytestmark = pytest.mark.django_db


def forfeit(user, match, **body):
    return factories.client_for(user).post(f"/api/matches/{match.pk}/forfeit/", body, format="json")


def _state(match):
    match.refresh_from_db()
    return (match.status, match.score_a, match.score_b, match.winner_id, match.forfeited_by_id)


def test_a_captain_concedes_and_the_opponent_advances_by_walkover(
    bracket, semi, published, django_capture_on_commit_callbacks
):
    tournament, _ = bracket
    with django_capture_on_commit_callbacks(execute=True):
        response = forfeit(semi.team_a.captain, semi)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["winner_id"], body["forfeited_by_id"]) == ("confirmed", semi.team_b.pk, semi.team_a.pk)
    assert _state(semi) == ("confirmed", None, None, semi.team_b.pk, semi.team_a.pk)
    final = match_at(tournament, 2, 1)
    assert (final.team_a_id, final.status) == (semi.team_b.pk, "scheduled")
    assert [(event["type"], event["data"]["forfeited_by_id"]) for event in published] == [
        ("match.forfeited", semi.team_a.pk)
    ]


def test_the_organizer_records_a_no_show(organizer, semi):
    response = forfeit(organizer, semi, team_id=semi.team_b.pk)
    assert response.status_code == 200
    assert _state(semi)[3:] == (semi.team_a.pk, semi.team_b.pk)


def test_the_organizer_must_name_the_team(organizer, semi):
    response = forfeit(organizer, semi)
    assert (response.status_code, response.json()["code"]) == (403, "not_match_captain")
    assert _state(semi)[0] == "scheduled"


def test_a_captain_cannot_forfeit_for_the_other_team(semi):
    response = forfeit(semi.team_a.captain, semi, team_id=semi.team_b.pk)
    assert (response.status_code, response.json()["code"]) == (403, "not_match_captain")
    assert _state(semi)[0] == "scheduled"


def test_outsiders_and_strangers_teams_are_refused(semi, outsider):
    assert forfeit(outsider, semi).json()["code"] == "not_match_captain"
    stranger = factories.team()
    response = forfeit(semi.team_a.captain, semi, team_id=stranger.pk)
    assert (response.status_code, response.json()["code"]) == (422, "team_not_in_match")
    assert _state(semi)[0] == "scheduled"


def test_repeating_the_forfeit_is_a_retry_a_confirmed_match_cannot_be_forfeited(semi):
    assert forfeit(semi.team_a.captain, semi).status_code == 200
    again = forfeit(semi.team_a.captain, semi)
    assert (again.status_code, again.json()["forfeited_by_id"]) == (200, semi.team_a.pk)
    other = forfeit(semi.team_b.captain, semi)
    assert (other.status_code, other.json()["code"]) == (409, "match_already_confirmed")


def test_a_disputed_match_can_be_forfeited(bracket, organizer):
    tournament, _ = bracket
    match = disputed(tournament)
    response = forfeit(organizer, match, team_id=match.team_a.pk)
    assert response.status_code == 200
    assert _state(match)[0] == "confirmed"


def test_forfeiting_the_final_completes_the_tournament(bracket):
    tournament, _ = bracket
    for position in (1, 2):
        semi = match_at(tournament, 1, position)
        assert forfeit(semi.team_b.captain, semi).status_code == 200
    final = match_at(tournament, 2, 1)
    assert forfeit(final.team_a.captain, final).status_code == 200
    tournament.refresh_from_db()
    assert tournament.status == "completed"
    assert Match.objects.get(pk=final.pk).winner_id == final.team_b_id


def test_a_match_without_both_teams_cannot_be_forfeited(bracket, organizer):
    tournament, _ = bracket
    final = match_at(tournament, 2, 1)
    response = forfeit(organizer, final, team_id=1)
    assert (response.status_code, response.json()["code"]) == (409, "match_not_ready")


@pytest.mark.parametrize("body", [{"team_id": "x"}, {"team_id": -1}, {"team": 1}])
def test_bad_input_is_400(semi, body):
    response = forfeit(semi.team_a.captain, semi, **body)
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert _state(semi)[0] == "scheduled"
