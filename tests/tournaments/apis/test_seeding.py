"""Seeding (issue 15): registration order, a reproducible random draw, rating, or the organizer's order."""

from __future__ import annotations

import random

import pytest

from tests import factories
from tournaments.models import AuditEntry, Match, PlayerSkill, Registration, Tournament
from tournaments.services.matches import tournament_start

pytestmark = pytest.mark.django_db


def entered(tournament, teams: int):
    squads = [factories.team() for _ in range(teams)]
    for squad in squads:
        factories.confirmed_registration(tournament=tournament, team=squad)
    return squads


def seeded(tournament) -> list[int]:
    """Team ids by stored seed."""
    return list(Registration.objects.filter(tournament=tournament).order_by("seed").values_list("team_id", flat=True))


def first_round(tournament) -> list[tuple[int, int]]:
    return list(Match.objects.filter(tournament=tournament, round=1).values_list("team_a_id", "team_b_id"))


def test_registration_order_is_the_default(organizer):
    tournament = factories.tournament(organizer=organizer)
    squads = entered(tournament, 4)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    assert seeded(tournament) == [squad.pk for squad in squads]
    assert first_round(tournament) == [(squads[0].pk, squads[3].pk), (squads[1].pk, squads[2].pk)]


def test_a_random_draw_is_stored_and_replays(organizer):
    tournament = factories.tournament(organizer=organizer, seeding="random", max_teams=8)
    squads = entered(tournament, 8)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    drawn = Tournament.objects.get(pk=tournament.pk).seeding_seed
    assert drawn is not None
    order = seeded(tournament)
    expected = [squad.pk for squad in squads]
    random.Random(drawn).shuffle(expected)  # the documented draw: anyone can replay it from the record
    assert order == expected

    replay = factories.tournament(organizer=organizer, seeding="random", seeding_seed=drawn, max_teams=8)
    again = entered(replay, 8)
    tournament_start(tournament_id=replay.pk, actor=organizer)
    by_position = {squad.pk: index for index, squad in enumerate(squads)}
    assert [by_position[team] for team in order] == [
        {squad.pk: index for index, squad in enumerate(again)}[team] for team in seeded(replay)
    ]


def test_rating_seeds_the_strongest_team_first(organizer):
    tournament = factories.tournament(organizer=organizer, seeding="rating")
    squads = entered(tournament, 4)
    for squad, rating in zip(squads, (1400, 1700, 1500, 1600), strict=True):
        PlayerSkill.objects.create(user=squad.captain, rating=rating)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    assert seeded(tournament) == [squads[1].pk, squads[3].pk, squads[2].pk, squads[0].pk]


def test_the_organizer_orders_the_teams_before_the_start(organizer):
    tournament = factories.tournament(organizer=organizer)
    squads = entered(tournament, 4)
    client = factories.client_for(organizer)
    order = [squads[2].pk, squads[0].pk]  # the other two follow in registration order
    response = client.put(f"/api/tournaments/{tournament.pk}/seeding/", {"team_ids": order}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["seeding"], response.json()["manual_seeds"]) == ("manual", order)
    assert AuditEntry.objects.filter(tournament=tournament, action="tournament.seeded").count() == 1
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    assert seeded(tournament) == [squads[2].pk, squads[0].pk, squads[1].pk, squads[3].pk]

    late = client.put(f"/api/tournaments/{tournament.pk}/seeding/", {"team_ids": order}, format="json")
    assert (late.status_code, late.json()["code"]) == (409, "tournament_not_startable")


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("captain", lambda squads: {"team_ids": [squads[0].pk]}, 403, "not_organizer"),
        ("organizer", lambda squads: {"team_ids": [squads[0].pk, 999999]}, 422, "team_not_in_tournament"),
        ("organizer", lambda squads: {"team_ids": [squads[0].pk, squads[0].pk]}, 400, "invalid"),
        ("organizer", lambda squads: {"team_ids": []}, 400, "invalid"),
    ],
)
def test_seeding_refusals_write_nothing(organizer, who, body, status, code):
    tournament = factories.tournament(organizer=organizer)
    squads = entered(tournament, 2)
    actor = organizer if who == "organizer" else squads[0].captain
    response = factories.client_for(actor).put(
        f"/api/tournaments/{tournament.pk}/seeding/", body(squads), format="json"
    )
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Tournament.objects.get(pk=tournament.pk).seeding == "registration_order"
    assert not AuditEntry.objects.filter(action="tournament.seeded").exists()


def test_a_seed_for_a_draw_other_than_random_is_a_400(organizer):
    body = {"name": "Cup", "game": "chess", "max_teams": 8, "team_size": 1, "seeding_seed": 7}
    response = factories.client_for(organizer).post("/api/tournaments/", body, format="json")
    assert response.status_code == 400
    assert "seeding_seed" in response.json()["detail"]
