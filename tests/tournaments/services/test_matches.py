"""tournament_start: the bracket, seeding, byes, and its refusals."""

from __future__ import annotations

import pytest

from core.errors import Conflict, Forbidden, NotFound
from tests import factories
from tests.tournaments.builders import started_tournament
from tournaments.models import Match, Tournament
from tournaments.services.matches import seed_order, tournament_start

pytestmark = pytest.mark.django_db


def _layout(tournament):
    """(round, position, team_a_id, team_b_id, status, winner_id, next (round, position), slot) per match."""
    rows = Match.objects.filter(tournament=tournament).select_related("next_match").order_by("round", "position")
    return [
        (
            m.round,
            m.position,
            m.team_a_id,
            m.team_b_id,
            m.status,
            m.winner_id,
            (m.next_match.round, m.next_match.position) if m.next_match else None,
            m.next_slot,
        )
        for m in rows
    ]


@pytest.mark.parametrize(
    ("size", "expected"),
    [(2, [1, 2]), (4, [1, 4, 2, 3]), (8, [1, 8, 4, 5, 2, 7, 3, 6])],
)
def test_seed_order_keeps_top_seeds_apart(size, expected):
    assert seed_order(size) == expected


def test_start_builds_an_eight_team_bracket_by_registration_order(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=8)
    t = [team.pk for team in teams]  # t[0] is seed 1
    assert tournament.status == Tournament.Status.LIVE
    assert _layout(tournament) == [
        (1, 1, t[0], t[7], "scheduled", None, (2, 1), "a"),
        (1, 2, t[3], t[4], "scheduled", None, (2, 1), "b"),
        (1, 3, t[1], t[6], "scheduled", None, (2, 2), "a"),
        (1, 4, t[2], t[5], "scheduled", None, (2, 2), "b"),
        (2, 1, None, None, "scheduled", None, (3, 1), "a"),
        (2, 2, None, None, "scheduled", None, (3, 1), "b"),
        (3, 1, None, None, "scheduled", None, None, ""),
    ]


def test_start_gives_byes_to_top_seeds_settled_at_creation(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=5)
    t = [team.pk for team in teams]
    assert _layout(tournament) == [
        (1, 1, t[0], None, "confirmed", t[0], (2, 1), "a"),
        (1, 2, t[3], t[4], "scheduled", None, (2, 1), "b"),
        (1, 3, t[1], None, "confirmed", t[1], (2, 2), "a"),
        (1, 4, t[2], None, "confirmed", t[2], (2, 2), "b"),
        (2, 1, t[0], None, "scheduled", None, (3, 1), "a"),
        (2, 2, t[1], t[2], "scheduled", None, (3, 1), "b"),
        (3, 1, None, None, "scheduled", None, None, ""),
    ]
    byes = Match.objects.filter(tournament=tournament, team_b=None, round=1)
    assert all(m.confirmed_at is not None and m.score_a is None and m.score_b is None for m in byes)


def test_start_with_two_teams_is_a_single_final(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=2)
    assert _layout(tournament) == [(1, 1, teams[0].pk, teams[1].pk, "scheduled", None, None, "")]


def test_start_with_three_teams(organizer):
    tournament, teams = started_tournament(organizer=organizer, teams=3)
    t = [team.pk for team in teams]
    assert _layout(tournament) == [
        (1, 1, t[0], None, "confirmed", t[0], (2, 1), "a"),
        (1, 2, t[1], t[2], "scheduled", None, (2, 1), "b"),
        (2, 1, t[0], None, "scheduled", None, None, ""),
    ]


def test_start_ignores_registrations_that_are_not_confirmed(organizer):
    tournament = factories.tournament(organizer=organizer, status="registration_closed")
    confirmed = [factories.team() for _ in range(2)]
    for team in confirmed:
        factories.confirmed_registration(tournament=tournament, team=team)
    pending = factories.confirmed_registration(tournament=tournament, team=factories.team())
    pending.status = "pending"
    pending.save()
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    match = Match.objects.get(tournament=tournament)
    assert (match.team_a_id, match.team_b_id) == (confirmed[0].pk, confirmed[1].pk)


