"""Registration under real races: PostgreSQL, committed data, one connection per thread."""

from collections import Counter

import pytest

from tests import factories
from tests.concurrency.threads import run_together
from tournaments.models import Registration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

URL = "/api/tournaments/register/"


def _race(calls):
    """Run each ``(client, body)`` POST in its own thread, all released together."""
    return run_together(
        [lambda client=client, body=body: client.post(URL, body, format="json") for client, body in calls]
    )


def test_forty_teams_racing_for_sixteen_slots_never_overbook():
    tournament = factories.tournament(max_teams=16, team_size=2)
    teams = [factories.team(size=2) for _ in range(40)]
    calls = [
        (factories.client_for(team.captain), {"tournament_id": tournament.pk, "team_id": team.pk}) for team in teams
    ]

    responses = _race(calls)

    assert sorted(response.status_code for response in responses) == [201] * 40
    bodies = [response.json() for response in responses]
    assert Counter(body["status"] for body in bodies) == {"confirmed": 16, "waitlisted": 24}
    assert sorted(body["waitlist_position"] for body in bodies if body["status"] == "waitlisted") == list(range(1, 25))
    stored = Counter(Registration.objects.filter(tournament=tournament).values_list("status", flat=True))
    assert stored == {"confirmed": 16, "waitlisted": 24}
    # FIFO: waitlist positions follow insertion (id) order.
    waitlisted = sorted((body["id"], body["waitlist_position"]) for body in bodies if body["status"] == "waitlisted")
    assert [position for _, position in waitlisted] == list(range(1, 25))


def test_same_team_twice_at_once_registers_once():
    tournament = factories.tournament(max_teams=16, team_size=1)
    team = factories.team(size=1)
    client = factories.client_for(team.captain)
    body = {"tournament_id": tournament.pk, "team_id": team.pk}

    responses = _race([(client, body), (client, body)])

    assert sorted(response.status_code for response in responses) == [201, 409]
    refused = next(response for response in responses if response.status_code == 409)
    assert refused.json()["code"] == "team_already_registered"
    assert Registration.objects.filter(tournament=tournament).count() == 1


def test_one_player_in_two_teams_at_once_registers_once():
    tournament = factories.tournament(max_teams=16, team_size=2)
    shared = factories.user()
    teams = [factories.team(size=1) for _ in range(2)]
    for team in teams:
        team.memberships.create(user=shared, role="member")
    calls = [
        (factories.client_for(team.captain), {"tournament_id": tournament.pk, "team_id": team.pk}) for team in teams
    ]

    responses = _race(calls)

    assert sorted(response.status_code for response in responses) == [201, 409]
    refused = next(response for response in responses if response.status_code == 409)
    assert refused.json()["code"] == "player_already_registered"
    assert Registration.objects.filter(tournament=tournament).count() == 1


def test_concurrent_withdrawals_promote_the_waitlist_in_order_without_overbooking():
    from tournaments.services import registration_create

    tournament = factories.tournament(max_teams=4, team_size=1)
    teams = [factories.team(size=1) for _ in range(10)]
    registrations = [
        registration_create(user=team.captain, tournament_id=tournament.pk, team_id=team.pk).registration
        for team in teams
    ]
    confirmed, waitlisted = registrations[:4], registrations[4:]
    clients = [factories.client_for(team.captain) for team in teams[:4]]
    responses = run_together(
        [
            lambda client=client, registration=registration: client.post(
                f"/api/registrations/{registration.pk}/withdraw/"
            )
            for client, registration in zip(clients, confirmed, strict=True)
        ]
    )

    assert [response.status_code for response in responses] == [200] * 4
    promoted = sorted(response.json()["promoted_registration_id"] for response in responses)
    assert promoted == [registration.pk for registration in waitlisted[:4]]
    statuses = dict(Registration.objects.filter(tournament=tournament).values_list("pk", "status"))
    assert [statuses[r.pk] for r in registrations] == ["withdrawn"] * 4 + ["confirmed"] * 4 + ["waitlisted"] * 2
