from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import status_for
from core.errors import DomainError
from teams.models import Membership, Team, TeamInvite
from teams.selectors import team_roster
from teams.services import (
    team_captain_transfer,
    team_create,
    team_invite_accept,
    team_invite_create,
    team_invite_decline,
    team_leave,
    team_member_add,
    team_member_remove,
)

pytestmark = pytest.mark.django_db


def _code(call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value.code, status_for(caught.value)


def test_creator_becomes_captain_and_first_member(captain):
    team = team_create(captain=captain, name="Wolves", tag="wlv")
    assert (team.tag, team.captain_id) == ("WLV", captain.pk)
    assert list(team.memberships.values_list("user_id", "role")) == [(captain.pk, "captain")]


def test_tag_is_unique_whatever_its_case(captain, member):
    team_create(captain=captain, name="Wolves", tag="WLV")
    assert _code(team_create, captain=member, name="Other", tag="wlv") == ("tag_taken", 409)
    assert Team.objects.count() == 1
    assert Membership.objects.count() == 1


def _invited_member(team, captain, member):
    invite = team_invite_create(actor=captain, team_id=team.pk, user_id=member.pk)
    return team_invite_accept(actor=member, invite_id=invite.pk)


def test_a_member_joins_by_accepting_and_the_captain_removes_them(captain, member):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    _invited_member(team, captain, member)
    assert team_roster(team_id=team.pk).member_ids == tuple(sorted([captain.pk, member.pk]))
    team_member_remove(actor=captain, team_id=team.pk, user_id=member.pk)
    assert team_roster(team_id=team.pk).member_ids == (captain.pk,)


def test_only_the_captain_changes_members(captain, member, outsider):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    assert _code(team_invite_create, actor=outsider, team_id=team.pk, user_id=member.pk) == ("not_team_captain", 403)
    assert _code(team_member_remove, actor=outsider, team_id=team.pk, user_id=captain.pk) == ("not_team_captain", 403)
    assert Membership.objects.count() == 1
    assert TeamInvite.objects.count() == 0


def test_a_captain_cannot_add_anyone_directly_staff_can(captain, member, organizer):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    assert _code(team_member_add, actor=captain, team_id=team.pk, user_id=member.pk) == ("direct_add_staff_only", 403)
    assert Membership.objects.count() == 1
    team_member_add(actor=organizer, team_id=team.pk, user_id=member.pk)
    assert team_roster(team_id=team.pk).member_ids == tuple(sorted([captain.pk, member.pk]))


def test_member_rules(captain, member, organizer):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    _invited_member(team, captain, member)
    assert _code(team_invite_create, actor=captain, team_id=team.pk, user_id=member.pk) == ("already_member", 409)
    assert _code(team_invite_create, actor=captain, team_id=team.pk, user_id=10**6) == ("user_not_found", 404)
    assert _code(team_invite_create, actor=captain, team_id=10**6, user_id=member.pk) == ("team_not_found", 404)
    assert _code(team_member_add, actor=organizer, team_id=team.pk, user_id=member.pk) == ("already_member", 409)
    assert _code(team_member_remove, actor=captain, team_id=team.pk, user_id=captain.pk) == (
        "captain_cannot_leave",
        409,
    )
    assert _code(team_member_remove, actor=captain, team_id=team.pk, user_id=10**6) == ("membership_not_found", 404)
    assert Membership.objects.count() == 2


def test_an_invitation_is_answered_once_and_only_by_its_user(captain, member, outsider):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    invite = team_invite_create(actor=captain, team_id=team.pk, user_id=member.pk)
    assert _code(team_invite_create, actor=captain, team_id=team.pk, user_id=member.pk) == ("invite_pending", 409)
    assert _code(team_invite_accept, actor=outsider, invite_id=invite.pk) == ("invite_not_found", 404)
    assert _code(team_invite_accept, actor=captain, invite_id=invite.pk) == ("invite_not_found", 404)
    team_invite_decline(actor=member, invite_id=invite.pk)
    assert _code(team_invite_accept, actor=member, invite_id=invite.pk) == ("invite_not_pending", 409)
    assert Membership.objects.count() == 1
    # Declined, it can be sent again.
    again = team_invite_create(actor=captain, team_id=team.pk, user_id=member.pk)
    assert again.pk != invite.pk


def test_an_expired_invitation_cannot_be_accepted_and_can_be_renewed(captain, member, settings):
    settings.TEAM_INVITE_TTL = timedelta(hours=1)
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    invite = team_invite_create(actor=captain, team_id=team.pk, user_id=member.pk)
    TeamInvite.objects.filter(pk=invite.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _code(team_invite_accept, actor=member, invite_id=invite.pk) == ("invite_expired", 409)
    assert Membership.objects.count() == 1
    renewed = team_invite_create(actor=captain, team_id=team.pk, user_id=member.pk)
    assert TeamInvite.objects.get(pk=invite.pk).status == "expired"
    assert team_invite_accept(actor=member, invite_id=renewed.pk).user_id == member.pk


def test_a_full_team_refuses_the_next_member(captain, member, outsider):
    team = team_create(captain=captain, name="Duo", tag="DUO", max_members=2)
    late = team_invite_create(actor=captain, team_id=team.pk, user_id=outsider.pk)
    _invited_member(team, captain, member)
    assert _code(team_invite_accept, actor=outsider, invite_id=late.pk) == ("team_full", 409)
    assert TeamInvite.objects.get(pk=late.pk).status == "pending"
    team_leave(actor=member, team_id=team.pk)
    assert team_invite_accept(actor=outsider, invite_id=late.pk).user_id == outsider.pk


def test_members_leave_and_the_captain_hands_over_first(captain, member, outsider):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    _invited_member(team, captain, member)
    assert _code(team_leave, actor=captain, team_id=team.pk) == ("captain_cannot_leave", 409)
    assert _code(team_leave, actor=outsider, team_id=team.pk) == ("not_team_member", 404)
    assert _code(team_captain_transfer, actor=member, team_id=team.pk, user_id=member.pk) == ("not_team_captain", 403)
    assert _code(team_captain_transfer, actor=captain, team_id=team.pk, user_id=outsider.pk) == (
        "membership_not_found",
        404,
    )
    team_captain_transfer(actor=captain, team_id=team.pk, user_id=member.pk)
    team.refresh_from_db()
    assert team.captain_id == member.pk
    assert dict(Membership.objects.values_list("user_id", "role")) == {captain.pk: "member", member.pk: "captain"}
    team_leave(actor=captain, team_id=team.pk)
    assert team_roster(team_id=team.pk).member_ids == (member.pk,)


def test_membership_changes_take_the_team_lock_first(captain, member, lock_events):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    _invited_member(team, captain, member)
    sites = [(e["entity_type"], e["entity_id"], e["caller"]) for e in lock_events.of("lock_released")]
    assert sites == [("Team", team.pk, "team_invite_create"), ("Team", team.pk, "team_invite_accept")]


def test_roster_in_one_query(captain, django_assert_num_queries):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    with django_assert_num_queries(1):
        roster = team_roster(team_id=team.pk)
    assert (roster.captain_id, roster.member_ids) == (captain.pk, (captain.pk,))