def test_start_runs_a_constant_number_of_queries(organizer, django_assert_num_queries):
    for teams in (4, 16):
        tournament = factories.tournament(organizer=organizer)
        for _ in range(teams):
            factories.confirmed_registration(tournament=tournament, team=factories.team())
        # read, CAS update, registrations, their seeds, insert matches, link matches,
        # waitlist (empty here), the first round's read and its round.paired event,
        # audit (+ savepoint pair)
        with django_assert_num_queries(12):
            tournament_start(tournament_id=tournament.pk, actor=organizer)
        assert Match.objects.filter(tournament=tournament).count() == teams - 1


def test_start_refuses_an_unknown_tournament(organizer):
    with pytest.raises(NotFound) as caught:
        tournament_start(tournament_id=999_999, actor=organizer)
    assert caught.value.code == "tournament_not_found"


def test_start_refuses_anyone_but_the_organizer(organizer, captain):
    tournament = factories.tournament(organizer=organizer)
    for _ in range(2):
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    with pytest.raises(Forbidden) as caught:
        tournament_start(tournament_id=tournament.pk, actor=captain)
    assert caught.value.code == "not_organizer"
    tournament.refresh_from_db()
    assert tournament.status == "registration_open"
    assert not Match.objects.exists()


@pytest.mark.parametrize("status", ["draft", "live", "completed", "rewards_distributed", "cancelled"])
def test_start_refuses_a_tournament_not_in_registration(organizer, status):
    tournament = factories.tournament(organizer=organizer, status=status)
    for _ in range(2):
        factories.confirmed_registration(tournament=tournament, team=factories.team())
    with pytest.raises(Conflict) as caught:
        tournament_start(tournament_id=tournament.pk, actor=organizer)
    assert caught.value.code == "tournament_not_startable"
    tournament.refresh_from_db()
    assert tournament.status == status
    assert not Match.objects.exists()


def test_start_with_one_team_changes_nothing(organizer):
    tournament = factories.tournament(organizer=organizer)
    factories.confirmed_registration(tournament=tournament, team=factories.team())
    with pytest.raises(Conflict) as caught:
        tournament_start(tournament_id=tournament.pk, actor=organizer)
    assert caught.value.code == "not_enough_teams"
    tournament.refresh_from_db()
    assert tournament.status == "registration_open"
    assert not Match.objects.exists()


def test_start_rejects_and_refunds_the_waitlist(organizer):
    from economy import services as economy_services
    from economy.models import Wallet
    from economy.selectors import ledger_reconcile
    from tournaments.models import Registration, RosterEntry
    from tournaments.services import registration_create

    tournament = factories.tournament(organizer=organizer, max_teams=2, entry_fee=100)
    teams = [factories.team() for _ in range(3)]
    for team in teams:
        economy_services.wallet_credit(user=team.captain, amount=500, kind="grant", reference=f"t:{team.pk}")
        registration_create(user=team.captain, tournament_id=tournament.pk, team_id=team.pk)
    waitlisted = Registration.objects.get(team=teams[2])
    assert waitlisted.status == "waitlisted"

    tournament_start(tournament_id=tournament.pk, actor=organizer)

    waitlisted.refresh_from_db()
    assert waitlisted.status == "rejected"
    assert not RosterEntry.objects.filter(registration=waitlisted, active=True).exists()
    balances = {team.pk: Wallet.objects.get(user=team.captain).balance for team in teams}
    assert balances == {teams[0].pk: 400, teams[1].pk: 400, teams[2].pk: 500}
    tournament.refresh_from_db()
    assert Wallet.objects.get(pk=tournament.prize_pool_id).balance == 200  # the refund came out of the pool
    assert ledger_reconcile().clean
