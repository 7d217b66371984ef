"""Best-of-N series: reported by their games, the series score derived, never typed."""

from __future__ import annotations

import pytest

from tests import factories
from tests.tournaments.builders import match_at
from tournaments.models import Match, ResultReport, Tournament
from tournaments.series import InvalidSeries, best_of_for, series_score
from tournaments.services import tournament_start

pytestmark = pytest.mark.django_db

BO3_WON_BY_B = [{"score_a": 16, "score_b": 10}, {"score_a": 8, "score_b": 16}, {"score_a": 12, "score_b": 16}]


def _cup(organizer, **fields):
    tournament = factories.tournament(organizer=organizer, max_teams=4, **fields)
    for _ in range(4):
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    return tournament


def report(team, match, **body):
    return factories.client_for(team.captain).post(f"/api/matches/{match.pk}/result/", body, format="json")


def test_a_best_of_3_is_reported_by_its_games_and_confirmed_by_the_same_games(organizer):
    tournament = _cup(organizer, best_of=3)
    semi = match_at(tournament, 1, 1)
    first = report(semi.team_a, semi, games=BO3_WON_BY_B)
    second = report(semi.team_b, semi, games=BO3_WON_BY_B)
    assert (first.status_code, second.status_code) == (201, 200)
    semi.refresh_from_db()
    assert (semi.status, semi.score_a, semi.score_b, semi.winner_id) == ("confirmed", 1, 2, semi.team_b_id)
    assert ResultReport.objects.filter(match=semi).first().games == [[16, 10], [8, 16], [12, 16]]


def test_other_games_dispute_the_series(organizer):
    tournament = _cup(organizer, best_of=3)
    semi = match_at(tournament, 1, 1)
    report(semi.team_a, semi, games=BO3_WON_BY_B)
    other = [{"score_a": 16, "score_b": 10}, {"score_a": 9, "score_b": 16}, {"score_a": 12, "score_b": 16}]
    response = report(semi.team_b, semi, games=other)
    assert (response.status_code, response.json()["code"]) == (409, "result_disputed")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"score_a": 2, "score_b": 1}, 422, "games_required"),
        ({"games": [{"score_a": 16, "score_b": 10}]}, 422, "invalid_series"),
        (
            {"games": [{"score_a": 1, "score_b": 0}, {"score_a": 1, "score_b": 0}, {"score_a": 0, "score_b": 1}]},
            422,
            "invalid_series",
        ),
        (
            {"games": [{"score_a": 1, "score_b": 1}, {"score_a": 1, "score_b": 0}, {"score_a": 1, "score_b": 0}]},
            422,
            "invalid_series",
        ),
        ({"games": BO3_WON_BY_B, "score_a": 1, "score_b": 2}, 400, "invalid"),
        ({"games": []}, 400, "invalid"),
        ({"games": [{"score_a": 1}]}, 400, "invalid"),
    ],
)
def test_a_series_that_is_not_one_decided_series_is_refused(organizer, body, status, code):
    tournament = _cup(organizer, best_of=3)
    semi = match_at(tournament, 1, 1)
    response = report(semi.team_a, semi, **body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not ResultReport.objects.filter(match=semi).exists()
    assert Match.objects.get(pk=semi.pk).status == "scheduled"


def test_the_final_can_be_longer_than_the_rounds_before(organizer):
    tournament = _cup(organizer, best_of=1, round_best_of={"final": 5})
    for position in (1, 2):
        semi = match_at(tournament, 1, position)
        for team in (semi.team_a, semi.team_b):
            assert report(team, semi, score_a=2, score_b=1).status_code in (200, 201)
    final = match_at(tournament, 2, 1)
    assert report(final.team_a, final, score_a=3, score_b=0).json()["code"] == "games_required"
    games = [{"score_a": 1, "score_b": 0}] * 3
    for team in (final.team_a, final.team_b):
        assert report(team, final, games=games).status_code in (200, 201)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
    final.refresh_from_db()
    assert (final.score_a, final.score_b) == (3, 0)


def test_a_single_game_may_be_reported_as_one_game(organizer):
    tournament = _cup(organizer)
    semi = match_at(tournament, 1, 1)
    report(semi.team_a, semi, score_a=3, score_b=1)
    confirmed = report(semi.team_b, semi, games=[{"score_a": 3, "score_b": 1}])
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"best_of": 2}, "invalid"),
        ({"round_best_of": {"final": 4}}, "invalid"),
        ({"round_best_of": {"x": 3}}, "invalid_series"),
    ],
)
def test_bad_series_settings_are_refused_at_creation(client_for, organizer, fields, code):
    body = {"name": "Cup", "game": "chess", "max_teams": 4, "team_size": 1, **fields}
    response = client_for(organizer).post("/api/tournaments/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert not Tournament.objects.exists()


def test_series_rules():
    assert series_score([(1, 0), (1, 0)], best_of=3) == (2, 0)
    assert series_score([(0, 1), (1, 0), (0, 1), (1, 0), (1, 0)], best_of=5) == (3, 2)
    with pytest.raises(InvalidSeries):
        series_score([(1, 0), (1, 0), (1, 0)], best_of=3)
    assert best_of_for(best_of=3, round_best_of={"2": 5, "final": 7}, round_=2, is_final=False) == 5
    assert best_of_for(best_of=3, round_best_of={"2": 5, "final": 7}, round_=3, is_final=True) == 7
    assert best_of_for(best_of=3, round_best_of={}, round_=1, is_final=False) == 3
