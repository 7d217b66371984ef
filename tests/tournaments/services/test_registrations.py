from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import status_for
from core.errors import DomainError
from economy.models import LedgerTransaction, Wallet
from economy.services import wallet_grant
from tests import factories
from tests.realtime.capture import capture_delivered
from tournaments.models import Registration, RosterEntry
from tournaments.services import registration_create, registration_withdraw

pytestmark = pytest.mark.django_db


def _refused(code, **kwargs):
    with pytest.raises(DomainError) as caught:
        registration_create(**kwargs)
    assert caught.value.code == code
    return caught.value


def _nothing_written():
    assert Registration.objects.count() == 0
    assert RosterEntry.objects.count() == 0
    assert LedgerTransaction.objects.count() == 0


def test_free_slot_confirms_and_snapshots_roster(tournament, team, captain, member):
    outcome = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk)
    registration = outcome.registration

    assert registration.status == "confirmed"
    assert outcome.waitlist_position is None
    assert sorted(outcome.roster_user_ids) == sorted([captain.pk, member.pk])
    assert registration.registered_by_id == captain.pk
    assert sorted(RosterEntry.objects.values_list("user_id", flat=True)) == sorted([captain.pk, member.pk])
    assert set(RosterEntry.objects.values_list("registration_id", "tournament_id", "active")) == {
        (registration.pk, tournament.pk, True)
    }


def test_register_query_count_without_fee(tournament, team, captain, django_assert_num_queries):
    # roster, lock, counts, registration insert, roster insert, the event (one INSERT that
    # numbers it, no statement after commit): 6, plus the SAVEPOINT/RELEASE pair the test's
    # own transaction turns our outer atomic into.
    with django_assert_num_queries(8):
        registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk)


def test_register_query_count_with_fee(organizer, team, captain, django_assert_num_queries):
    tournament = factories.tournament(organizer=organizer, max_teams=3, team_size=2, entry_fee=100)
    first = factories.team(size=2)
    wallet_grant(user=first.captain, amount=100)
    wallet_grant(user=captain, amount=100)
    # The first paid registration also makes the tournament's prize pool (INSERT, UPDATE).
    with django_assert_num_queries(16):
        registration_create(user=first.captain, tournament_id=tournament.pk, team_id=first.pk)
    # the 8 above + the economy's debit (savepoint, ledger row, wallet, pool, legs, release):
    # the same count as when the fee went to the treasury.
    with django_assert_num_queries(14):
        registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk)


def test_full_tournament_waitlists_in_fifo_order(tournament, team, captain):
    for _ in range(2):
        factories.confirmed_registration(tournament=tournament, team=factories.team(size=2))
    first = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk)
    other = factories.team(size=2)
    second = registration_create(user=other.captain, tournament_id=tournament.pk, team_id=other.pk)

    assert (first.registration.status, first.waitlist_position) == ("waitlisted", 1)
    assert (second.registration.status, second.waitlist_position) == ("waitlisted", 2)
    assert Registration.objects.filter(tournament=tournament, status="confirmed").count() == 2


def test_only_the_captain_may_register(tournament, team, member):
    error = _refused("not_team_captain", user=member, tournament_id=tournament.pk, team_id=team.pk)
    assert status_for(error) == 403
    _nothing_written()


def test_team_smaller_than_team_size_is_refused(organizer, team, captain):
    tournament = factories.tournament(organizer=organizer, team_size=3)
    error = _refused("team_too_small", user=captain, tournament_id=tournament.pk, team_id=team.pk)
    assert status_for(error) == 422
    _nothing_written()


@pytest.mark.parametrize("status", ["draft", "registration_closed", "live", "completed", "cancelled"])
def test_registration_not_open_is_refused(organizer, team, captain, status):
    tournament = factories.tournament(organizer=organizer, status=status, team_size=2)
    error = _refused("registration_closed", user=captain, tournament_id=tournament.pk, team_id=team.pk)
    assert status_for(error) == 409
    _nothing_written()


@pytest.mark.parametrize(
    ("opens", "closes"), [(timedelta(hours=1), timedelta(hours=2)), (timedelta(hours=-2), timedelta(hours=-1))]
)
def test_registration_outside_its_window_is_refused(organizer, team, captain, opens, closes):
    now = timezone.now()
    tournament = factories.tournament(
        organizer=organizer, team_size=2, registration_opens_at=now + opens, registration_closes_at=now + closes
    )
    _refused("registration_closed", user=captain, tournament_id=tournament.pk, team_id=team.pk)
    _nothing_written()


