"""Check-in: POST /api/tournaments/{id}/check-in/, and what the start does with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from economy.models import Wallet
from economy.selectors import ledger_reconcile
from economy.services import wallet_grant
from tests import factories
from tests.realtime.capture import capture_delivered
from tournaments.models import Match, Registration, RosterEntry
from tournaments.services import registration_create, tournament_start

pytestmark = pytest.mark.django_db

FEE = 100


def _window(**shift):
    now = timezone.now()
    return {"check_in_opens_at": now - timedelta(hours=1), "check_in_closes_at": now + timedelta(hours=1), **shift}


def _cup(organizer, **fields):
    return factories.tournament(organizer=organizer, **({"max_teams": 2, "entry_fee": FEE} | _window() | fields))


def _registered(tournament, count):
    teams = [factories.team() for _ in range(count)]
    for team in teams:
        wallet_grant(user=team.captain, amount=500)
        registration_create(user=team.captain, tournament_id=tournament.pk, team_id=team.pk)
    return teams


def check_in(team, tournament, **body):
    return factories.client_for(team.captain).post(
        f"/api/tournaments/{tournament.pk}/check-in/", {"team_id": team.pk, **body}, format="json"
    )


def _balance(team):
    return Wallet.objects.get(user=team.captain).balance


def _status(team, tournament):
    return Registration.objects.get(team=team, tournament=tournament).status


def test_no_shows_are_refunded_and_checked_in_waitlisted_teams_take_their_slots(
    organizer, monkeypatch, django_capture_on_commit_callbacks
):
    published = capture_delivered(monkeypatch)
    tournament = _cup(organizer)
    present, absent, first_waiting, second_waiting = _registered(tournament, 4)
    for team in (present, first_waiting, second_waiting):
        assert check_in(team, tournament).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        tournament_start(tournament_id=tournament.pk, actor=organizer)

    statuses = {team: _status(team, tournament) for team in (present, absent, first_waiting, second_waiting)}
    assert statuses == {present: "confirmed", absent: "no_show", first_waiting: "confirmed", second_waiting: "rejected"}
    assert [_balance(team) for team in (present, absent, first_waiting, second_waiting)] == [400, 500, 400, 500]
    (final,) = Match.objects.filter(tournament=tournament)
    assert {final.team_a_id, final.team_b_id} == {present.pk, first_waiting.pk}
    assert not RosterEntry.objects.filter(registration__team=absent, active=True).exists()
    assert {"type": "registrations.no_show", "tournament_id": tournament.pk, "data": {"team_ids": [absent.pk]}} in (
        published
    )
    assert ledger_reconcile().clean


def test_a_tournament_may_keep_no_show_fees(organizer):
    tournament = _cup(organizer, no_show_refund=False, max_teams=4)
    present, other, absent = _registered(tournament, 3)
    check_in(present, tournament)
    check_in(other, tournament)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    assert (_status(absent, tournament), _balance(absent)) == ("no_show", 400)
    tournament.refresh_from_db()
    assert Wallet.objects.get(pk=tournament.prize_pool_id).balance == 3 * FEE
    assert ledger_reconcile().clean


def test_without_check_in_nothing_changes_at_the_start(organizer):
    tournament = factories.tournament(organizer=organizer, max_teams=2, entry_fee=FEE)
    teams = _registered(tournament, 2)
    refused = check_in(teams[0], tournament)
    assert (refused.status_code, refused.json()["code"]) == (409, "check_in_not_offered")
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    assert [_status(team, tournament) for team in teams] == ["confirmed", "confirmed"]


def test_checking_in_twice_answers_the_same_check_in(organizer):
    tournament = _cup(organizer)
    (team,) = _registered(tournament, 1)
    first, again = check_in(team, tournament), check_in(team, tournament)
    assert first.status_code == again.status_code == 200
    assert first.json()["checked_in_at"] == again.json()["checked_in_at"]
    assert first.json()["status"] == "confirmed"


@pytest.mark.parametrize(
    "window",
    [
        {
            "check_in_opens_at": timezone.now() + timedelta(hours=1),
            "check_in_closes_at": timezone.now() + timedelta(hours=2),
        },
        {
            "check_in_opens_at": timezone.now() - timedelta(hours=2),
            "check_in_closes_at": timezone.now() - timedelta(hours=1),
        },
    ],
)
def test_outside_the_window_is_409(organizer, window):
    tournament = _cup(organizer, **window)
    (team,) = _registered(tournament, 1)
    response = check_in(team, tournament)
    assert (response.status_code, response.json()["code"]) == (409, "check_in_closed")
    assert Registration.objects.get(team=team).checked_in_at is None


def test_only_the_captain_of_a_registered_team_checks_in(organizer, outsider):
    tournament = _cup(organizer)
    (team,) = _registered(tournament, 1)
    stranger = factories.team()
    response = factories.client_for(outsider).post(
        f"/api/tournaments/{tournament.pk}/check-in/", {"team_id": team.pk}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_team_captain")
    assert check_in(stranger, tournament).json()["code"] == "registration_not_found"
    assert Registration.objects.get(team=team).checked_in_at is None


def test_check_in_after_the_start_is_409(organizer):
    tournament = _cup(organizer)
    teams = _registered(tournament, 2)
    for team in teams:
        check_in(team, tournament)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    response = check_in(teams[0], tournament)
    assert (response.status_code, response.json()["code"]) == (409, "check_in_closed")


@pytest.mark.parametrize(
    "fields",
    [
        {"check_in_opens_at": "2030-01-01T10:00:00Z"},
        {"check_in_opens_at": "2030-01-01T10:00:00Z", "check_in_closes_at": "2030-01-01T09:00:00Z"},
    ],
)
def test_a_bad_check_in_window_is_refused(client_for, organizer, fields):
    body = {"name": "Cup", "game": "chess", "max_teams": 4, "team_size": 1, **fields}
    response = client_for(organizer).post("/api/tournaments/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_window")


def test_the_start_costs_the_same_statements_whatever_the_no_shows(organizer):
    counts = []
    for size in (8, 16):
        tournament = _cup(organizer, max_teams=size // 2)
        teams = _registered(tournament, size)
        for team in teams[::2]:
            check_in(team, tournament)
        with CaptureQueriesContext(connection) as captured:
            tournament_start(tournament_id=tournament.pk, actor=organizer)
        counts.append(len(captured))
    assert counts[0] == counts[1]
