"""The standings of a tournament: three queries, whatever the number of matches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
    group: int | None = None  # groups into playoffs: the team's group and its place there
    group_rank: int | None = None


def _seeds(*, tournament_id: int) -> list[TeamRow]:
    """Confirmed teams in seed order (registration order), with their names: one query."""
    rows = registrations_in_seed_order(tournament_id=tournament_id).values_list("team_id", "team__name", "team__tag")
    return [TeamRow(*row) for row in rows]


def _results(*, tournament_id: int) -> list[tuple[Any, ...]]:
    """(round, team_a, team_b, winner, score_a, score_b, bracket, status) of every match: one
    query. Open matches too: an elimination bracket's size is its final's round."""
    return list(
        Match.objects.filter(tournament_id=tournament_id).values_list(
            "round", "team_a_id", "team_b_id", "winner_id", "score_a", "score_b", "bracket", "status"
        )
    )


#: What the group stage's tables and the playoff's start read of every match (one query).
GROUP_ROW_FIELDS = ("round", "group", "team_a_id", "team_b_id", "winner_id", "score_a", "score_b", "status")


def group_tables(*, tournament: Tournament, rows: Sequence[tuple[Any, ...]]) -> list[list[int]]:
    """Each group's table (team ids, best first) from its matches (``GROUP_ROW_FIELDS``): its
    confirmed results ranked by the tournament's tiebreakers (round-robin defaults). A
    disqualified team is in no table. One query (the seeds)."""
    seeds = list(registrations_in_seed_order(tournament_id=tournament.pk).values_list("team_id", flat=True))
    members: dict[int, set[int]] = {}
    for _, group, a, b, *_ in rows:
        if group is not None:
            members.setdefault(group, set()).update(team for team in (a, b) if team is not None)
    tables = []
    for group in sorted(members):
        results = formats.results_of(
            (row[2:7] for row in rows if row[1] == group and row[7] == Match.Status.CONFIRMED),
            format_=formats.ROUND_ROBIN,
        )
        standings = formats.standings_compute(
            results=results,
            seeds=[team for team in seeds if team in members[group]],
            tiebreakers=tournament.tiebreakers or formats.DEFAULT_TIEBREAKERS,
        )
        tables.append([standing.team_id for standing in standings])
    return tables


def tournament_standings(*, tournament: Tournament) -> list[StandingRow]:
    """Every confirmed team, best first, with its record and what decided its rank.

    A round robin or Swiss ranks by the tournament's tiebreakers (``formats.standings_compute``);
    single elimination by placement as far as the bracket has decided it, then seed.
    Disqualified teams are not in the table.
    """
    teams = _seeds(tournament_id=tournament.pk)
    rows = _results(tournament_id=tournament.pk)
    results = formats.results_of(
        (row[1:6] for row in rows if row[7] == Match.Status.CONFIRMED), format_=tournament.format
    )
    by_id = {team.id: team for team in teams}
    seeds = [team.id for team in teams]
    if tournament.format in formats.LEAGUES:
        ranked = formats.standings_compute(
            results=results,
            seeds=seeds,
            tiebreakers=tournament.tiebreakers or formats.default_tiebreakers(tournament.format),
        )
        return [StandingRow(rank=standing.rank, team=by_id[standing.team_id], standing=standing) for standing in ranked]
    if tournament.format == formats.GROUPS_PLAYOFFS:
        return _groups_standings(tournament=tournament, teams=teams, results=results)
    if tournament.format == formats.DOUBLE_ELIMINATION:
        placements = formats.double_elimination_placements(
            rows=[(bracket, round_, a, b, winner) for round_, a, b, winner, _, _, bracket, _ in rows],
            grand_final_reset=tournament.grand_final_reset,
        )
    else:
        placements = formats.elimination_placements(
            results=[(round_, a, b, winner) for round_, a, b, winner, *_ in rows]
        )
    counted = {
        standing.team_id: standing
        for standing in formats.standings_compute(results=results, seeds=seeds, tiebreakers=())
    }
    # The champion, then the teams still playing (1.5: behind 1, ahead of every loser), then by placement.
    order = sorted(seeds, key=lambda team_id: (placements.get(team_id, 1.5), counted[team_id].seed))
    return [
        StandingRow(rank=placements.get(team_id), team=by_id[team_id], standing=counted[team_id]) for team_id in order
    ]


def _groups_standings(
    *, tournament: Tournament, teams: list[TeamRow], results: list[formats.Result]
) -> list[StandingRow]:
    """Groups into playoffs: each team's record over all its matches, its group and place
    there; its rank is its placement once decided: the playoff's as far as the bracket
    decided it, a group-stage exit's once the group stage is over. One more query."""
    rows = list(Match.objects.filter(tournament_id=tournament.pk).values_list(*GROUP_ROW_FIELDS))
    tables = group_tables(tournament=tournament, rows=rows)
    group_of = {
        team_id: (number, place) for number, table in enumerate(tables, 1) for place, team_id in enumerate(table, 1)
    }
    placements: dict[int, int] = {}
    if any(row[1] is None for row in rows):  # the playoff has started: the group stage is over
        placements = formats.group_stage_placements(tables, advancers=tournament.group_advancers)
        playoff = [(round_, a, b, winner) for round_, group, a, b, winner, *_ in rows if group is None]
        placements |= formats.elimination_placements(results=playoff)
    counted = {
        standing.team_id: standing
        for standing in formats.standings_compute(results=results, seeds=[team.id for team in teams], tiebreakers=())
    }
    order = sorted(
        (team.id for team in teams),
        key=lambda team_id: (placements.get(team_id, 1.5), group_of.get(team_id, (0, 0))[::-1]),
    )
    by_id = {team.id: team for team in teams}
    return [
        StandingRow(
            rank=placements.get(team_id),
            team=by_id[team_id],
            standing=counted[team_id],
            group=group_of.get(team_id, (None, None))[0],
            group_rank=group_of.get(team_id, (None, None))[1],
        )
        for team_id in order
    ]
