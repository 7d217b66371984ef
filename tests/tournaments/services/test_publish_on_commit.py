"""A rolled-back submission publishes nothing; a committed one reaches a real listener.

The listener is a WebSocket client of ``ws/tournaments/{id}/`` (in-memory/local mode by
default, Redis when REDIS_URL is set): the strongest "nothing reached the group".
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from rest_framework.authtoken.models import Token

from tests.realtime.helpers import communicator, stream_path
from tests.tournaments.builders import match_at, started_tournament
from tournaments.models import Match, ResultReport
from tournaments.services.matches import match_result_submit

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def _world(organizer):
    tournament, _ = started_tournament(organizer=organizer, teams=4)
    semi = match_at(tournament, 1, 1)
    match_result_submit(match_id=semi.pk, actor=semi.team_a.captain, score_a=3, score_b=1)
    return tournament, semi, Token.objects.get_or_create(user=organizer)[0].key


def _second_report_rolled_back(semi, scores) -> None:
    def submit_then_fail() -> None:
        with transaction.atomic():
            match_result_submit(match_id=semi.pk, actor=semi.team_b.captain, score_a=scores[0], score_b=scores[1])
            raise Boom  # a later step of the same request failing after the service returned

    with pytest.raises(Boom):
        submit_then_fail()


def _second_report_committed(semi, scores) -> None:
    match_result_submit(match_id=semi.pk, actor=semi.team_b.captain, score_a=scores[0], score_b=scores[1])


def _state(semi):
    match = Match.objects.get(pk=semi.pk)
    return match.status, ResultReport.objects.filter(match=semi).count()


@pytest.mark.parametrize(("scores", "event"), [((3, 1), "match.confirmed"), ((1, 3), "match.disputed")])
async def test_a_rolled_back_submission_publishes_nothing(organizer, scores, event):
    tournament, semi, token = await database_sync_to_async(_world)(organizer)
    connection = communicator(stream_path(tournament.pk, token=token))
    assert (await connection.connect())[0] is True

    await database_sync_to_async(_second_report_rolled_back)(semi, scores)
    assert await connection.receive_nothing(timeout=0.3) is True
    assert await database_sync_to_async(_state)(semi) == ("awaiting_confirmation", 1)

    # The same submission committed does arrive: the silence above is the rollback's doing.
    await database_sync_to_async(_second_report_committed)(semi, scores)
    received = json.loads(await connection.receive_from(timeout=3))
    assert (received["type"], received["data"]["match_id"], received["data"]["status"]) == (
        event,
        semi.pk,
        event.split(".")[1],
    )
    assert await connection.receive_nothing(timeout=0.05) is True
    await connection.disconnect()
