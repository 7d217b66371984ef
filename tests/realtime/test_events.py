"""Writing events into the outbox, their numbering and encoding, and delivery that never fails a write."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from realtime import channels, events
from realtime.events import MATCH_CONFIRMED, publish, publish_on_commit
from realtime.models import EventRecord, EventSequence
from realtime.selectors import event_history_list
from realtime.services import event_history_prune

pytestmark = pytest.mark.django_db(transaction=True)


def test_sequence_is_per_tournament_and_starts_at_one():
    seqs = [publish(tournament_id=tid, type=MATCH_CONFIRMED, data={}) for tid in (1, 2, 1, 1, 2)]

    assert seqs == [1, 1, 2, 3, 2]
    assert dict(EventSequence.objects.values_list("tournament_id", "last_seq")) == {1: 3, 2: 2}


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


def test_rolled_back_transaction_stores_numbers_and_delivers_nothing(monkeypatch):
    delivered: list[dict] = []
    monkeypatch.setattr(events, "deliver", lambda **event: delivered.append(event))
    with pytest.raises(RuntimeError):
        _publish_then_fail()

    assert event_history_list(tournament_id=6, since=0) == []
    assert EventRecord.objects.count() == 0
    assert EventSequence.objects.count() == 0
    assert delivered == []
    assert publish(tournament_id=6, type=MATCH_CONFIRMED, data={}) == 1  # the number was not consumed


def test_the_event_costs_one_insert_in_the_callers_transaction(monkeypatch):
    monkeypatch.setattr(events, "deliver", lambda **event: None)
    publish(tournament_id=8, type=MATCH_CONFIRMED, data={})  # the stream's row exists: the usual case

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        publish_on_commit(tournament_id=8, type=MATCH_CONFIRMED, data={})

    # The counter's bump rides in the same statement (PostgreSQL: a CTE; SQLite: a trigger).
    assert [query["sql"].split()[0].upper() for query in captured.captured_queries] == [
        "WITH" if connection.vendor == "postgresql" else "INSERT"
    ]
    assert "INSERT INTO" in captured.captured_queries[0]["sql"]


def test_delivery_runs_only_after_commit(monkeypatch):
    delivered: list[int] = []
    monkeypatch.setattr(events, "deliver", lambda **event: delivered.append(event["seq"]))
    with transaction.atomic():
        seq = publish_on_commit(tournament_id=9, type=MATCH_CONFIRMED, data={})
        assert delivered == []

    assert delivered == [seq] == [1]


def test_an_unreachable_redis_never_fails_the_write_and_is_not_retried_per_request(settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    channels.sync_redis.cache_clear()
    monkeypatch.setattr(events, "_redis_skip_until", 0.0)
    attempts: list[int] = []
    publish_to = channels.sync_redis().publish

    def counting_publish(*args):
        attempts.append(1)
        return publish_to(*args)

    monkeypatch.setattr(channels.sync_redis(), "publish", counting_publish)
    try:
        seqs = [publish(tournament_id=10, type=MATCH_CONFIRMED, data={}) for _ in range(3)]
    finally:
        channels.sync_redis.cache_clear()

    assert seqs == [1, 2, 3]  # committed and numbered; the relays deliver them
    assert len(attempts) == 1  # then skipped for REALTIME_REDIS_RETRY_SECONDS, not waited on
    assert [seq for seq, _ in event_history_list(tournament_id=10, since=0)] == [1, 2, 3]


# --- Retention ------------------------------------------------------------------------------


def test_prune_keeps_the_last_n_of_each_tournament_and_numbering_continues():
    for tournament_id in (1, 1, 1, 1, 2):
        publish(tournament_id=tournament_id, type=MATCH_CONFIRMED, data={})

    outcome = event_history_prune(keep=2, max_age_hours=24)

    assert outcome.events == 2
    assert list(EventRecord.objects.order_by("tournament_id", "seq").values_list("tournament_id", "seq")) == [
        (1, 3),
        (1, 4),
        (2, 1),
    ]
    assert publish(tournament_id=1, type=MATCH_CONFIRMED, data={}) == 5


def test_prune_by_age_and_dry_run_deletes_nothing():
    for _ in range(3):
        publish(tournament_id=3, type=MATCH_CONFIRMED, data={})
    EventRecord.objects.filter(seq__lte=2).update(created_at=timezone.now() - timedelta(hours=49))

    assert event_history_prune(keep=100, max_age_hours=48, dry_run=True).events == 2
    assert EventRecord.objects.count() == 3
    assert event_history_prune(keep=100, max_age_hours=48).events == 2
    assert list(EventRecord.objects.values_list("seq", flat=True)) == [3]


def test_prune_command_reports_and_refuses_bad_input(capsys):
    for _ in range(3):
        publish(tournament_id=4, type=MATCH_CONFIRMED, data={})

    call_command("realtime_prune", "--keep", "1", "--dry-run")
    assert "Would delete 2 event(s)" in capsys.readouterr().out
    assert EventRecord.objects.count() == 3
    call_command("realtime_prune", "--keep", "1")
    assert "Deleted 2 event(s)" in capsys.readouterr().out
    assert EventRecord.objects.count() == 1
    with pytest.raises(CommandError, match="--keep must be at least 1"):
        call_command("realtime_prune", "--keep", "0")


def test_write_and_delivery_together_cost_one_statement_besides_the_transaction():
    publish(tournament_id=11, type=MATCH_CONFIRMED, data={})

    with CaptureQueriesContext(connection) as captured:
        publish(tournament_id=11, type=MATCH_CONFIRMED, data={})  # commits, then delivers to the hub

    # No second transaction after the commit any more (it was BEGIN, upsert, insert, trim, COMMIT).
    statements = [query["sql"].split()[0].upper() for query in captured.captured_queries]
    assert [s for s in statements if s not in {"BEGIN", "COMMIT"}] == [
        "WITH" if connection.vendor == "postgresql" else "INSERT"
    ]
