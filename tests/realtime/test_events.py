"""Numbering, history and encoding of events (database mode, and Redis mode when configured)."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from realtime.events import MATCH_CONFIRMED, publish, publish_on_commit
from realtime.models import EventRecord, EventSequence
from realtime.selectors import event_history_list

pytestmark = pytest.mark.django_db(transaction=True)


def test_sequence_is_per_tournament_and_starts_at_one():
    seqs = [publish(tournament_id=tid, type=MATCH_CONFIRMED, data={}) for tid in (1, 2, 1, 1, 2)]

    assert seqs == [1, 1, 2, 3, 2]


def test_history_keeps_the_last_n_events_in_order(settings):
    settings.REALTIME_HISTORY_SIZE = 3
    for number in range(5):
        publish(tournament_id=4, type=MATCH_CONFIRMED, data={"n": number})

    history = event_history_list(tournament_id=4, since=0)

    assert [seq for seq, _ in history] == [3, 4, 5]
    assert [json.loads(text)["data"] for _, text in history] == [{"n": 2}, {"n": 3}, {"n": 4}]
    assert [seq for seq, _ in event_history_list(tournament_id=4, since=4)] == [5]


def test_envelope_is_encoded_once_with_the_seq_in_place():
    publish(tournament_id=5, type=MATCH_CONFIRMED, data={"match_id": 3, "score_a": 2, "score_b": 1})

    [(seq, text)] = event_history_list(tournament_id=5, since=0)
    event = json.loads(text)

    assert seq == 1
    assert list(event) == ["type", "tournament_id", "seq", "ts", "data"]
    assert (event["type"], event["tournament_id"], event["seq"]) == (MATCH_CONFIRMED, 5, 1)
    assert event["data"] == {"match_id": 3, "score_a": 2, "score_b": 1}
    assert isinstance(event["ts"], float)


def _publish_then_fail() -> None:
    with transaction.atomic():
        publish_on_commit(tournament_id=6, type=MATCH_CONFIRMED, data={})
        raise RuntimeError("roll back")


def test_rolled_back_transaction_stores_and_numbers_nothing():
    with pytest.raises(RuntimeError):
        _publish_then_fail()

    assert event_history_list(tournament_id=6, since=0) == []
    assert EventRecord.objects.count() == 0
    assert EventSequence.objects.count() == 0


def test_database_publish_costs_three_statements(settings):
    if settings.REDIS_URL:
        pytest.skip("Redis mode: numbering and history live in Redis (one EVALSHA, no SQL)")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    publish(tournament_id=8, type=MATCH_CONFIRMED, data={})

    with CaptureQueriesContext(connection) as captured:
        publish(tournament_id=8, type=MATCH_CONFIRMED, data={})

    # Upsert of the counter, insert of the record, trim of the history; plus the
    # transaction's own BEGIN/COMMIT where the backend logs them.
    statements = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    assert [s for s in statements if s not in {"BEGIN", "COMMIT"}] == ["INSERT", "INSERT", "DELETE"]


def test_redis_publish_touches_no_database(settings, django_assert_num_queries):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    with django_assert_num_queries(0):
        publish(tournament_id=9, type=MATCH_CONFIRMED, data={})
