"""Reads of the teams app."""

from __future__ import annotations

from dataclasses import dataclass

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


def team_roster(*, team_id: int) -> TeamRoster:
    """The captain and member ids in one query (registration's hot path).

    Every team has at least its captain as a member (team_create writes both), so an
    empty result means the team does not exist.
    """
    rows = list(
        Membership.objects.filter(team_id=team_id).order_by("user_id").values_list("user_id", "team__captain_id")
    )
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
