"""Builders shared by the tournament tests (services, apis, concurrency)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from tests import factories
from tournaments.models import Match, Tournament
from tournaments.services.matches import match_result_submit, tournament_start


def started_tournament(*, organizer, teams: int):
    """A live tournament whose bracket holds ``teams`` fresh teams, seeded in creation order."""
    tournament = factories.tournament(organizer=organizer, max_teams=max(teams, 2))
    squads = [factories.team() for _ in range(teams)]
    for squad in squads:
        factories.confirmed_registration(tournament=tournament, team=squad)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    tournament.refresh_from_db()
    return tournament, squads


def match_at(tournament, round_: int, position: int) -> Match:
    return Match.objects.select_related("team_a", "team_b").get(tournament=tournament, round=round_, position=position)


def disputed(tournament) -> Match:
    """The first semi-final of a started bracket, after its captains reported different winners."""
    semi = match_at(tournament, 1, 1)
    assert semi.team_a is not None
    assert semi.team_b is not None
    match_result_submit(match_id=semi.pk, actor=semi.team_a.captain, score_a=2, score_b=1)
    match_result_submit(match_id=semi.pk, actor=semi.team_b.captain, score_a=1, score_b=2)
    semi.refresh_from_db()
    return semi


def api_tournament(*, organizer, teams: int, **fields):
    """A tournament created, opened and started through the HTTP API (``fields`` on the create),
    with ``teams`` fresh teams of one, registered (so seeded) in creation order."""
    body = {"name": "Cup", "game": "chess", "max_teams": max(teams, 2), "team_size": 1, **fields}
    client = factories.client_for(organizer)
    created = client.post("/api/tournaments/", body, format="json")
    assert created.status_code == 201, created.json()
    tournament = Tournament.objects.get(pk=created.json()["id"])
    opened = client.post(f"/api/tournaments/{tournament.pk}/open/")
    assert opened.status_code == 200, opened.json()
    squads = [factories.team() for _ in range(teams)]
    for squad in squads:
        factories.confirmed_registration(tournament=tournament, team=squad)
    started = client.post(f"/api/tournaments/{tournament.pk}/start/")
    assert started.status_code == 200, started.json()
    return tournament, squads


def seeded_score(match: Match, seeds: dict[int, int], scores: dict[tuple[int, int], tuple[int, int]]):
    """(score_a, score_b) of ``match`` from ``scores``, games won by (seed x, seed y) when x meets y."""
    assert match.team_a_id is not None
    assert match.team_b_id is not None
    a, b = seeds[match.team_a_id], seeds[match.team_b_id]
    if (a, b) in scores:
        return scores[(a, b)]
    games_b, games_a = scores[(b, a)]
    return games_a, games_b


def report_both(match: Match, score_a: int, score_b: int):
    """Both captains report the same scores through the API (so it is confirmed); the second answer."""
    assert match.team_a is not None
    assert match.team_b is not None
    for captain in (match.team_a.captain, match.team_b.captain):
        response = factories.client_for(captain).post(
            f"/api/matches/{match.pk}/result/", {"score_a": score_a, "score_b": score_b}, format="json"
        )
        assert response.status_code in (200, 201), response.json()
    return response


#: The match lock's statement: PostgreSQL locks the row it read (SELECT ... FOR NO KEY
#: UPDATE); SQLite holds the database's write lock since BEGIN IMMEDIATE, so the match as
#: the transaction read it is the locked row (``tournaments.locks.match_lock``).
MATCH_LOCK = 0 if connection.vendor == "sqlite" else 1


def statements(callable_) -> int:
    """How many SQL statements ``callable_`` runs, its requests' token reads included: the
    token cache is off, so a captain's first request and a later one cost the same."""
    with override_settings(API_TOKEN_CACHE_SECONDS=0), CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured.captured_queries)
