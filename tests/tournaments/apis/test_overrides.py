"""POST /api/matches/{id}/override/ and /reset/: the organizer corrects results."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import match_at
from tournaments.models import Match, ResultReport, Tournament

pytestmark = pytest.mark.django_db


def settle(match, score_a, score_b):
    """Both captains report the same result: confirmed."""
    match.refresh_from_db()
    for team in (match.team_a, match.team_b):
        response = factories.client_for(team.captain).post(
            f"/api/matches/{match.pk}/result/", {"score_a": score_a, "score_b": score_b}, format="json"
        )
        assert response.status_code in (200, 201), response.json()


def override(user, match, score_a, score_b, **extra):
    body = {"score_a": score_a, "score_b": score_b, "reason": "wrong scoresheet", **extra}
    return factories.client_for(user).post(f"/api/matches/{match.pk}/override/", body, format="json")


def _teams(match):
    match.refresh_from_db()
    return (match.team_a_id, match.team_b_id)


def test_a_corrected_winner_is_reseeded_into_the_next_match(organizer, bracket):
    tournament, _ = bracket
    semi, final = match_at(tournament, 1, 1), match_at(tournament, 2, 1)
    settle(semi, 2, 1)
    assert _teams(final)[0] == semi.team_a_id

    response = override(organizer, semi, 1, 2)

    assert response.status_code == 200
    body = response.json()
    assert (body["match"]["winner_id"], body["match"]["score_a"], body["reset_match_ids"]) == (semi.team_b_id, 1, [])
    assert _teams(final) == (semi.team_b_id, None)
    assert ResultReport.objects.filter(match=semi).count() == 2  # the reports stay as history


def test_a_reported_downstream_match_blocks_the_override_unless_cascade(organizer, bracket):
    tournament, _ = bracket
    semi, other, final = match_at(tournament, 1, 1), match_at(tournament, 1, 2), match_at(tournament, 2, 1)
    settle(semi, 2, 1)
    settle(other, 2, 1)
    final.refresh_from_db()
    factories.client_for(final.team_a.captain).post(
        f"/api/matches/{final.pk}/result/", {"score_a": 3, "score_b": 0}, format="json"
    )

    refused = override(organizer, semi, 0, 2)

    assert (refused.status_code, refused.json()["code"]) == (409, "downstream_reported")
    assert str(final.pk) in refused.json()["detail"]
    semi.refresh_from_db()
    assert (semi.score_a, semi.winner_id) == (2, semi.team_a_id)  # nothing written

    cascaded = override(organizer, semi, 0, 2, cascade=True)

    assert (cascaded.status_code, cascaded.json()["reset_match_ids"]) == (200, [final.pk])
    final.refresh_from_db()
    assert (final.status, final.team_a_id, final.team_b_id) == ("scheduled", semi.team_b_id, other.team_a_id)
    assert not ResultReport.objects.filter(match=final).exists()


def test_cascading_through_a_confirmed_final_reopens_the_tournament(organizer, bracket):
    tournament, _ = bracket
    semi, other, final = match_at(tournament, 1, 1), match_at(tournament, 1, 2), match_at(tournament, 2, 1)
    settle(semi, 2, 1)
    settle(other, 2, 1)
    settle(final, 2, 1)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"

    response = override(organizer, semi, 1, 2, cascade=True)

    assert response.json()["reset_match_ids"] == [final.pk]
    final.refresh_from_db()
    assert (final.status, final.winner_id, final.team_a_id) == ("scheduled", None, semi.team_b_id)
    assert Tournament.objects.get(pk=tournament.pk).status == "live"


def test_overriding_the_final_changes_the_champion(organizer, bracket):
    tournament, _ = bracket
    for position in (1, 2):
        settle(match_at(tournament, 1, position), 2, 1)
    final = match_at(tournament, 2, 1)
    settle(final, 2, 1)
    response = override(organizer, final, 0, 3)
    assert (response.status_code, response.json()["match"]["winner_id"]) == (200, final.team_b_id)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"


def test_a_stuck_match_is_settled_or_reset_by_the_organizer(organizer, bracket):
    tournament, _ = bracket
    semi, final = match_at(tournament, 1, 1), match_at(tournament, 2, 1)
    factories.client_for(semi.team_a.captain).post(
        f"/api/matches/{semi.pk}/result/", {"score_a": 2, "score_b": 0}, format="json"
    )
    reset = factories.client_for(organizer).post(f"/api/matches/{semi.pk}/reset/")
    assert (reset.status_code, reset.json()["status"]) == (200, "scheduled")
    assert not ResultReport.objects.filter(match=semi).exists()

    factories.client_for(semi.team_a.captain).post(
        f"/api/matches/{semi.pk}/result/", {"score_a": 2, "score_b": 0}, format="json"
    )
    settled = override(organizer, semi, 2, 0)
    assert (settled.status_code, settled.json()["match"]["status"]) == (200, "confirmed")
    assert _teams(final)[0] == semi.team_a_id
    again = factories.client_for(organizer).post(f"/api/matches/{semi.pk}/reset/")
    assert (again.status_code, again.json()["code"]) == (409, "match_already_confirmed")


def test_only_who_runs_the_tournament_overrides(bracket, semi):
    settle(semi, 2, 1)
    for user in (semi.team_a.captain, semi.team_b.captain):
        response = override(user, semi, 0, 2)
        assert (response.status_code, response.json()["code"]) == (403, "not_organizer")
        reset = factories.client_for(user).post(f"/api/matches/{semi.pk}/reset/")
        assert reset.status_code == 403
    semi.refresh_from_db()
    assert semi.winner_id == semi.team_a_id


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"score_a": 1, "score_b": 1, "reason": "x"}, 422, "draw_not_allowed"),
        ({"score_a": 1, "score_b": 0}, 400, "invalid"),
        ({"score_a": 1, "score_b": 0, "reason": "x", "winner": 3}, 400, "invalid"),
    ],
)
def test_bad_input_writes_nothing(organizer, semi, body, status, code):
    settle(semi, 2, 1)
    response = factories.client_for(organizer).post(f"/api/matches/{semi.pk}/override/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    semi.refresh_from_db()
    assert (semi.score_a, semi.score_b) == (2, 1)


def test_a_finalized_tournament_refuses_overrides(organizer, bracket, semi):
    settle(semi, 2, 1)
    Tournament.objects.filter(pk=semi.tournament_id).update(status="rewards_distributed")
    response = override(organizer, semi, 0, 2)
    assert (response.status_code, response.json()["code"]) == (409, "tournament_not_live")
    assert Match.objects.get(pk=semi.pk).winner_id == semi.team_a_id
