from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from economy.models import LedgerEntry, Wallet
from teams.models import Membership, Team
from tournaments.models import Registration, Tournament

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "users": get_user_model().objects.count(),
        "teams": Team.objects.count(),
        "memberships": Membership.objects.count(),
        "tournaments": Tournament.objects.count(),
        "registrations": Registration.objects.count(),
        "ledger": LedgerEntry.objects.count(),
    }


def test_seed_demo_builds_an_open_tournament_with_funded_players():
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert _counts() == {
        "users": 9,
        "teams": 4,
        "memberships": 8,
        "tournaments": 1,
        "registrations": 2,
        "ledger": 2 * 9 + 2 * 2,  # a grant per user, an entry fee per registered team
    }
    tournament = Tournament.objects.get()
    assert tournament.status == "registration_open"
    assert Wallet.objects.get(user__username="carol").balance == 10_000
    assert Wallet.objects.get(user__username="alice").balance == 10_000 - 100
    assert "/api/tournaments/register/" in out.getvalue()
    assert f"ws://127.0.0.1:8000/ws/tournaments/{tournament.pk}/" in out.getvalue()


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    before = _counts()

    call_command("seed_demo", stdout=StringIO())

    assert _counts() == before


def test_seed_demo_tokens_work(client):
    call_command("seed_demo", stdout=StringIO())

    response = client.get("/api/auth/me/", HTTP_AUTHORIZATION="Token " + "demo-carol".ljust(40, "0"))

    assert response.status_code == 200
    assert response.json()["username"] == "carol"
