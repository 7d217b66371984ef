"""Disqualification: ``POST /api/tournaments/{id}/disqualify/`` ``{team_id, reason}``.

Every match the team has not finished is forfeited: now, when its opponent is known;
when the opponent arrives, when it is not. The team is left out of finalization's
placements and rewards.
"""

from __future__ import annotations

import json

import pytest

from realtime.selectors import event_history_list
from tests import factories
from tests.tournaments.builders import match_at, started_tournament
from tournaments.models import AuditEntry, Match, Registration, Tournament, TournamentParticipation

pytestmark = pytest.mark.django_db


def disqualify(user, tournament, team_id, reason="match fixing"):
    return factories.client_for(user).post(
        f"/api/tournaments/{tournament.pk}/disqualify/", {"team_id": team_id, "reason": reason}, format="json"
    )


def play(match, score_a, score_b):
    for captain in (match.team_a.captain, match.team_b.captain):
        response = factories.client_for(captain).post(
            f"/api/matches/{match.pk}/result/", {"score_a": score_a, "score_b": score_b}, format="json"
        )
        assert response.status_code in (200, 201), response.json()


def registration_status(tournament, team):
    return Registration.objects.filter(tournament=tournament, team=team).values_list("status", flat=True).get()


def test_a_team_with_a_known_opponent_forfeits_now_and_the_opponent_advances(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=4)
    semi = match_at(tournament, 1, 1)
    response = disqualify(organizer, tournament, semi.team_b_id)
    assert response.status_code == 200, response.json()
    assert response.json() | {"registration_id": 0} == {
        "registration_id": 0,
        "team_id": semi.team_b_id,
        "status": "disqualified",
        "forfeited_match_ids": [semi.pk],
        "waiting_match_id": None,
    }
    semi.refresh_from_db()
    assert (semi.status, semi.winner_id, semi.forfeited_by_id) == ("confirmed", semi.team_a_id, semi.team_b_id)
    assert match_at(tournament, 2, 1).team_a_id == semi.team_a_id
    assert registration_status(tournament, semi.team_b) == "disqualified"
    entry = AuditEntry.objects.get(tournament=tournament, action="team.disqualified")
    assert (entry.actor_id, entry.reason, entry.after["forfeited_match_ids"]) == (
        organizer.pk,
        "match fixing",
        [semi.pk],
    )
    kept = [json.loads(text)["type"] for _, text in event_history_list(tournament_id=tournament.pk, since=0)]
    assert kept[-2:] == ["match.forfeited", "team.disqualified"]  # in the outbox, in the same transaction


def test_a_walkover_waits_for_the_opponent_and_a_disqualified_finalist_hands_over_the_cup(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=4)
    first, second = match_at(tournament, 1, 1), match_at(tournament, 1, 2)
    play(first, 2, 0)
    finalist = first.team_a
    response = disqualify(organizer, tournament, finalist.pk)
    final = match_at(tournament, 2, 1)
    assert response.json()["waiting_match_id"] == final.pk
    assert (final.status, final.forfeited_by_id, final.team_b_id) == ("scheduled", finalist.pk, None)

    play(second, 0, 3)  # its winner arrives in the final and wins it by walkover

    final.refresh_from_db()
    assert (final.status, final.team_b_id, final.winner_id) == ("confirmed", second.team_b_id, second.team_b_id)
    tournament.refresh_from_db()
    assert tournament.status == "completed"
    finalized = factories.client_for(organizer).post(f"/api/tournaments/{tournament.pk}/finalize/")
    assert finalized.status_code == 200, finalized.json()
    placed = dict(TournamentParticipation.objects.filter(tournament=tournament).values_list("team_id", "placement"))
    assert finalist.pk not in placed  # left out of placements and rewards
    assert placed[second.team_b_id] == 1


def test_a_walkover_waiting_below_the_final_advances_its_winner_on(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=8)
    play(match_at(tournament, 1, 1), 1, 0)
    waiting = match_at(tournament, 2, 1)
    disqualify(organizer, tournament, waiting.team_a_id)
    feeder = match_at(tournament, 1, 2)
    play(feeder, 0, 1)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.winner_id) == ("confirmed", feeder.team_b_id)
    assert match_at(tournament, 3, 1).team_a_id == feeder.team_b_id
    assert Tournament.objects.get(pk=tournament.pk).status == "live"


