"""Builders shared by the match tests (unit, api, concurrency)."""

from __future__ import annotations

from tests import factories
from tournaments.models import Match
from tournaments.services.matches import tournament_start


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
