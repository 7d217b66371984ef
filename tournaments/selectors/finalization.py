"""Reads of the finalization pipeline. Each is one query, whatever the data's size."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Avg, Exists, F, OuterRef, Q, QuerySet

from tournaments.awards import BracketMatch
from tournaments.models import (
    Match,
    MatchSubstitution,
    RegistrationStatus,
    RosterEntry,
    RosterRole,
    Tournament,
    TournamentParticipation,
)
from tournaments.selectors.registrations import registrations_in_seed_order


def finalization_tournament_get(*, tournament_id: int) -> Mapping[str, Any] | None:
    """The fields checked before any lock is taken (organizer, season), or None."""
    return Tournament.objects.filter(pk=tournament_id).values("organizer_id", "season_id").first()


def finalization_bracket(*, tournament_id: int) -> list[BracketMatch]:
    rows = Match.objects.filter(tournament_id=tournament_id).values_list(
        "round", "team_a_id", "team_b_id", "winner_id", "status", "score_a", "score_b"
    )
    return [BracketMatch(*row) for row in rows]


def _played(*, tournament_id: int) -> QuerySet[RosterEntry]:
    """The players of confirmed registrations who played, so who is rated and rewarded.

    A starter played unless benched (``MatchSubstitution.player_out``) in every match
    the team played; a substitute played when swapped in for one of them. A team that
    played none (walkovers only) counts its starters. Matches played: confirmed, not a
    walkover. One query: the rules are EXISTS subqueries.
    """
    team = OuterRef("registration__team_id")
    team_played = Match.objects.filter(
        Q(team_a_id=team) | Q(team_b_id=team),
        tournament_id=tournament_id,
        status=Match.Status.CONFIRMED,
        forfeited_by__isnull=True,
    )
    benched = MatchSubstitution.objects.filter(match_id=OuterRef("pk"), player_out_id=OuterRef(OuterRef("user_id")))
    came_in = MatchSubstitution.objects.filter(
        registration_id=OuterRef("registration_id"),
        player_in_id=OuterRef("user_id"),
        match__status=Match.Status.CONFIRMED,
        match__forfeited_by__isnull=True,
    )
    starter = Q(role=RosterRole.STARTER) & (~Exists(team_played) | Exists(team_played.filter(~Exists(benched))))
    return RosterEntry.objects.filter(
        starter | (Q(role=RosterRole.SUBSTITUTE) & Exists(came_in)),
        tournament_id=tournament_id,
        active=True,
        registration__status=RegistrationStatus.CONFIRMED,
    )


def finalization_roster(*, tournament_id: int) -> list[tuple[int, int]]:
    """(user_id, team_id) of every starter of a confirmed registration, by user id."""
    return list(
        _played(tournament_id=tournament_id).order_by("user_id").values_list("user_id", "registration__team_id")
    )


def opponent_rating_averages(*, tournament_id: int) -> dict[int, float]:
    """Mean rating (after each event) of the opponents each player of this tournament met before.

    One grouped self-join of TournamentParticipation, so its cost in queries does not
    grow with the history (the audit plan's N×M problem was one query per opponent).
    Players without history are absent from the result.
    """
    players = _played(tournament_id=tournament_id).values("user_id")
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
