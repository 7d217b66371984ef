"""``ws/tournaments/{id}/`` through Channels' WebsocketCommunicator: auth, refusals, order, resync."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client

from realtime import events
from realtime.consumers import (
    CLOSE_INVALID_SINCE,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHENTICATED,
    CLOSE_UNKNOWN_TOURNAMENT,
)
from realtime.events import REGISTRATION_CREATED, publish, publish_on_commit
from realtime.hub import Listener
from realtime.selectors import event_history_list
from realtime.services import event_history_prune
from tests import factories
from tests.realtime.helpers import communicator, receive_events, stream_path

pytestmark = pytest.mark.django_db(transaction=True)

publish_async = database_sync_to_async(publish)


async def _refusal_code(path: str, **kwargs) -> int:
    connection = communicator(path, **kwargs)
    connected, _ = await connection.connect()
    assert connected is True  # refusals accept, then close with a readable code
    output = await connection.receive_output(timeout=3)
    await connection.wait()
    assert output["type"] == "websocket.close"
    return output["code"]


async def test_token_listener_receives_the_envelope(live_tournament, listener_token):
    connection = communicator(stream_path(live_tournament.id, token=listener_token))
    assert (await connection.connect())[0] is True

    seq = await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={"team_id": 9})

    event = json.loads(await connection.receive_from(timeout=3))
    assert seq == 1
    assert list(event) == ["type", "tournament_id", "seq", "ts", "data"]
    assert (event["type"], event["tournament_id"], event["seq"], event["data"]) == (
        REGISTRATION_CREATED,
        live_tournament.id,
        1,
        {"team_id": 9},
    )
    await connection.disconnect()


async def test_session_cookie_authenticates(live_tournament, listener_user):
    browser = Client()
    await database_sync_to_async(browser.force_login)(listener_user)
    cookie = f"sessionid={browser.cookies['sessionid'].value}".encode()
    connection = communicator(stream_path(live_tournament.id), headers=[(b"cookie", cookie)])
    assert (await connection.connect())[0] is True

    await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})

    assert [event["seq"] for event in await receive_events(connection, 1)] == [1]
    await connection.disconnect()


async def test_anonymous_listener_is_closed_with_4401(live_tournament):
    assert await _refusal_code(stream_path(live_tournament.id)) == CLOSE_UNAUTHENTICATED


async def test_unknown_token_is_closed_with_4401(live_tournament):
    assert await _refusal_code(stream_path(live_tournament.id, token="not-a-token")) == CLOSE_UNAUTHENTICATED


async def test_unknown_tournament_is_closed_with_4404(live_tournament, listener_token):
    path = stream_path(live_tournament.id + 1000, token=listener_token)
    assert await _refusal_code(path) == CLOSE_UNKNOWN_TOURNAMENT


@pytest.mark.parametrize("since", ["-1", "abc", "1.5", ""])
async def test_invalid_since_is_closed_with_4400(live_tournament, listener_token, since):
    path = stream_path(live_tournament.id, token=listener_token, since=since)
    assert await _refusal_code(path) == CLOSE_INVALID_SINCE


@pytest.mark.parametrize("origin", [b"https://evil.example", None])
async def test_foreign_or_missing_origin_is_refused_at_the_handshake(live_tournament, listener_token, origin):
    connection = communicator(stream_path(live_tournament.id, token=listener_token), origin=origin)
    connected, _ = await connection.connect()
    assert connected is False


async def test_events_arrive_in_sequence_order(live_tournament, listener_token):
    first = communicator(stream_path(live_tournament.id, token=listener_token))
    second = communicator(stream_path(live_tournament.id, token=listener_token))
    assert (await first.connect())[0] is True
    assert (await second.connect())[0] is True

    for number in range(20):
        await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={"n": number})

    for connection in (first, second):
        events = await receive_events(connection, 20)
        assert [(event["seq"], event["data"]["n"]) for event in events] == [(n + 1, n) for n in range(20)]
        assert await connection.receive_nothing(timeout=0.05) is True
        await connection.disconnect()


async def test_since_replays_missed_events_then_continues_live(live_tournament, listener_token):
    for number in range(3):
        await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={"n": number})
    connection = communicator(stream_path(live_tournament.id, token=listener_token, since=1))
    assert (await connection.connect())[0] is True

    await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={"n": 3})

    assert [event["seq"] for event in await receive_events(connection, 3)] == [2, 3, 4]
    assert await connection.receive_nothing(timeout=0.05) is True
    await connection.disconnect()


async def test_since_zero_replays_the_whole_stream_after_a_recovered_sync(live_tournament, listener_token):
    for number in range(2):
        await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={"n": number})
    connection = communicator(stream_path(live_tournament.id, token=listener_token, since=0))
    assert (await connection.connect())[0] is True

    assert connection.sync is not None
    epoch = connection.sync.pop("epoch")
    assert len(epoch) == 16
    assert connection.sync == {"type": "stream.sync", "tournament_id": live_tournament.id, "seq": 0, "recovered": True}
    assert [event["seq"] for event in await receive_events(connection, 2)] == [1, 2]
    assert await connection.receive_nothing(timeout=0.05) is True
    await connection.disconnect()


async def _sync_of(path: str) -> tuple[dict, list[int]]:
    """The sync frame of a connection, and the seqs that follow it at once."""
    connection = communicator(path)
    assert (await connection.connect())[0] is True
    seqs = []
    while not await connection.receive_nothing(timeout=0.05):
        seqs.append(json.loads(await connection.receive_from())["seq"])
    await connection.disconnect()
    assert connection.sync is not None
    return connection.sync, seqs


async def test_resuming_past_the_retained_history_is_told_it_cannot_recover(live_tournament, listener_token):
    for _ in range(4):
        await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})
    await database_sync_to_async(event_history_prune)(keep=2)  # seqs 1 and 2 are gone

    sync, seqs = await _sync_of(stream_path(live_tournament.id, token=listener_token, since=1))

    # Not "3, 4" as if nothing were missing: a plain no, then the live stream after the head.
    assert (sync["recovered"], sync["seq"], seqs) == (False, 4, [])
    sync, seqs = await _sync_of(stream_path(live_tournament.id, token=listener_token, since=2))
    assert (sync["recovered"], sync["seq"], seqs) == (True, 2, [3, 4])


async def test_resuming_another_epoch_or_a_seq_never_reached_cannot_recover(live_tournament, listener_token):
    for _ in range(2):
        await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})
    base = stream_path(live_tournament.id, token=listener_token, since=1)
    current, _ = await _sync_of(base)

    other_epoch, seqs = await _sync_of(f"{base}&epoch=0123456789abcdef")
    same_epoch, same_seqs = await _sync_of(f"{base}&epoch={current['epoch']}")
    ahead, ahead_seqs = await _sync_of(stream_path(live_tournament.id, token=listener_token, since=9))

    assert (other_epoch["recovered"], other_epoch["seq"], seqs) == (False, 2, [])
    assert (same_epoch["recovered"], same_seqs) == (True, [2])
    assert (ahead["recovered"], ahead["seq"], ahead_seqs) == (False, 2, [])


async def test_without_since_the_sync_gives_the_head_and_only_later_events_follow(live_tournament, listener_token):
    await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})
    connection = communicator(stream_path(live_tournament.id, token=listener_token))
    assert (await connection.connect())[0] is True

    await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})

    assert (connection.sync["recovered"], connection.sync["seq"]) == (False, 1)
    assert [event["seq"] for event in await receive_events(connection, 1)] == [2]
    await connection.disconnect()


def _publish_then_fail(tournament_id: int) -> None:
    with transaction.atomic():
        publish_on_commit(tournament_id=tournament_id, type=REGISTRATION_CREATED, data={"n": "rolled back"})
        raise RuntimeError("roll back")


def _publish_in_rolled_back_transaction(tournament_id: int) -> None:
    with pytest.raises(RuntimeError):
        _publish_then_fail(tournament_id)


def _publish_in_committed_transaction(tournament_id: int) -> None:
    with transaction.atomic():
        publish_on_commit(tournament_id=tournament_id, type=REGISTRATION_CREATED, data={"n": "committed"})


async def test_rolled_back_transaction_publishes_nothing(live_tournament, listener_token):
    connection = communicator(stream_path(live_tournament.id, token=listener_token))
    assert (await connection.connect())[0] is True

    await database_sync_to_async(_publish_in_rolled_back_transaction)(live_tournament.id)
    await database_sync_to_async(_publish_in_committed_transaction)(live_tournament.id)

    # The rolled-back event consumed no number: the committed one is seq 1.
    events = await receive_events(connection, 1)
    assert [(event["seq"], event["data"]) for event in events] == [(1, {"n": "committed"})]
    assert await connection.receive_nothing(timeout=0.05) is True
    await connection.disconnect()


def _publish_and_observe_before_commit(tournament_id: int, observe) -> None:
    with transaction.atomic():
        publish_on_commit(tournament_id=tournament_id, type=REGISTRATION_CREATED, data={})
        observe()


async def test_publish_on_commit_sends_only_after_the_commit(live_tournament, listener_token, monkeypatch):
    connection = communicator(stream_path(live_tournament.id, token=listener_token))
    assert (await connection.connect())[0] is True
    delivered: list[int] = []
    deliver = events.deliver

    def record(**event) -> None:
        delivered.append(event["seq"])
        deliver(**event)

    monkeypatch.setattr(events, "deliver", record)
    seen_before_commit = []

    def observe():
        # Written in the transaction (this connection sees its own row), not yet delivered.
        seen_before_commit.append((event_history_list(tournament_id=live_tournament.id, since=0)[0][0], delivered[:]))

    await database_sync_to_async(_publish_and_observe_before_commit)(live_tournament.id, observe)

    assert seen_before_commit == [(1, [])]
    assert delivered == [1]
    assert [event["seq"] for event in await receive_events(connection, 1)] == [1]
    await connection.disconnect()


async def test_listeners_of_another_tournament_receive_nothing(live_tournament, listener_token):
    other = await database_sync_to_async(factories.tournament)()
    connection = communicator(stream_path(other.id, token=listener_token))
    assert (await connection.connect())[0] is True

    await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})

    assert await connection.receive_nothing(timeout=0.1) is True
    await connection.disconnect()


async def test_a_listener_that_cannot_keep_up_is_closed_with_4408(
    live_tournament, listener_token, settings, monkeypatch
):
    settings.REALTIME_QUEUE_SIZE = 2
    stalled = asyncio.Event()

    async def stalled_pump(self, send):
        await stalled.wait()  # a socket whose client stopped reading

    monkeypatch.setattr(Listener, "pump", stalled_pump)
    connection = communicator(stream_path(live_tournament.id, token=listener_token))
    assert (await connection.connect())[0] is True

    for _ in range(3):
        await publish_async(tournament_id=live_tournament.id, type=REGISTRATION_CREATED, data={})

    output = await connection.receive_output(timeout=3)
    assert (output["type"], output["code"]) == ("websocket.close", CLOSE_TOO_SLOW)
    await connection.disconnect()