def test_a_repeated_disqualification_is_a_retry(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    assert disqualify(organizer, tournament, teams[0].pk).status_code == 200
    entries = AuditEntry.objects.count()
    again = disqualify(organizer, tournament, teams[0].pk)
    assert (again.status_code, again.json()["status"]) == (200, "disqualified")
    assert AuditEntry.objects.count() == entries


def snapshot(tournament):
    return (
        list(Match.objects.filter(tournament=tournament).order_by("pk").values_list()),
        list(Registration.objects.filter(tournament=tournament).order_by("pk").values_list("status")),
        AuditEntry.objects.filter(tournament=tournament).count(),
    )


def test_refusals_write_nothing(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    not_started = factories.tournament(organizer=organizer)
    entrant = factories.team()
    factories.confirmed_registration(tournament=not_started, team=entrant)
    cases = [
        (teams[0].captain, tournament, teams[1].pk, 403, "not_organizer"),
        (organizer, tournament, factories.team().pk, 422, "team_not_in_tournament"),
        (organizer, not_started, entrant.pk, 409, "tournament_not_live"),
    ]
    for user, target, team_id, status, code in cases:
        before = snapshot(target)
        response = disqualify(user, target, team_id)
        assert response.status_code == status, response.json()
        assert response.json()["code"] == code
        assert snapshot(target) == before
    unknown = factories.client_for(organizer).post(
        "/api/tournaments/999999/disqualify/", {"team_id": teams[0].pk, "reason": "x"}, format="json"
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize("body", [{}, {"team_id": 1}, {"reason": "x"}, {"team_id": "x", "reason": "y"}])
def test_bad_input_is_400(organizer, body):
    tournament, _ = started_tournament(organizer=organizer, teams=2)
    response = factories.client_for(organizer).post(
        f"/api/tournaments/{tournament.pk}/disqualify/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"]


def override(user, match, score_a, score_b, **extra):
    body = {"score_a": score_a, "score_b": score_b, "reason": "organizer's correction", **extra}
    return factories.client_for(user).post(f"/api/matches/{match.pk}/override/", body, format="json")


def test_an_override_that_brings_the_opponent_settles_the_waiting_walkover(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    first, second = match_at(tournament, 1, 1), match_at(tournament, 1, 2)
    play(first, 1, 0)
    disqualify(organizer, tournament, first.team_a_id)  # waits in the final
    response = override(organizer, second, 0, 2)  # the stuck other semi-final, settled by the organizer
    assert response.status_code == 200, response.json()
    final = match_at(tournament, 2, 1)
    assert (final.status, final.winner_id, final.forfeited_by_id) == ("confirmed", second.team_b_id, first.team_a_id)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"


def test_a_cascade_keeps_a_disqualified_team_s_forfeit_for_its_new_opponent(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=8)
    quarter, other = match_at(tournament, 1, 1), match_at(tournament, 1, 2)
    play(quarter, 1, 0)
    play(other, 1, 0)
    semi = match_at(tournament, 2, 1)
    disqualify(organizer, tournament, other.team_a_id)  # the semi-final goes to quarter's winner by walkover
    semi.refresh_from_db()
    assert (semi.status, semi.winner_id) == ("confirmed", quarter.team_a_id)

    response = override(organizer, quarter, 0, 1, cascade=True)  # quarter's other team won after all

    assert response.status_code == 200, response.json()
    assert response.json()["reset_match_ids"] == [semi.pk]
    semi.refresh_from_db()
    assert (semi.team_a_id, semi.status, semi.winner_id, semi.forfeited_by_id) == (
        quarter.team_b_id,
        "confirmed",
        quarter.team_b_id,
        other.team_a_id,
    )
    assert match_at(tournament, 3, 1).team_a_id == quarter.team_b_id


def test_a_cascade_through_two_disqualified_teams_settles_both_walkovers_in_one_override(organizer):
    # Quarter-final 1 goes to A, quarter 2 to C, who is then disqualified: A wins the semi
    # by walkover. The other half's winner G reaches the final and is disqualified: A
    # wins the cup by walkover. The organizer then gives quarter 1 to B, with cascade:
    # both walkovers wait for B, in the semi and in the final, and both settle at once.
    tournament, _ = started_tournament(organizer=organizer, teams=8)
    quarter = match_at(tournament, 1, 1)
    for position in (1, 2, 3, 4):
        play(match_at(tournament, 1, position), 1, 0)
    semi, other_semi, final = match_at(tournament, 2, 1), match_at(tournament, 2, 2), match_at(tournament, 3, 1)
    disqualify(organizer, tournament, semi.team_b_id)
    play(other_semi, 1, 0)
    disqualify(organizer, tournament, other_semi.team_a_id)
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
    assert Match.objects.get(pk=final.pk).winner_id == quarter.team_a_id

    response = override(organizer, quarter, 0, 1, cascade=True)

    assert response.status_code == 200, response.json()
    assert response.json()["reset_match_ids"] == [semi.pk, final.pk]
    semi.refresh_from_db()
    final.refresh_from_db()
    assert (semi.winner_id, semi.forfeited_by_id) == (quarter.team_b_id, semi.team_b_id)
    assert (final.team_a_id, final.winner_id, final.forfeited_by_id) == (
        quarter.team_b_id,
        quarter.team_b_id,
        other_semi.team_a_id,
    )
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"
