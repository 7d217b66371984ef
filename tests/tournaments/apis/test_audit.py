"""The audit trail: every organizer action and every report, confirmation, dispute,
forfeit, override and cancellation writes one entry in its own transaction, and
``GET /api/tournaments/{id}/audit/`` lists them, newest first, for whoever runs it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.tournaments.builders import disputed, match_at, started_tournament
from tournaments.models import AuditAction, AuditEntry, Tournament
from tournaments.services.audit import audit_record
from tournaments.services.matches import tournament_start

pytestmark = pytest.mark.django_db


def audit(client, tournament_id, **params):
    return client.get(f"/api/tournaments/{tournament_id}/audit/", params)


def actions(tournament):
    """Oldest first: the order things happened in."""
    return list(
        AuditEntry.objects.filter(tournament=tournament).order_by("created_at", "pk").values_list("action", flat=True)
    )


def post(user, path, body=None):
    return factories.client_for(user).post(path, body or {}, format="json")


def test_a_tournament_played_through_the_api_is_audited_step_by_step(organizer):
    client = factories.client_for(organizer)
    created = client.post(
        "/api/tournaments/", {"name": "Audited", "game": "chess", "max_teams": 2, "team_size": 1}, format="json"
    ).json()
    tournament_id = created["id"]
    assert client.post(f"/api/tournaments/{tournament_id}/open/").status_code == 200
    teams = [factories.team() for _ in range(2)]
    for team in teams:
        body = {"tournament_id": tournament_id, "team_id": team.pk}
        assert post(team.captain, "/api/tournaments/register/", body).status_code == 201
    assert client.post(f"/api/tournaments/{tournament_id}/close/").status_code == 200
    assert client.post(f"/api/tournaments/{tournament_id}/start/").status_code == 200
    created_tournament = Tournament.objects.get(pk=tournament_id)
    final = match_at(created_tournament, 1, 1)
    assert (
        post(final.team_a.captain, f"/api/matches/{final.pk}/result/", {"score_a": 3, "score_b": 1}).status_code == 201
    )
    assert (
        post(final.team_b.captain, f"/api/matches/{final.pk}/result/", {"score_a": 3, "score_b": 1}).status_code == 200
    )
    assert client.post(f"/api/tournaments/{tournament_id}/finalize/").status_code == 200

    assert actions(created_tournament) == [
        "tournament.created",
        "tournament.opened",
        "tournament.closed",
        "tournament.started",
        "match.reported",
        "match.confirmed",
        "tournament.finalized",
    ]
    body = audit(client, tournament_id).json()
    assert body["count"] == 7
    newest = body["results"]
    assert [entry["action"] for entry in newest] == list(reversed(actions(created_tournament)))
    finalized, confirmed, reported = newest[0], newest[1], newest[2]
    assert finalized["actor"] == {"id": organizer.pk, "username": organizer.username}
    assert (finalized["before"]["status"], finalized["after"]["status"]) == ("completed", "rewards_distributed")
    assert confirmed["actor"]["id"] == final.team_b.captain_id
    assert confirmed["match_id"] == final.pk
    assert confirmed["before"]["status"] == "awaiting_confirmation"
    assert confirmed["after"] | {"report": None} == {
        "status": "confirmed",
        "score_a": 3,
        "score_b": 1,
        "winner_id": final.team_a_id,
        "forfeited_by_id": None,
        "report": None,
    }
    assert confirmed["after"]["report"] == {"side": "b", "score_a": 3, "score_b": 1, "games": []}
    assert (reported["before"]["status"], reported["after"]["status"]) == ("scheduled", "awaiting_confirmation")
    started = newest[3]
    assert started["after"]["team_ids"] == [team.pk for team in teams]


def test_a_dispute_its_resolution_a_forfeit_an_override_and_a_reset_are_audited(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = disputed(tournament)
    assert post(organizer, f"/api/matches/{semi.pk}/resolve/", {"score_a": 2, "score_b": 1}).status_code == 200
    other = match_at(tournament, 1, 2)
    assert post(other.team_b.captain, f"/api/matches/{other.pk}/forfeit/").status_code == 200
    override = {"score_a": 0, "score_b": 2, "reason": "a player was ineligible", "cascade": True}
    assert post(organizer, f"/api/matches/{semi.pk}/override/", override).status_code == 200
    final = match_at(tournament, 2, 1)
    assert (
        post(final.team_a.captain, f"/api/matches/{final.pk}/result/", {"score_a": 1, "score_b": 0}).status_code == 201
    )
    assert post(organizer, f"/api/matches/{final.pk}/reset/").status_code == 200

    entries = audit(factories.client_for(organizer), tournament.pk).json()["results"]
    assert [entry["action"] for entry in entries] == [
        "match.reset",
        "match.reported",
        "match.overridden",
        "match.forfeited",
        "match.resolved",
        "match.disputed",
        "match.reported",
        "tournament.started",
    ]
    reset, _, overridden, forfeited, resolved, dispute = entries[:6]
    assert (reset["before"]["status"], reset["after"]["status"]) == ("awaiting_confirmation", "scheduled")
    assert overridden["reason"] == "a player was ineligible"
    assert (overridden["before"]["winner_id"], overridden["after"]["winner_id"]) == (semi.team_a_id, semi.team_b_id)
    assert forfeited["actor"]["id"] == other.team_b.captain_id
    assert forfeited["after"] | {"winner_id": None} == {
        "status": "confirmed",
        "score_a": None,
        "score_b": None,
        "winner_id": None,
        "forfeited_by_id": other.team_b_id,
    }
    assert (resolved["before"]["status"], resolved["after"]["winner_id"]) == ("disputed", semi.team_a_id)
    assert dispute["after"]["report"]["side"] == "b"


def test_a_cancellation_is_audited_with_its_reason_and_refunds(organizer):
    tournament = factories.tournament(organizer=organizer)
    factories.confirmed_registration(tournament=tournament, team=factories.team())
    response = post(organizer, f"/api/tournaments/{tournament.pk}/cancel/", {"reason": "venue flooded"})
    assert response.status_code == 200
    (entry,) = audit(factories.client_for(organizer), tournament.pk).json()["results"]
    assert (entry["action"], entry["reason"]) == ("tournament.cancelled", "venue flooded")
    assert entry["before"] == {"status": "registration_open"}
    assert entry["after"]["status"] == "cancelled"


def test_a_refused_request_writes_no_entry(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    before = actions(tournament)
    refusals = [
        (final.team_a.captain, f"/api/matches/{final.pk}/result/", {"score_a": 1, "score_b": 1}),  # a draw: 422
        (factories.user(), f"/api/matches/{final.pk}/result/", {"score_a": 1, "score_b": 0}),  # not a captain: 403
        (organizer, f"/api/matches/{final.pk}/resolve/", {"score_a": 1, "score_b": 0}),  # not disputed: 409
        (organizer, f"/api/tournaments/{tournament.pk}/start/", {}),  # already live: 409
        (teams[0].captain, f"/api/tournaments/{tournament.pk}/cancel/", {"reason": "x"}),  # not the organizer: 403
    ]
    for user, path, body in refusals:
        assert post(user, path, body).status_code in (403, 409, 422), path
    assert actions(tournament) == before


def test_a_retried_report_writes_no_second_entry(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=2)
    final = match_at(tournament, 1, 1)
    for _ in range(2):
        post(final.team_a.captain, f"/api/matches/{final.pk}/result/", {"score_a": 1, "score_b": 0})
    assert actions(tournament).count("match.reported") == 1


@pytest.mark.parametrize("persona", ["organizer", "other_staff", "captain", "member", "outsider", "anonymous"])
def test_only_whoever_runs_the_tournament_reads_its_audit(organizer, persona):
    tournament = factories.tournament(organizer=organizer)
    teams = [factories.team(size=2) for _ in range(2)]
    for team in teams:
        factories.confirmed_registration(tournament=tournament, team=team)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    users = {
        "organizer": organizer,
        "other_staff": factories.user(is_staff=True),
        "captain": teams[0].captain,
        "member": teams[0].memberships.exclude(user=teams[0].captain).get().user,
        "outsider": factories.user(),
    }
    client = factories.client_for(users[persona]) if persona in users else APIClient()
    expected = {"organizer": 200, "other_staff": 200, "anonymous": 401}.get(persona, 403)
    response = audit(client, tournament.pk)
    assert response.status_code == expected, response.json()
    if expected == 200:
        assert [entry["action"] for entry in response.json()["results"]] == ["tournament.started"]
    else:
        assert "results" not in response.json()
        assert response.json()["code"]


def test_an_unknown_tournament_is_404_for_staff_and_403_for_anyone_else(organizer):
    assert audit(factories.client_for(organizer), 999_999).status_code == 404
    assert audit(factories.client_for(factories.user()), 999_999).status_code == 403


def test_the_audit_is_paginated_newest_first_in_constant_queries(organizer, django_assert_num_queries):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    for _ in range(55):  # read-side test: entries as the services write them
        audit_record(tournament_id=tournament.pk, action=AuditAction.RESULT_REPORTED, actor=teams[0].captain)
    client = factories.client_for(organizer)
    pages = []
    for page in (1, 2):
        # tournament, count, page, whatever the number of entries (the token: read once, then cached)
        with django_assert_num_queries(4 if page == 1 else 3):
            pages.append(audit(client, tournament.pk, page=page).json())
    assert [body["count"] for body in pages] == [56, 56]
    assert [len(body["results"]) for body in pages] == [50, 6]
    ids = [entry["id"] for body in pages for entry in body["results"]]
    assert ids == sorted(set(ids), reverse=True)
    assert pages[1]["results"][-1]["action"] == "tournament.started"
