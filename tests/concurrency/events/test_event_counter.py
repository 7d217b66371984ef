"""The event counter under concurrent result submissions of one tournament (PostgreSQL, real threads).

Confirmations of different matches lock different match rows and meet only on the
tournament's event counter, taken by the event's INSERT just before COMMIT. Their
events must come out gap-free, one per confirmation (numbers are taken under the
counter's row lock, held to COMMIT: commit order). The
counter's lock events carry what the serialisation costs (``wait_ms``): run with ``-s``
to print it (the figures in docs/realtime.md come from this test).
"""

from __future__ import annotations

import statistics

import pytest

from realtime.models import EventRecord, EventSequence
from tests.concurrency.threads import run_together
from tests.tournaments.builders import match_at, started_tournament
from tournaments.services.matches import match_result_submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MATCHES = 8  # the first round of a 16-team bracket


def _confirmer(match):
    return lambda: match_result_submit(match_id=match.pk, actor=match.team_b.captain, score_a=1, score_b=0).outcome


def test_concurrent_confirmations_number_their_events_gap_free_in_commit_order(organizer, lock_events):
    tournament, _ = started_tournament(organizer=organizer, teams=2 * MATCHES)
    firsts = [match_at(tournament, 1, position) for position in range(1, MATCHES + 1)]
    for match in firsts:
        match_result_submit(match_id=match.pk, actor=match.team_a.captain, score_a=1, score_b=0)
    head_before = EventSequence.objects.filter(pk=tournament.pk).values_list("last_seq", flat=True).first() or 0

    outcomes = run_together([_confirmer(match) for match in firsts])

    assert outcomes == ["confirmed"] * MATCHES
    events = list(EventRecord.objects.filter(tournament_id=tournament.pk, seq__gt=head_before).order_by("seq"))
    assert [event.seq for event in events] == list(range(head_before + 1, head_before + MATCHES + 1))
    assert EventSequence.objects.get(pk=tournament.pk).last_seq == head_before + MATCHES
    counter = [e for e in lock_events.of("lock_released") if e["entity_type"] == "EventSequence"][-MATCHES:]
    assert [e["outcome"] for e in counter] == ["committed"] * MATCHES
    waits = sorted(e["wait_ms"] for e in counter)
    print(  # noqa: T201 - the measurement this test exists to show (-s)
        f"\nevent counter, {MATCHES} concurrent confirmations: wait_ms p50 {statistics.median(waits):.2f} "
        f"max {waits[-1]:.2f}; hold_ms p50 {statistics.median(e['hold_ms'] for e in counter):.2f}"
    )
