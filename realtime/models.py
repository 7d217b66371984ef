"""Storage for the broadcast when Redis is not configured: the sequence and the history.

With ``REDIS_URL`` set, both live in Redis instead (see ``realtime/events.py``).
Tournament ids are plain integers, not foreign keys: publishing must never wait on,
or fail because of, a lock or a deletion on the tournament row.
"""

from django.db import models


class EventSequence(models.Model):
    """The last sequence number handed out for a tournament's events.

    One row per tournament, bumped with an atomic upsert: the row lock serialises
    concurrent publishers in every process sharing the database.
    """

    tournament_id = models.BigIntegerField(primary_key=True)
    last_seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"tournament {self.tournament_id}: seq {self.last_seq}"


class EventRecord(models.Model):
    """One published event, already encoded, kept for ``?since=<seq>`` resync."""

    tournament_id = models.BigIntegerField()
    seq = models.BigIntegerField()
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tournament_id", "seq"], name="realtime_event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"tournament {self.tournament_id} #{self.seq}"
