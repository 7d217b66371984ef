"""Storage for the broadcast when Redis is not configured: the sequence and the history.

With ``REDIS_URL`` set, both live in Redis instead (see ``realtime/events.py``).
"""

from django.db import models


class EventSequence(models.Model):
    """The last sequence number handed out for a tournament's events.

    One row per tournament, bumped with an atomic upsert: the row lock serialises
    concurrent publishers in every process sharing the database.
    """

    tournament_id = models.BigIntegerField(primary_key=True)
    last_seq = models.BigIntegerField(default=0)


class EventRecord(models.Model):
    """One published event, already encoded, kept for ``?since=<seq>`` resync."""

    tournament_id = models.BigIntegerField()
    seq = models.BigIntegerField()
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tournament_id", "seq"], name="realtime_event_unique_seq"),
        ]
