"""The durable event stream of each tournament: a counter row and the outbox (docs/realtime.md).

An event is one ``EventRecord`` row, inserted in the same transaction as the change
that caused it (a transactional outbox), already encoded. Its ``seq`` comes from the
tournament's ``EventSequence`` row in that same statement (``realtime/locks.py``), so
numbers are gap-free and in commit order, and a rolled-back write leaves no number
behind. The rows are the history ``?since=`` replays and what the relay delivers;
Redis only carries them between processes.

Tournament ids are plain integers, not foreign keys: writing an event must never wait
on, or fail because of, a lock or a deletion on the tournament row.
"""

from django.db import models
from django.utils import timezone


class EventSequence(models.Model):
    """A tournament's stream: the last ``seq`` handed out, and the stream's ``epoch``.

    The row lock of its increment orders the tournament's event writers (held from the
    event's INSERT to COMMIT, the last lock of any transaction). ``epoch`` is set once,
    when the stream's first event is written: a stream that starts again (its rows
    lost with a database restore or reset) gets a new one, so a client holding offsets
    of the old stream learns it cannot resume.
    """

    tournament_id = models.BigIntegerField(primary_key=True)
    last_seq = models.BigIntegerField(default=0)
    epoch = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"tournament {self.tournament_id}: seq {self.last_seq} (epoch {self.epoch})"


class EventRecord(models.Model):
    """One committed event, already encoded: the outbox row and the ``?since=`` history."""

    tournament_id = models.BigIntegerField()
    seq = models.BigIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)  # retention by age

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tournament_id", "seq"], name="realtime_event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"tournament {self.tournament_id} #{self.seq}"


class EventCursor(models.Model):
    """How far a consumer of the event log (notifications, ...) has read each tournament's stream.

    Per tournament, because ``seq`` is in commit order only within one stream: a reader
    that takes every event up to a tournament's ``last_seq`` has missed none of it, while
    ids across streams commit out of order.
    """

    consumer = models.CharField(max_length=32)
    tournament_id = models.BigIntegerField()
    seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "tournament_id"], name="realtime_cursor_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer}: tournament {self.tournament_id} at #{self.seq}"
