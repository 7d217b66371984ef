"""Reads of the finalization pipeline. Each is one query, whatever the data's size."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Avg, F, Q

from tournaments.awards import BracketMatch
from tournaments.models import (
    Match,
    MatchSubstitution,
    RegistrationStatus,
    RosterEntry,
    Tournament,
    TournamentParticipation,
)
from tournaments.selectors.registrations import registrations_in_seed_order


def finalization_tournament_get(*, tournament_id: int) -> Mapping[str, Any] | None:
    """The fields checked before any lock is taken (organizer, season), or None."""
    return Tournament.objects.filter(pk=tournament_id).values("organizer_id", "season_id").first()


def finalization_bracket(*, tournament_id: int) -> list[BracketMatch]:
    rows = Match.objects.filter(tournament_id=tournament_id).values_list(
        "round", "team_a_id", "team_b_id", "winner_id", "status", "score_a", "score_b", "pk", "forfeited_by_id"
    )
    return [BracketMatch(*row) for row in rows]


def finalization_roster(*, tournament_id: int) -> list[tuple[int, int, str]]:
    """(user_id, team_id, role) of every player on a confirmed roster, by user id.

    Who of them played is ``awards.players_who_played`` (starters, unless benched in
    every match, and the substitutes swapped in), from the bracket and the swaps."""
    return list(
        RosterEntry.objects.filter(
            tournament_id=tournament_id, active=True, registration__status=RegistrationStatus.CONFIRMED
        )
        .order_by("user_id")
        .values_list("user_id", "registration__team_id", "role")
    )


def finalization_substitutions(*, tournament_id: int) -> list[tuple[int, int, int]]:
    """(match_id, player_out, player_in) of every swap of the tournament: one query, made
    only when the tournament allows substitutes."""
    return list(
        MatchSubstitution.objects.filter(match__tournament_id=tournament_id).values_list(
            "match_id", "player_out_id", "player_in_id"
        )
    )


def opponent_rating_averages(*, tournament_id: int) -> dict[int, float]:
    """Mean rating (after each event) of the opponents each player of this tournament met before.

    One grouped self-join of TournamentParticipation, so its cost in queries does not
    grow with the history (the audit plan's N×M problem was one query per opponent).
    Players without history are absent from the result.
    """
    # Everyone on a confirmed roster: a superset of who played (awards read only those),
    # and a plain filter inside the pipeline's heaviest query.
    players = RosterEntry.objects.filter(
        tournament_id=tournament_id, active=True, registration__status=RegistrationStatus.CONFIRMED
    ).values("user_id")
    opponents = Q(tournament__participations__team_id=F("team_id"))
    rows = (
        TournamentParticipation.objects.filter(user_id__in=players)
        .exclude(tournament_id=tournament_id)
        .values("user_id")
        .annotate(average=Avg("tournament__participations__rating_after", filter=~opponents))
        .values_list("user_id", "average")
    )
    return {user_id: float(average) for user_id, average in rows if average is not None}


def finalization_seeds(*, tournament_id: int) -> list[int]:
    """Confirmed teams in seed order (registration order): the standings' last tiebreaker."""
    return list(registrations_in_seed_order(tournament_id=tournament_id).values_list("team_id", flat=True))
