"""Who may open ``ws/tournaments/{id}/``: single-use tickets, no API token in production URLs,
and the tournament's visibility (public once open, participants only, drafts for who runs them)."""

from __future__ import annotations

import threading
import time

import pytest
from channels.db import database_sync_to_async
from rest_framework.test import APIClient

from realtime.consumers import CLOSE_NOT_ALLOWED, CLOSE_UNAUTHENTICATED, CLOSE_UNKNOWN_TOURNAMENT
from realtime.tickets import ticket_issue, ticket_redeem
from tests import factories
from tests.realtime.helpers import communicator, stream_path

pytestmark = pytest.mark.django_db(transaction=True)


async def _outcome(path: str) -> int | str:
    """ "open" when the socket is accepted and stays open, else its close code."""
    connection = communicator(path)
    connected, _ = await connection.connect()
    assert connected is True
    if await connection.receive_nothing(timeout=0.2):
        await connection.disconnect()
        return "open"
    output = await connection.receive_output(timeout=3)
    assert output["type"] == "websocket.close"
    return output["code"]


def _ticket_path(tournament_id: int, user) -> str:
    return f"/ws/tournaments/{tournament_id}/?ticket={ticket_issue(user=user)}"


async def test_ticket_from_the_api_opens_the_socket_once(live_tournament, listener_user, listener_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {listener_token}")
    response = await database_sync_to_async(client.post)("/api/realtime/tickets/")
    assert response.status_code == 201
    assert response.json()["expires_in"] == 30
    path = f"/ws/tournaments/{live_tournament.id}/?ticket={response.json()['ticket']}"

    assert await _outcome(path) == "open"
    assert await _outcome(path) == CLOSE_UNAUTHENTICATED  # used once already


async def test_ticket_needs_authentication(live_tournament):
    response = await database_sync_to_async(APIClient().post)("/api/realtime/tickets/")
    assert response.status_code == 401


async def test_unknown_ticket_is_refused(live_tournament):
    assert await _outcome(f"/ws/tournaments/{live_tournament.id}/?ticket=forged") == CLOSE_UNAUTHENTICATED


def test_an_expired_ticket_is_refused(settings, listener_user):
    settings.REALTIME_TICKET_TTL_SECONDS = 1
    ticket = ticket_issue(user=listener_user)
    time.sleep(1.1)  # the cache's own expiry: nothing to fake

    assert ticket_redeem(ticket=ticket).is_authenticated is False


async def test_api_token_in_the_url_is_refused_when_url_tokens_are_off(settings, live_tournament, listener_token):
    settings.REALTIME_URL_TOKENS = False  # production's default
    assert await _outcome(stream_path(live_tournament.id, token=listener_token)) == CLOSE_UNAUTHENTICATED


def test_concurrent_redemptions_of_one_ticket_let_exactly_one_in(listener_user):
    ticket = ticket_issue(user=listener_user)
    barrier = threading.Barrier(8)
    users = []

    def redeem() -> None:
        barrier.wait()
        users.append(ticket_redeem(ticket=ticket))

    threads = [threading.Thread(target=redeem) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(user.is_authenticated for user in users) == [False] * 7 + [True]


# --- visibility -------------------------------------------------------------------------------


@pytest.fixture
def organizer_user(transactional_db):
    return factories.user(username="watch-organizer", is_staff=True)


async def test_draft_is_watched_only_by_who_runs_it(organizer_user, listener_user):
    draft = await database_sync_to_async(factories.tournament)(organizer=organizer_user, status="draft")

    assert await _outcome(_ticket_path(draft.id, listener_user)) == CLOSE_UNKNOWN_TOURNAMENT
    assert await _outcome(_ticket_path(draft.id, organizer_user)) == "open"


async def test_open_public_tournament_is_watched_by_anyone_signed_in(organizer_user, listener_user):
    public = await database_sync_to_async(factories.tournament)(organizer=organizer_user)
    assert await _outcome(_ticket_path(public.id, listener_user)) == "open"


def _participants_only_with_a_player(organizer):
    tournament = factories.tournament(organizer=organizer, visibility="participants")
    team = factories.team(size=2)
    factories.confirmed_registration(tournament=tournament, team=team)
    return tournament, team.memberships.exclude(user_id=team.captain_id).get().user


async def test_participants_only_tournament_refuses_outsiders(organizer_user, listener_user):
    tournament, player = await database_sync_to_async(_participants_only_with_a_player)(organizer_user)

    assert await _outcome(_ticket_path(tournament.id, listener_user)) == CLOSE_NOT_ALLOWED
    assert await _outcome(_ticket_path(tournament.id, player)) == "open"
    assert await _outcome(_ticket_path(tournament.id, organizer_user)) == "open"


def test_watch_check_costs_one_query(organizer_user, listener_user, django_assert_num_queries):
    from tournaments.policies import tournament_watch_check

    tournament = factories.tournament(organizer=organizer_user, visibility="participants")
    with django_assert_num_queries(1):
        assert tournament_watch_check(actor=listener_user, tournament_id=tournament.pk) == "not_participant"
