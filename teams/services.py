"""Writes of the teams app: teams, and who is in them, by consent.

A captain invites; the invited user accepts (and joins) or declines. Members leave on
their own; the captain removes members and hands the captaincy over. Nobody is put
into a team without their consent, except by staff (``teams.policies``). Every change
of who is in a team takes the team's lock first (``teams/locks.py``), so the size limit
holds under races.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden, NotFound
from teams.errors import ErrorCode
from teams.locks import team_lock
from teams.models import DEFAULT_MAX_MEMBERS, Membership, Team, TeamInvite
from teams.policies import direct_add_check


@transaction.atomic
def team_create(*, captain: User, name: str, tag: str, max_members: int = DEFAULT_MAX_MEMBERS) -> Team:
    """Create a team; its creator becomes captain and first member."""
    try:
        # A savepoint, so the unique tag is decided by the database, not by a
        # racy exists() check, and the outer transaction stays usable.
        with transaction.atomic():
            team = Team.objects.create(name=name, tag=tag.upper(), captain=captain, max_members=max_members)
    except IntegrityError:
        raise Conflict("That tag is taken.", code=ErrorCode.TAG_TAKEN) from None
    Membership.objects.create(team=team, user=captain, role=Membership.Role.CAPTAIN)
    return team


def _locked_team(*, team_id: int, caller: str) -> Team:
    team = team_lock(team_id=team_id, caller=caller)
    if team is None:
        raise NotFound("No such team.", code=ErrorCode.TEAM_NOT_FOUND)
    return team


def _captain_check(team: Team, actor: User) -> None:
    if team.captain_id != actor.pk:
        raise Forbidden("Only the team's captain may change its members.", code=ErrorCode.NOT_TEAM_CAPTAIN)


def _user(user_id: int) -> User:
    # Foreign keys are checked at commit on PostgreSQL (deferred), too late for a
    # clean 404: look the user up first.
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("No such user.", code=ErrorCode.USER_NOT_FOUND)
    return user


def _join(team: Team, user: User) -> Membership:
    """Add ``user`` to the locked ``team`` if it has room."""
    if Membership.objects.filter(team_id=team.pk, user_id=user.pk).exists():
        raise Conflict("That user is already a member of the team.", code=ErrorCode.ALREADY_MEMBER)
    if Membership.objects.filter(team_id=team.pk).count() >= team.max_members:
        raise Conflict(f"The team is full ({team.max_members} members).", code=ErrorCode.TEAM_FULL)
    return Membership.objects.create(team=team, user=user, role=Membership.Role.MEMBER)


@transaction.atomic
def team_invite_create(*, actor: User, team_id: int, user_id: int) -> TeamInvite:
    """The captain invites a user; one open invitation per user and team."""
    team = _locked_team(team_id=team_id, caller="team_invite_create")
    _captain_check(team, actor)
    user = _user(user_id)
    if Membership.objects.filter(team_id=team.pk, user_id=user.pk).exists():
        raise Conflict("That user is already a member of the team.", code=ErrorCode.ALREADY_MEMBER)
    now = timezone.now()
    # An open invitation past its time is closed here, so that a new one can be sent.
    TeamInvite.objects.filter(
        team_id=team.pk, user_id=user.pk, status=TeamInvite.Status.PENDING, expires_at__lte=now
    ).update(status=TeamInvite.Status.EXPIRED)
    try:
        with transaction.atomic():
            return TeamInvite.objects.create(
                team=team, user=user, invited_by=actor, expires_at=now + settings.TEAM_INVITE_TTL
            )
    except IntegrityError:
        raise Conflict("That user already has an open invitation to the team.", code=ErrorCode.INVITE_PENDING) from None


def _own_pending_invite(*, actor: User, invite_id: int) -> TeamInvite:
    """The actor's invitation (someone else's is not found: its existence is not theirs to know)."""
    invite = TeamInvite.objects.filter(pk=invite_id, user_id=actor.pk).first()
    if invite is None:
        raise NotFound("No such invitation.", code=ErrorCode.INVITE_NOT_FOUND)
    if invite.status != TeamInvite.Status.PENDING:
        raise Conflict(f"The invitation is already {invite.status}.", code=ErrorCode.INVITE_NOT_PENDING)
    return invite


@transaction.atomic
def team_invite_accept(*, actor: User, invite_id: int) -> Membership:
    """The invited user joins the team, if the invitation is open and the team has room."""
    invite = _own_pending_invite(actor=actor, invite_id=invite_id)
    team = _locked_team(team_id=invite.team_id, caller="team_invite_accept")
    # Re-read under the team's lock: a concurrent accept or decline of this invitation
    # went first, or it did not.
    invite = _own_pending_invite(actor=actor, invite_id=invite_id)
    now = timezone.now()
    if invite.expires_at <= now:  # a refusal writes nothing: a new invitation closes this one
        raise Conflict("The invitation has expired; ask the captain for a new one.", code=ErrorCode.INVITE_EXPIRED)
    membership = _join(team, actor)
    TeamInvite.objects.filter(pk=invite.pk).update(status=TeamInvite.Status.ACCEPTED, responded_at=now)
    return membership


@transaction.atomic
def team_invite_decline(*, actor: User, invite_id: int) -> TeamInvite:
    invite = _own_pending_invite(actor=actor, invite_id=invite_id)
    team_lock(team_id=invite.team_id, caller="team_invite_decline")
    invite = _own_pending_invite(actor=actor, invite_id=invite_id)
    invite.status, invite.responded_at = TeamInvite.Status.DECLINED, timezone.now()
    invite.save(update_fields=["status", "responded_at"])
    return invite


@transaction.atomic
def team_member_add(*, actor: User, team_id: int, user_id: int) -> Membership:
    """Staff put a user into a team directly (no consent): ``teams.policies``."""
    direct_add_check(actor=actor)
    team = _locked_team(team_id=team_id, caller="team_member_add")
    return _join(team, _user(user_id))


@transaction.atomic
def team_member_remove(*, actor: User, team_id: int, user_id: int) -> None:
    """The captain removes a member. Rosters already registered in tournaments keep their snapshot."""
    team = _locked_team(team_id=team_id, caller="team_member_remove")
    _captain_check(team, actor)
    if user_id == team.captain_id:
        raise Conflict("The captain cannot leave their own team.", code=ErrorCode.CAPTAIN_CANNOT_LEAVE)
    deleted, _ = Membership.objects.filter(team_id=team.pk, user_id=user_id).delete()
    if not deleted:
        raise NotFound("That user is not a member of the team.", code=ErrorCode.MEMBERSHIP_NOT_FOUND)


@transaction.atomic
def team_leave(*, actor: User, team_id: int) -> None:
    """A member leaves. The captain hands the captaincy over first."""
    team = _locked_team(team_id=team_id, caller="team_leave")
    if actor.pk == team.captain_id:
        raise Conflict("The captain cannot leave: hand the captaincy over first.", code=ErrorCode.CAPTAIN_CANNOT_LEAVE)
    deleted, _ = Membership.objects.filter(team_id=team.pk, user_id=actor.pk).delete()
    if not deleted:
        raise NotFound("You are not a member of this team.", code=ErrorCode.NOT_TEAM_MEMBER)


@transaction.atomic
def team_captain_transfer(*, actor: User, team_id: int, user_id: int) -> Team:
    """The captain hands the captaincy to another member; the old captain stays a member."""
    team = _locked_team(team_id=team_id, caller="team_captain_transfer")
    _captain_check(team, actor)
    if user_id == actor.pk:
        return team
    if not Membership.objects.filter(team_id=team.pk, user_id=user_id).exists():
        raise NotFound("That user is not a member of the team.", code=ErrorCode.MEMBERSHIP_NOT_FOUND)
    Membership.objects.filter(team_id=team.pk, user_id=actor.pk).update(role=Membership.Role.MEMBER)
    Membership.objects.filter(team_id=team.pk, user_id=user_id).update(role=Membership.Role.CAPTAIN)
    Team.objects.filter(pk=team.pk).update(captain_id=user_id)
    team.captain_id = user_id
    return team
