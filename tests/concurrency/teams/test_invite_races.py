"""Joining a team under real races: PostgreSQL, committed data, one connection per thread."""

from collections import Counter

import pytest

from teams.models import Membership, TeamInvite
from teams.services import team_create, team_invite_create
from tests import factories
from tests.concurrency.threads import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _accept_all(invites):
    return run_together(
        [
            lambda invite=invite: factories.client_for(invite.user).post(f"/api/teams/invites/{invite.pk}/accept/")
            for invite in invites
        ]
    )


def test_two_players_accepting_the_last_slot_at_once_one_joins():
    captain = factories.user()
    team = team_create(captain=captain, name="Duo", tag="DUO", max_members=2)
    invites = [team_invite_create(actor=captain, team_id=team.pk, user_id=factories.user().pk) for _ in range(2)]

    responses = _accept_all(invites)

    assert sorted(response.status_code for response in responses) == [200, 409]
    assert [response.json()["code"] for response in responses if response.status_code == 409] == ["team_full"]
    assert Membership.objects.filter(team=team).count() == 2
    assert Counter(TeamInvite.objects.values_list("status", flat=True)) == {"accepted": 1, "pending": 1}


def test_twelve_players_racing_for_five_slots_never_overfill():
    captain = factories.user()
    team = team_create(captain=captain, name="Squad", tag="SQD", max_members=6)
    invites = [team_invite_create(actor=captain, team_id=team.pk, user_id=factories.user().pk) for _ in range(12)]

    responses = _accept_all(invites)

    assert Counter(response.status_code for response in responses) == {200: 5, 409: 7}
    assert Membership.objects.filter(team=team).count() == 6