def test_registration_inside_its_window_is_accepted(organizer, team, captain):
    now = timezone.now()
    tournament = factories.tournament(
        organizer=organizer,
        team_size=2,
        registration_opens_at=now - timedelta(hours=1),
        registration_closes_at=now + timedelta(hours=1),
    )
    outcome = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk)
    assert outcome.registration.status == "confirmed"


def test_team_registers_once(tournament, team, captain):
    first = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    error = _refused("team_already_registered", user=captain, tournament_id=tournament.pk, team_id=team.pk)
    assert status_for(error) == 409
    assert list(Registration.objects.values_list("pk", flat=True)) == [first.pk]
    assert RosterEntry.objects.count() == 2


def test_player_in_another_registered_team_is_refused(tournament, team, captain, member):
    rival = factories.team(size=1)
    rival.memberships.create(user=member, role="member")
    factories.confirmed_registration(tournament=tournament, team=rival)

    error = _refused("player_already_registered", user=captain, tournament_id=tournament.pk, team_id=team.pk)
    assert status_for(error) == 409
    assert list(Registration.objects.values_list("team_id", flat=True)) == [rival.pk]
    assert RosterEntry.objects.count() == 2


def test_unknown_team_and_tournament_are_not_found(tournament, team, captain):
    _refused("team_not_found", user=captain, tournament_id=tournament.pk, team_id=team.pk + 1000)
    _refused("tournament_not_found", user=captain, tournament_id=tournament.pk + 1000, team_id=team.pk)
    _nothing_written()


def test_entry_fee_is_debited_from_the_captain(organizer, team, captain):
    tournament = factories.tournament(organizer=organizer, team_size=2, entry_fee=250)
    wallet_grant(user=captain, amount=300)

    registration = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration

    assert Wallet.objects.get(user=captain).balance == 50
    fee = LedgerTransaction.objects.get(reference=f"entry_fee:registration:{registration.pk}")
    assert fee.kind == "entry_fee"
    assert sorted(fee.entries.values_list("amount", flat=True)) == [-250, 250]


def test_entry_fee_goes_to_the_tournaments_prize_pool_not_the_treasury(organizer, team, captain):
    """Issue 17, finding 9: every fee went to the one treasury row, the platform's hot lock."""
    tournament = factories.tournament(organizer=organizer, team_size=2, entry_fee=250)
    wallet_grant(user=captain, amount=300)
    treasury_before = Wallet.objects.get(is_treasury=True).balance

    registration = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration

    tournament.refresh_from_db()
    pool = Wallet.objects.get(pk=tournament.prize_pool_id)
    assert (pool.is_pool, pool.user_id, pool.balance) == (True, None, 250)
    assert Wallet.objects.get(is_treasury=True).balance == treasury_before
    fee = LedgerTransaction.objects.get(reference=f"entry_fee:registration:{registration.pk}")
    assert sorted(fee.entries.values_list("wallet_id", "amount")) == sorted(
        [(Wallet.objects.get(user=captain).pk, -250), (pool.pk, 250)]
    )


def test_free_tournament_has_no_prize_pool(tournament, team, captain):
    registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk)
    tournament.refresh_from_db()
    assert tournament.prize_pool_id is None
    assert not Wallet.objects.filter(is_pool=True).exists()


def test_insufficient_funds_writes_nothing(organizer, team, captain):
    tournament = factories.tournament(organizer=organizer, team_size=2, entry_fee=250)
    wallet_grant(user=captain, amount=249)
    grants = LedgerTransaction.objects.count()

    error = _refused("insufficient_funds", user=captain, tournament_id=tournament.pk, team_id=team.pk)

    assert status_for(error) == 422
    assert Registration.objects.count() == 0
    assert RosterEntry.objects.count() == 0
    assert LedgerTransaction.objects.count() == grants
    assert Wallet.objects.get(user=captain).balance == 249


def test_register_publishes_after_commit(tournament, team, captain, django_capture_on_commit_callbacks, monkeypatch):
    published = capture_delivered(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk)
    created = [event for event in published if event["type"] == "registration.created"]
    assert created == [
        {
            "tournament_id": tournament.pk,
            "type": "registration.created",
            "data": {"team_id": team.pk, "status": "confirmed"},
        }
    ]


# --- withdraw ------------------------------------------------------------------------------


