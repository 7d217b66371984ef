"""Webhook endpoints and their delivery attempts (docs/webhooks.md).

An endpoint is a job row (``core.models.Job``): its lease says which worker is sending
to it now (one at a time, which is what keeps its deliveries in order), ``attempts``
counts its failures in a row, ``next_attempt_at`` its backoff. ``delivered_seq`` is its
cursor in its tournament's event stream: every event up to it was delivered or is of a
type it did not subscribe to.
"""

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone

from core.models import Job


class WebhookEndpoint(Job):
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="The event types it receives.")
    # Signs every delivery (HMAC-SHA256). Shown once, when the endpoint is created.
    secret = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=600, blank=True, default="")
    delivered_seq = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.url} (tournament {self.tournament_id})"


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint, as it went."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    seq = models.BigIntegerField(help_text="The event: (the endpoint's tournament, seq) in the event log.")
    event_type = models.CharField(max_length=64)
    attempt = models.PositiveIntegerField(help_text="1 for the event's first attempt, then 2, 3, ...")
    ok = models.BooleanField()
    status_code = models.PositiveIntegerField(null=True, blank=True, help_text="null: no HTTP answer")
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhook_delivery_newest")]

    def __str__(self) -> str:
        return f"#{self.seq} to {self.endpoint_id}, attempt {self.attempt}: {'ok' if self.ok else 'failed'}"
