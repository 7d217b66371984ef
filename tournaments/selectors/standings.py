"""The standings of a tournament: three queries, whatever the number of matches."""

from __future__ import annotations

from dataclasses import dataclass

from tournaments import formats
from tournaments.models import Match, Tournament
from tournaments.selectors.registrations import registrations_in_seed_order


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    tag: str


@dataclass(frozen=True)
class StandingRow:
    rank: int | None  # None: an elimination team still playing
    team: TeamRow
    standing: formats.Standing


def _seeds(*, tournament_id: int) -> list[TeamRow]:
    """Confirmed teams in seed order (registration order), with their names: one query."""
    rows = registrations_in_seed_order(tournament_id=tournament_id).values_list("team_id", "team__name", "team__tag")
    return [TeamRow(*row) for row in rows]


def _results(*, tournament_id: int) -> list[tuple[int, int | None, int | None, int | None, int | None, int | None]]:
    """(round, team_a, team_b, winner, score_a, score_b) of every confirmed match: one query."""
    return list(
        Match.objects.filter(tournament_id=tournament_id, status=Match.Status.CONFIRMED).values_list(
            "round", "team_a_id", "team_b_id", "winner_id", "score_a", "score_b"
        )
    )


def tournament_standings(*, tournament: Tournament) -> list[StandingRow]:
    """Every confirmed team, best first, with its record and what decided its rank.

    A round robin or Swiss ranks by the tournament's tiebreakers (``formats.standings_compute``);
    single elimination by placement as far as the bracket has decided it, then seed.
    Disqualified teams are not in the table.
    """
    teams = _seeds(tournament_id=tournament.pk)
    rows = _results(tournament_id=tournament.pk)
    results = formats.results_of((row[1:] for row in rows), format_=tournament.format)
    by_id = {team.id: team for team in teams}
    seeds = [team.id for team in teams]
    if tournament.format in formats.LEAGUES:
        ranked = formats.standings_compute(
            results=results,
            seeds=seeds,
            tiebreakers=tournament.tiebreakers or formats.default_tiebreakers(tournament.format),
        )
        return [StandingRow(rank=standing.rank, team=by_id[standing.team_id], standing=standing) for standing in ranked]
    placements = formats.elimination_placements(results=[(round_, a, b, winner) for round_, a, b, winner, *_ in rows])
    counted = {
        standing.team_id: standing
        for standing in formats.standings_compute(results=results, seeds=seeds, tiebreakers=())
    }
    # The champion, then the teams still playing (1.5: behind 1, ahead of every loser), then by placement.
    order = sorted(seeds, key=lambda team_id: (placements.get(team_id, 1.5), counted[team_id].seed))
    return [
        StandingRow(rank=placements.get(team_id), team=by_id[team_id], standing=counted[team_id]) for team_id in order
    ]