def test_withdraw_frees_the_slot_and_promotes_the_head_of_the_waitlist(
    tournament, team, captain, member, django_capture_on_commit_callbacks, monkeypatch
):
    published = capture_delivered(monkeypatch)
    confirmed = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    factories.confirmed_registration(tournament=tournament, team=factories.team(size=2))
    head, tail = factories.team(size=2), factories.team(size=2)
    head_registration = registration_create(
        user=head.captain, tournament_id=tournament.pk, team_id=head.pk
    ).registration
    tail_registration = registration_create(
        user=tail.captain, tournament_id=tournament.pk, team_id=tail.pk
    ).registration

    with django_capture_on_commit_callbacks(execute=True):
        withdrawn = registration_withdraw(user=captain, registration_id=confirmed.pk)

    assert (withdrawn.registration.status, withdrawn.promoted_registration_id) == ("withdrawn", head_registration.pk)
    # The team that takes the place, for watchers and for its players' email (docs/security.md).
    assert [e["data"] for e in published if e["type"] == "registration.withdrawn"] == [
        {"team_id": team.pk, "promoted_team_id": head.pk}
    ]
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses[confirmed.pk] == "withdrawn"
    assert statuses[head_registration.pk] == "confirmed"
    assert statuses[tail_registration.pk] == "waitlisted"
    # The withdrawn roster no longer holds its players: they may join another team's entry.
    assert not RosterEntry.objects.filter(registration=confirmed, active=True).exists()


def test_withdrawn_team_may_register_again(tournament, team, captain):
    first = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    registration_withdraw(user=captain, registration_id=first.pk)
    again = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    assert again.status == "confirmed"


def test_withdrawing_a_waitlisted_registration_promotes_nobody(tournament, team, captain):
    for _ in range(2):
        factories.confirmed_registration(tournament=tournament, team=factories.team(size=2))
    waitlisted = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    assert registration_withdraw(user=captain, registration_id=waitlisted.pk).promoted_registration_id is None
    assert Registration.objects.filter(status="confirmed").count() == 2


def test_withdraw_refunds_the_entry_fee(organizer, team, captain):
    tournament = factories.tournament(organizer=organizer, team_size=2, entry_fee=250)
    wallet_grant(user=captain, amount=250)
    registration = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration

    registration_withdraw(user=captain, registration_id=registration.pk)

    assert Wallet.objects.get(user=captain).balance == 250
    refund = LedgerTransaction.objects.get(reference=f"refund:registration:{registration.pk}")
    assert refund.kind == "refund"
    tournament.refresh_from_db()
    assert Wallet.objects.get(pk=tournament.prize_pool_id).balance == 0  # the refund came from the pool
    assert refund.entries.get(amount=-250).wallet_id == tournament.prize_pool_id


def test_withdraw_twice_is_refused_and_refunds_once(organizer, team, captain):
    tournament = factories.tournament(organizer=organizer, team_size=2, entry_fee=250)
    wallet_grant(user=captain, amount=250)
    registration = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    registration_withdraw(user=captain, registration_id=registration.pk)

    with pytest.raises(DomainError) as caught:
        registration_withdraw(user=captain, registration_id=registration.pk)

    assert (caught.value.code, status_for(caught.value)) == ("registration_not_active", 409)
    assert Wallet.objects.get(user=captain).balance == 250
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1


def test_only_the_captain_may_withdraw(tournament, team, captain, member):
    registration = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    with pytest.raises(DomainError) as caught:
        registration_withdraw(user=member, registration_id=registration.pk)
    assert (caught.value.code, status_for(caught.value)) == ("not_team_captain", 403)
    assert Registration.objects.get().status == "confirmed"


def test_withdraw_after_the_tournament_started_is_refused(tournament, team, captain):
    registration = registration_create(user=captain, tournament_id=tournament.pk, team_id=team.pk).registration
    type(tournament).objects.filter(pk=tournament.pk).update(status="live")
    with pytest.raises(DomainError) as caught:
        registration_withdraw(user=captain, registration_id=registration.pk)
    assert (caught.value.code, status_for(caught.value)) == ("withdrawal_closed", 409)
    assert Registration.objects.get().status == "confirmed"


def test_withdraw_unknown_registration_is_not_found(captain):
    with pytest.raises(DomainError) as caught:
        registration_withdraw(user=captain, registration_id=10**6)
    assert (caught.value.code, status_for(caught.value)) == ("registration_not_found", 404)
