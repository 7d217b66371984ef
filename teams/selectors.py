"""Reads of the teams app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from core.errors import NotFound
from teams.errors import ErrorCode
from teams.models import Membership, Team, TeamInvite


@dataclass(frozen=True)
class TeamRoster:
    team_id: int
    captain_id: int
    member_ids: tuple[int, ...]


def team_get(*, team_id: int) -> Team:
    """The team with its captain and members (ordered by join), in two queries."""
    memberships = Membership.objects.select_related("user").order_by("pk")
    team = (
        Team.objects.select_related("captain")
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .filter(pk=team_id)
        .first()
    )
    if team is None:
        raise NotFound("No such team.", code=ErrorCode.TEAM_NOT_FOUND)
    return team


#: ``team_roster``'s statement. Plan: the team by primary key and its memberships by an
#: index on team_id (SQLite: the unique (team_id, user_id) index, covering and already in
#: user order; PostgreSQL, ``perf_baseline --explain``: the team_id index, then a sort
#: of the team's few rows).
TEAM_ROSTER_SQL = """
    SELECT membership.user_id, team.captain_id
      FROM teams_membership AS membership
      JOIN teams_team AS team ON team.id = membership.team_id
     WHERE membership.team_id = %s
     ORDER BY membership.user_id
"""


def team_roster(*, team_id: int) -> TeamRoster:
    """The captain and member ids in one statement (registration's hot path).

    Every team has at least its captain as a member (team_create writes both), so an
    empty result means the team does not exist.

    Raw SQL (``TEAM_ROSTER_SQL``), not the ORM's ``Membership.objects.filter(team_id=...)
    .order_by("user_id").values_list("user_id", "team__captain_id")``: the same statement,
    281 against 31 µs a call on SQLite, 584 against 305 µs on PostgreSQL
    (notes/scripts/orm_vs_raw.py). tests/teams pin what it returns.
    """
    with connection.cursor() as cursor:
        cursor.execute(TEAM_ROSTER_SQL, [team_id])
        rows = cursor.fetchall()
    if not rows:
        raise NotFound("No such team.", code=ErrorCode.TEAM_NOT_FOUND)
    return TeamRoster(team_id=team_id, captain_id=rows[0][1], member_ids=tuple(user_id for user_id, _ in rows))


def team_invites_for_user(*, user_id: int) -> list[TeamInvite]:
    """The user's open invitations, newest first, with their teams (one query)."""
    return list(
        TeamInvite.objects.select_related("team", "invited_by")
        .filter(user_id=user_id, status=TeamInvite.Status.PENDING, expires_at__gt=timezone.now())
        .order_by("-pk")
    )
