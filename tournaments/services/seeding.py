"""How the start orders its teams: ``Tournament.seeding``, seed 1 first.

- ``registration_order``: first registered, first seed (the default).
- ``random``: a shuffle drawn with ``seeding_seed``, stored (set at the start when the
  organizer gave none), so anyone can replay the draw from the tournament's record.
- ``rating``: by the team's mean starter rating (``PlayerSkill``, 1500 without one),
  best first; equal ratings by registration order.
- ``manual``: the organizer's order (``tournament_seeding_set`` before the start); teams
  it leaves out follow, by registration order.

Each team's seed is stored on its registration (``Registration.seed``): the standings'
``seed`` tiebreaker reads it. Constant statements: one read (rating), one UPDATE.
"""

from __future__ import annotations

import random
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from core.errors import Conflict, NotFound, Unprocessable
from tournaments.awards import DEFAULT_RATING
from tournaments.errors import ErrorCode
from tournaments.locks import tournament_lock
from tournaments.models import (
    AuditAction,
    Registration,
    RosterEntry,
    RosterRole,
    Tournament,
    TournamentSeeding,
    TournamentStatus,
)
from tournaments.policies import tournament_run_require
from tournaments.services.audit import audit_record

PIPELINE = "registration"


def seeds_apply(*, tournament: Tournament, registrations: list[tuple[int, int]]) -> list[int]:
    """Order ``registrations`` ((registration id, team id), in registration order) by the
    tournament's seeding; store each seed; return the team ids, seed 1 first.

    Precondition: the caller holds the tournament's row lock (the start)."""
    order = list(registrations)
    if tournament.seeding == TournamentSeeding.RANDOM:
        if tournament.seeding_seed is None:
            tournament.seeding_seed = secrets.randbits(63)
            Tournament.objects.filter(pk=tournament.pk).update(seeding_seed=tournament.seeding_seed)
        random.Random(tournament.seeding_seed).shuffle(order)  # noqa: S311 - a draw to replay, not a secret
    elif tournament.seeding == TournamentSeeding.RATING:
        ratings = _team_ratings(registration_ids=[registration_id for registration_id, _ in order])
        order.sort(key=lambda row: -ratings.get(row[0], DEFAULT_RATING))  # stable: registration order breaks ties
    elif tournament.seeding == TournamentSeeding.MANUAL:
        position = {team_id: index for index, team_id in enumerate(tournament.manual_seeds)}
        order.sort(key=lambda row: position.get(row[1], len(position)))
    if order:
        Registration.objects.filter(pk__in=[registration_id for registration_id, _ in order]).update(
            seed=Case(
                *(When(pk=registration_id, then=Value(seed)) for seed, (registration_id, _) in enumerate(order, 1)),
                output_field=IntegerField(),
            )
        )
    return [team_id for _, team_id in order]


def _team_ratings(*, registration_ids: list[int]) -> dict[int, float]:
    """Mean starter rating by registration: one query (a player without a skill row rates 1500)."""
    ratings: dict[int, list[int]] = {}
    rows = RosterEntry.objects.filter(
        registration_id__in=registration_ids, active=True, role=RosterRole.STARTER
    ).values_list("registration_id", "user__skill__rating")
    for registration_id, rating in rows:
        ratings.setdefault(registration_id, []).append(DEFAULT_RATING if rating is None else rating)
    return {registration_id: sum(values) / len(values) for registration_id, values in ratings.items()}


@transaction.atomic
def tournament_seeding_set(*, actor: User, tournament_id: int, team_ids: list[int]) -> Tournament:
    """The organizer orders the teams before the start: ``seeding`` becomes ``manual``.

    Refusals: 403, 404, 409 (started), 422 (a team without a live registration here).
    Under the tournament's lock, like the start, so the order read at the start is final.
    """
    tournament_run_require(actor=actor, tournament_id=tournament_id, code=ErrorCode.NOT_ORGANIZER)
    try:
        tournament = tournament_lock(tournament_id=tournament_id, pipeline=PIPELINE, caller="tournament_seeding_set")
    except Tournament.DoesNotExist:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND) from None
    if tournament.status not in (
        TournamentStatus.DRAFT,
        TournamentStatus.REGISTRATION_OPEN,
        TournamentStatus.REGISTRATION_CLOSED,
    ):
        raise Conflict("The seeds were fixed when the tournament started.", code=ErrorCode.TOURNAMENT_NOT_STARTABLE)
    registered = set(
        Registration.objects.filter(
            tournament_id=tournament_id, team_id__in=team_ids, status__in=Registration.ACTIVE_STATUSES
        ).values_list("team_id", flat=True)
    )
    strangers = [team_id for team_id in team_ids if team_id not in registered]
    if strangers:
        raise Unprocessable(
            f"Teams without a live registration here: {strangers}.", code=ErrorCode.TEAM_NOT_IN_TOURNAMENT
        )
    before = {"seeding": tournament.seeding, "manual_seeds": tournament.manual_seeds}
    tournament.seeding, tournament.manual_seeds = TournamentSeeding.MANUAL, list(team_ids)
    Tournament.objects.filter(pk=tournament.pk).update(seeding=tournament.seeding, manual_seeds=tournament.manual_seeds)
    audit_record(
        tournament_id=tournament_id,
        action=AuditAction.TOURNAMENT_SEEDED,
        actor=actor,
        before=before,
        after={"seeding": tournament.seeding, "manual_seeds": tournament.manual_seeds},
    )
    return tournament
