"""Abstract models shared by the apps (no tables of their own)."""

from django.db import models
from django.utils import timezone


class Job(models.Model):
    """A row that says what a worker must do, with its lease and its retries (core/tasks.py).

    ``next_attempt_at``: when a dispatcher may next hand it out (pushed forward by a lease
    when it is enqueued, by ``retry_delay`` when it fails). ``lease_until`` and
    ``lease_token``: which worker owns it, until when. ``attempts``: failures so far in a row.
    """

    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        abstract = True
