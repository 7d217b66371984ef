"""Reads of the finalization pipeline. Each is one query, whatever the data's size."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Avg, F, Q

from tournaments.awards import BracketMatch
from tournaments.models import Match, RegistrationStatus, RosterEntry, Tournament, TournamentParticipation


def finalization_tournament_get(*, tournament_id: int) -> Mapping[str, Any] | None:
    """The fields checked before any lock is taken (organizer, season), or None."""
    return Tournament.objects.filter(pk=tournament_id).values("organizer_id", "season_id").first()


def finalization_bracket(*, tournament_id: int) -> list[BracketMatch]:
    rows = Match.objects.filter(tournament_id=tournament_id).values_list(
        "round", "team_a_id", "team_b_id", "winner_id", "status"
    )
    return [BracketMatch(*row) for row in rows]


def finalization_roster(*, tournament_id: int) -> list[tuple[int, int]]:
    """(user_id, team_id) of every player frozen on a confirmed registration, by user id."""
    return list(
        RosterEntry.objects.filter(
            tournament_id=tournament_id, active=True, registration__status=RegistrationStatus.CONFIRMED
        )
        .order_by("user_id")
        .values_list("user_id", "registration__team_id")
    )


def opponent_rating_averages(*, tournament_id: int) -> dict[int, float]:
    """Mean rating (after each event) of the opponents each player of this tournament met before.

    One grouped self-join of TournamentParticipation, so its cost in queries does not
    grow with the history (the audit plan's N×M problem was one query per opponent).
    Players without history are absent from the result.
    """
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
