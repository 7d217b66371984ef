"""Writes of the teams app: create a team, add and remove members (captain only)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from core.errors import Conflict, Forbidden, NotFound
from teams.errors import ErrorCode
from teams.models import Membership, Team


@transaction.atomic
def team_create(*, captain: User, name: str, tag: str) -> Team:
    """Create a team; its creator becomes captain and first member."""
    try:
        # A savepoint, so the unique tag is decided by the database, not by a
        # racy exists() check, and the outer transaction stays usable.
        with transaction.atomic():
            team = Team.objects.create(name=name, tag=tag.upper(), captain=captain)
    except IntegrityError:
        raise Conflict("That tag is taken.", code=ErrorCode.TAG_TAKEN) from None
    Membership.objects.create(team=team, user=captain, role=Membership.Role.CAPTAIN)
    return team


def _team_for_captain(*, team_id: int, actor: User) -> Team:
    team = Team.objects.filter(pk=team_id).only("pk", "captain_id").first()
    if team is None:
        raise NotFound("No such team.", code=ErrorCode.TEAM_NOT_FOUND)
    if team.captain_id != actor.pk:
        raise Forbidden("Only the team's captain may change its members.", code=ErrorCode.NOT_TEAM_CAPTAIN)
    return team


@transaction.atomic
def team_member_add(*, actor: User, team_id: int, user_id: int) -> Membership:
    team = _team_for_captain(team_id=team_id, actor=actor)
    # Foreign keys are checked at commit on PostgreSQL (deferred), too late for a
    # clean 404: look the user up first.
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.", code=ErrorCode.USER_NOT_FOUND)
    try:
        with transaction.atomic():
            return Membership.objects.create(team=team, user=user, role=Membership.Role.MEMBER)
    except IntegrityError:
        raise Conflict("That user is already a member of the team.", code=ErrorCode.ALREADY_MEMBER) from None


@transaction.atomic
def team_member_remove(*, actor: User, team_id: int, user_id: int) -> None:
    """Remove a member. Rosters already registered in tournaments keep their snapshot."""
    team = _team_for_captain(team_id=team_id, actor=actor)
    if user_id == team.captain_id:
        raise Conflict("The captain cannot leave their own team.", code=ErrorCode.CAPTAIN_CANNOT_LEAVE)
    deleted, _ = Membership.objects.filter(team_id=team.pk, user_id=user_id).delete()
    if not deleted:
        raise NotFound("That user is not a member of the team.", code=ErrorCode.MEMBERSHIP_NOT_FOUND)
