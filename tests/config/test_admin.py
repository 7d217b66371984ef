import pytest
from django.contrib.messages import get_messages

from economy.models import Wallet
from tests import factories
from tournaments.models import Tournament

pytestmark = pytest.mark.django_db


@pytest.fixture
def organizer_browser(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def bracket(organizer):
    """A tournament with two confirmed teams and a match between them."""
    from tournaments.models import Match

    tournament = factories.tournament(organizer=organizer)
    teams = [factories.team() for _ in range(2)]
    for team in teams:
        factories.confirmed_registration(tournament=tournament, team=team)
    Match.objects.create(tournament=tournament, round=1, position=1, team_a=teams[0], team_b=teams[1])
    return tournament


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/tournaments/tournament/",
        "/admin/tournaments/registration/",
        "/admin/tournaments/match/",
        "/admin/tournaments/season/",
        "/admin/tournaments/playerskill/",
        "/admin/teams/team/",
        "/admin/economy/wallet/",
        "/admin/economy/ledgertransaction/",
    ],
)
def test_organizer_sees_every_changelist(organizer_browser, bracket, path):
    response = organizer_browser.get(path)

    assert response.status_code == 200


def test_changelists_list_the_rows(organizer_browser, bracket):
    registrations = organizer_browser.get("/admin/tournaments/registration/")
    matches = organizer_browser.get("/admin/tournaments/match/")

    assert registrations.context["cl"].result_count == 2
    assert matches.context["cl"].result_count == 1


def test_wallet_page_is_read_only_with_its_ledger(organizer_browser, captain):
    from economy.services import wallet_grant

    wallet_grant(user=captain, amount=500)
    wallet = Wallet.objects.get(user=captain)

    response = organizer_browser.get(f"/admin/economy/wallet/{wallet.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["has_add_permission"] is False
    ledger = response.context["inline_admin_formsets"][0]
    assert [form.original.amount for form in ledger] == [500]
    assert b'name="balance"' not in response.content


def test_admin_refuses_writes_on_money(organizer_browser, captain):
    wallet = Wallet.objects.get(user=captain)

    response = organizer_browser.post(f"/admin/economy/wallet/{wallet.pk}/change/", {"balance": "1000000"})

    assert response.status_code == 403
    wallet.refresh_from_db()
    assert wallet.balance == 0
    assert organizer_browser.get("/admin/economy/wallet/add/").status_code == 403


def test_open_registration_action_goes_through_the_service(organizer_browser, organizer):
    draft = factories.tournament(organizer=organizer, status="draft")
    live = factories.tournament(organizer=organizer, status="live")

    response = organizer_browser.post(
        "/admin/tournaments/tournament/",
        {"action": "open_registration", "_selected_action": [draft.pk, live.pk]},
        follow=True,
    )

    assert Tournament.objects.get(pk=draft.pk).status == "registration_open"
    assert Tournament.objects.get(pk=live.pk).status == "live"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Tournament {live.pk}: The tournament is not in status draft.",
        "Opened 1 tournament(s).",
    ]


def test_non_staff_user_cannot_enter_the_admin(client, captain):
    client.force_login(captain)

    response = client.get("/admin/tournaments/tournament/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
