"""Builders shared by the tournament tests (services, apis, concurrency)."""

from __future__ import annotations

from tests import factories
from tournaments.models import Match
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
