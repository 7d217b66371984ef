"""Cancellation racing registrations: PostgreSQL, committed data, one connection per thread.

Every registration either commits before the cancellation (and its fee comes back in
it) or finds the tournament cancelled (409, no fee taken). Money is conserved.
"""

from collections import Counter

import pytest

from economy.models import LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import wallet_grant
from tests import factories
from tests.concurrency.threads import run_together
from tournaments.models import Registration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FEE = 100
TEAMS = 12


def test_cancellation_racing_registrations_refunds_every_fee_exactly_once():
    organizer = factories.user(is_staff=True)
    tournament = factories.tournament(organizer=organizer, max_teams=8, entry_fee=FEE)
    teams = [factories.team() for _ in range(TEAMS)]
    for team in teams:
        wallet_grant(user=team.captain, amount=500)

    def register(team):
        return factories.client_for(team.captain).post(
            "/api/tournaments/register/", {"tournament_id": tournament.pk, "team_id": team.pk}, format="json"
        )

    def cancel():
        return factories.client_for(organizer).post(
            f"/api/tournaments/{tournament.pk}/cancel/", {"reason": "race"}, format="json"
        )

    jobs = [lambda team=team: register(team) for team in teams[: TEAMS // 2]]
    jobs.append(cancel)
    jobs += [lambda team=team: register(team) for team in teams[TEAMS // 2 :]]
    responses = run_together(jobs)

    cancelled = responses[TEAMS // 2]
    assert cancelled.status_code == 200
    registered = [response for response in responses if response is not cancelled and response.status_code == 201]
    refused = [response for response in responses if response is not cancelled and response.status_code == 409]
    assert len(registered) + len(refused) == TEAMS
    assert {response.json()["code"] for response in refused} <= {"registration_closed"}
    assert cancelled.json()["refunded_registrations"] == len(registered)
    assert Registration.objects.filter(tournament=tournament).count() == len(registered)
    # Every captain holds what they started with; every fee taken came back exactly once.
    assert Counter(Wallet.objects.filter(user__in=[t.captain for t in teams]).values_list("balance", flat=True)) == {
        500: TEAMS
    }
    fees = LedgerTransaction.objects.filter(kind="entry_fee").count()
    assert LedgerTransaction.objects.filter(kind="refund").count() == fees == len(registered)
    tournament.refresh_from_db()
    if tournament.prize_pool_id is not None:  # none when the cancellation came first
        assert Wallet.objects.get(pk=tournament.prize_pool_id).balance == 0
    assert ledger_reconcile().clean
