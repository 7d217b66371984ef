"""Who may do what to a registration before the start, persona by persona (issue 16's "Prove").

The same six personas as ``test_personas.py`` (the team's captain, a member, a player
invited but not yet a member, an outsider, the organizer, another staff member) against
check-in, a lineup change and withdrawal. All three are the captain's alone: the
organizer runs the tournament, not the team. A refusal is a 403 with a code and writes
nothing: registrations, rosters, ledger and invites are the same before and after.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from economy.models import LedgerTransaction
from economy.services import wallet_grant
from teams.models import Membership, TeamInvite
from teams.services import team_invite_create
from tests import factories
from tournaments.models import Registration, RosterEntry

PERSONAS = ["captain", "member", "invited", "outsider", "organizer", "other_staff"]


@pytest.fixture
def entry(organizer):
    """An open cup with check-in open now; a team of two registered with one starter and one substitute."""
    now = timezone.now()
    tournament = factories.tournament(
        organizer=organizer,
        max_substitutes=1,
        entry_fee=50,
        check_in_opens_at=now - timedelta(hours=1),
        check_in_closes_at=now + timedelta(hours=1),
    )
    team = factories.team(size=2)
    member = Membership.objects.filter(team=team).exclude(user=team.captain).get().user
    wallet_grant(user=team.captain, amount=500)  # the withdrawal's refund is a write to refuse too
    response = factories.client_for(team.captain).post(
        "/api/tournaments/register/",
        {"tournament_id": tournament.pk, "team_id": team.pk, "starters": [team.captain_id], "substitutes": [member.pk]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    invited = factories.user()
    team_invite_create(actor=team.captain, team_id=team.pk, user_id=invited.pk)
    people = {
        "captain": team.captain,
        "member": member,
        "invited": invited,
        "outsider": factories.user(),
        "organizer": organizer,
        "other_staff": factories.user(is_staff=True),
    }
    return tournament, team, response.json()["id"], people


def state(tournament):
    return (
        list(Registration.objects.filter(tournament=tournament).values_list("status", "checked_in_at")),
        list(RosterEntry.objects.filter(tournament=tournament).order_by("pk").values_list("user_id", "role", "active")),
        LedgerTransaction.objects.count(),
        list(TeamInvite.objects.order_by("pk").values_list("status")),
    )


# operation: (method, path, body)
OPERATIONS = {
    "check_in": ("post", "/api/tournaments/{tournament}/check-in/", lambda team: {"team_id": team.pk}),
    "lineup": (
        "put",
        "/api/registrations/{registration}/roster/",
        lambda team: {
            "starters": [Membership.objects.filter(team=team).exclude(user=team.captain).get().user_id],
            "substitutes": [team.captain_id],
        },
    ),
    "withdraw": ("post", "/api/registrations/{registration}/withdraw/", lambda team: {}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_only_the_captain_checks_in_changes_the_lineup_or_withdraws(entry, operation, persona):
    tournament, team, registration_id, people = entry
    method, path, body = OPERATIONS[operation]
    before = state(tournament)
    url = path.format(tournament=tournament.pk, registration=registration_id)
    response = getattr(factories.client_for(people[persona]), method)(url, body(team), format="json")
    if persona == "captain":
        assert response.status_code == 200, response.json()
        assert state(tournament) != before
    else:
        assert (response.status_code, response.json()["code"]) == (403, "not_team_captain"), response.json()
        assert response.json()["detail"]
        assert state(tournament) == before


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_anonymous_is_401_and_writes_nothing(entry, anon_client, operation):
    tournament, team, registration_id, _ = entry
    method, path, body = OPERATIONS[operation]
    before = state(tournament)
    url = path.format(tournament=tournament.pk, registration=registration_id)
    response = getattr(anon_client, method)(url, body(team), format="json")
    assert response.status_code == 401
    assert state(tournament) == before
