import pytest

from config.errors import status_for
from core.errors import DomainError
from teams.models import Membership, Team
from teams.selectors import team_roster
from teams.services import team_create, team_member_add, team_member_remove

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


def test_captain_adds_and_removes_a_member(captain, member):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    team_member_add(actor=captain, team_id=team.pk, user_id=member.pk)
    assert team_roster(team_id=team.pk).member_ids == tuple(sorted([captain.pk, member.pk]))
    team_member_remove(actor=captain, team_id=team.pk, user_id=member.pk)
    assert team_roster(team_id=team.pk).member_ids == (captain.pk,)


def test_only_the_captain_changes_members(captain, member, outsider):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    assert _code(team_member_add, actor=outsider, team_id=team.pk, user_id=member.pk) == ("not_team_captain", 403)
    assert _code(team_member_remove, actor=outsider, team_id=team.pk, user_id=captain.pk) == ("not_team_captain", 403)
    assert Membership.objects.count() == 1


def test_member_rules(captain, member):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    team_member_add(actor=captain, team_id=team.pk, user_id=member.pk)
    assert _code(team_member_add, actor=captain, team_id=team.pk, user_id=member.pk) == ("already_member", 409)
    assert _code(team_member_add, actor=captain, team_id=team.pk, user_id=10**6) == ("user_not_found", 404)
    assert _code(team_member_add, actor=captain, team_id=10**6, user_id=member.pk) == ("team_not_found", 404)
    assert _code(team_member_remove, actor=captain, team_id=team.pk, user_id=captain.pk) == (
        "captain_cannot_leave",
        409,
    )
    assert _code(team_member_remove, actor=captain, team_id=team.pk, user_id=10**6) == ("membership_not_found", 404)
    assert Membership.objects.count() == 2


def test_roster_in_one_query(captain, django_assert_num_queries):
    team = team_create(captain=captain, name="Wolves", tag="WLV")
    with django_assert_num_queries(1):
        roster = team_roster(team_id=team.pk)
    assert (roster.captain_id, roster.member_ids) == (captain.pk, (captain.pk,))
