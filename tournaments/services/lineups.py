"""Writes of a match's lineup: a starter-for-substitute swap, recorded per match.

The roster locks when the tournament starts (``registration_roster_set`` refuses from
then on). After that a captain changes who plays one match only, and only within the
registered roster: a starter out, a substitute in, before the match is reported. Lock:
the match row (``match_lock``), the same one a report takes, so a swap and a report of
the same match never interleave.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from core.errors import Conflict, Forbidden, NotFound, Unprocessable
from tournaments.errors import ErrorCode
from tournaments.locks import match_lock
from tournaments.models import (
    AuditAction,
    Match,
    MatchSubstitution,
    Registration,
    RegistrationStatus,
    RosterEntry,
    RosterRole,
    TournamentStatus,
)
from tournaments.services.audit import audit_record

PIPELINE = "results"


def _captained_side(*, match_id: int, actor: User) -> tuple[int, int]:
    """(tournament id, team id) of the match side ``actor`` captains; 404 or 403 otherwise."""
    row = (
        Match.objects.filter(pk=match_id)
        .values("tournament_id", "team_a_id", "team_b_id", "team_a__captain_id", "team_b__captain_id")
        .first()
    )
    if row is None:
        raise NotFound("No such match.", code=ErrorCode.MATCH_NOT_FOUND)
    sides = ((row["team_a_id"], row["team_a__captain_id"]), (row["team_b_id"], row["team_b__captain_id"]))
    for team_id, captain_id in sides:
        if team_id is not None and captain_id == actor.pk:
            return row["tournament_id"], team_id
    raise Forbidden("Only a captain of one of the two teams may change its lineup.", code=ErrorCode.NOT_MATCH_CAPTAIN)


@transaction.atomic
def match_substitute(*, match_id: int, actor: User, player_out: int, player_in: int) -> MatchSubstitution:
    """``player_in`` (a substitute of the captain's roster) plays ``match_id`` instead of ``player_out`` (a starter).

    Refusals: 404, 403 (not a captain of the match), 409 (the tournament is not live, or
    the match is reported or settled: its lineup is final), 422 (not a starter and a
    substitute of this roster, or either already swapped in this match).
    """
    tournament_id, team_id = _captained_side(match_id=match_id, actor=actor)
    match = match_lock(match_id=match_id, pipeline=PIPELINE, caller="match_substitute")
    if match.status != Match.Status.SCHEDULED or match.forfeited_by_id is not None:
        raise Conflict("This match is reported or settled: its lineup is final.", code=ErrorCode.LINEUP_LOCKED)
    registration = (
        Registration.objects.filter(tournament_id=tournament_id, team_id=team_id, status=RegistrationStatus.CONFIRMED)
        .select_related("tournament")
        .first()
    )
    if registration is None or registration.tournament.status != TournamentStatus.LIVE:
        raise Conflict("The tournament is not live.", code=ErrorCode.TOURNAMENT_NOT_LIVE)
    roles = dict(
        RosterEntry.objects.filter(
            registration=registration, active=True, user_id__in=[player_out, player_in]
        ).values_list("user_id", "role")
    )
    if roles.get(player_out) != RosterRole.STARTER or roles.get(player_in) != RosterRole.SUBSTITUTE:
        raise Unprocessable(
            "Swap a starter of this roster out and one of its substitutes in.", code=ErrorCode.INVALID_SUBSTITUTION
        )
    try:  # no savepoint: a refusal rolls the whole swap back
        substitution = MatchSubstitution.objects.create(
            match=match, registration=registration, player_out_id=player_out, player_in_id=player_in, created_by=actor
        )
    except IntegrityError:
        raise Unprocessable(
            "One of these players is already swapped in this match.", code=ErrorCode.INVALID_SUBSTITUTION
        ) from None
    audit_record(
        tournament_id=tournament_id,
        match_id=match.pk,
        action=AuditAction.PLAYER_SUBSTITUTED,
        actor=actor,
        after={"team_id": team_id, "player_out": player_out, "player_in": player_in},
    )
    return substitution
