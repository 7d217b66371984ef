"""Writes of the realtime app other than the event itself (that one is ``realtime.events``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from realtime.models import EventCursor, EventRecord, EventSequence


@dataclass(frozen=True)
class PruneOutcome:
    """What ``event_history_prune`` removed (or, in a dry run, would remove)."""

    events: int
    keep_per_tournament: int
    max_age_hours: int


def _prunable(*, keep: int, max_age_hours: int):
    """Events beyond the last ``keep`` of their tournament, or older than ``max_age_hours``.

    The counter rows stay: numbering and the epoch survive any pruning, so a pruned
    stream continues where it was and a client behind it is told it cannot recover.
    """
    head = EventSequence.objects.filter(tournament_id=OuterRef("tournament_id")).values("last_seq")
    too_old = Q(created_at__lt=timezone.now() - timedelta(hours=max_age_hours))
    return EventRecord.objects.annotate(head=Subquery(head)).filter(Q(seq__lte=F("head") - keep) | too_old)


@transaction.atomic
def event_history_prune(
    *, keep: int | None = None, max_age_hours: int | None = None, dry_run: bool = False
) -> PruneOutcome:
    """Apply the outbox's retention (defaults: ``REALTIME_HISTORY_SIZE``, ``REALTIME_HISTORY_MAX_AGE_HOURS``)."""
    keep = settings.REALTIME_HISTORY_SIZE if keep is None else keep
    max_age_hours = settings.REALTIME_HISTORY_MAX_AGE_HOURS if max_age_hours is None else max_age_hours
    prunable = _prunable(keep=keep, max_age_hours=max_age_hours)
    if dry_run:
        count = prunable.count()
    else:
        count, _ = EventRecord.objects.filter(pk__in=prunable.values("pk")).delete()
    return PruneOutcome(events=count, keep_per_tournament=keep, max_age_hours=max_age_hours)


def event_cursor_advance(*, consumer: str, positions: dict[int, int]) -> None:
    """Record that ``consumer`` has read each tournament's stream up to its ``seq`` (tournament id → seq).

    One upsert. Two dispatchers racing may move a cursor back to where the slower one
    read: the events are read again, and the consumer's own unique keys make that a no-op.
    """
    EventCursor.objects.bulk_create(
        [EventCursor(consumer=consumer, tournament_id=t, seq=seq) for t, seq in positions.items()],
        update_conflicts=True,
        unique_fields=["consumer", "tournament_id"],
        update_fields=["seq"],
    )
