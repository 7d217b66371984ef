"""Emails and certificates, each a job row made from one committed event (docs/tasks.md).

Both are made by the dispatcher that reads the event log (``notifications.services``), in
the transaction that moves its cursor, under a unique key: reading an event twice (two
dispatchers, a cursor moved back) makes nothing twice.
"""

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import Job


class NotificationKind(models.TextChoices):
    REGISTRATION_CONFIRMED = "registration_confirmed", "Registration confirmed"
    REGISTRATION_WAITLISTED = "registration_waitlisted", "Registration waitlisted"
    REGISTRATION_PROMOTED = "registration_promoted", "Promoted from the waitlist"
    MATCH_READY = "match_ready", "Match to play"
    RESULT_DISPUTED = "result_disputed", "Result disputed"
    TOURNAMENT_FINALIZED = "tournament_finalized", "Tournament finalized"


class Notification(Job):
    """One email to one user about one event. Sent at most once per (event, user, kind)."""

    Kind = NotificationKind

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    tournament_id = models.BigIntegerField()
    seq = models.BigIntegerField(help_text="The event that caused it: (tournament_id, seq) in the event log.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Given up after NOTIFICATION_MAX_ATTEMPTS.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tournament_id", "seq", "user", "kind"], name="notification_unique_event"),
        ]
        indexes = [
            # The dispatcher's scan: only the few rows still to send, by due time.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id} (tournament {self.tournament_id} #{self.seq})"


class Certificate(Job):
    """A placed player's certificate of a finalized tournament: one per (user, tournament).

    ``file`` is empty until a worker has rendered and stored it (``default_storage``).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="certificates")
    tournament = models.ForeignKey("tournaments.Tournament", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="+")
    placement = models.PositiveIntegerField()
    file = models.FileField(upload_to="certificates/", blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tournament"], name="certificate_unique_user_tournament"),
        ]

    def __str__(self) -> str:
        return f"#{self.placement} for {self.user_id} in {self.tournament_id}"
